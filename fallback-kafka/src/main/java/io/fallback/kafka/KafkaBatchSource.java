package io.fallback.kafka;

import io.fallback.core.BatchSource;
import io.fallback.core.Checkpoint;
import io.fallback.core.PartitionListener;
import io.fallback.core.PrimaryProgress;
import io.fallback.core.SourceRecord;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fallback's Kafka consumer: a {@link BatchSource} of decoded {@link Reading}s that loses
 * nothing, writes no window twice and starts where the primary stopped (DESIGN sections 5 and 7).
 * It composes:
 *
 * <ul>
 *   <li>the consumer, in its own group ({@code kafka.group_id}), {@code subscribe()}d to {@code
 *       kafka.topic}, configured by {@link ClientConfigs#fallbackConsumer} (pass-through
 *       properties; auto-commit always off; static membership when {@code group.instance.id} is
 *       set);
 *   <li>{@link Assignments}: partitions as the group assigns and revokes them, each started at once
 *       in the rebalance callback by {@link StartPositions} (own offsets, a rewind from the primary
 *       group's, or {@code kafka.auto_offset_reset}, where {@code latest} is the end at the
 *       trigger, {@link KafkaBatchSourceBuilder#activatedAt});
 *   <li>{@link BatchCollector}: the batch collected across polls, handed over when full, when
 *       {@code processing.batch_timeout_seconds} have passed since its first record, or, while
 *       catching up (after the start, a new assignment, or falling behind), as soon as the end of
 *       the log is reached;
 *   <li>a {@link ReadingDecoder} ({@code processing.format}: raw Avro datum through a decode plan
 *       compiled once, or JSON; event time from {@code processing.timestamp_field}, or the record
 *       timestamp);
 *   <li>{@link DeadLetterPublisher}: undecodable records and those the loop passes to {@link
 *       #deadLetter} go to {@code processing.dlq_topic}, durable before the next {@link #commit}
 *       returns;
 *   <li>{@link PrimaryOffsetsHandBack}, on {@link #close} with {@code
 *       handoff.advance_primary_offsets}.
 * </ul>
 *
 * <p>{@link #commit} flushes the dead letters, then {@code commitSync}s, per owned partition,
 * {@link Checkpoint#offset()} with {@link CommitMetadata} ({@code
 * fb1;e=<emittedThrough>;r=<readThrough>}), which restores the checkpoint on the next assignment.
 * {@link #hold} pauses every partition and polls, so the group keeps this member while the loop
 * holds a batch; records that arrive anyway are sought back. {@link #wakeup} makes a blocked poll
 * or hold return. {@link #close} is idempotent: dead-letter producer, hand-back, then the consumer
 * (leaving the group, also as a static member) and the other clients, each with a timeout.
 *
 * <p>Thread safety: like every {@link BatchSource}, used by one loop thread; {@link #wakeup} and
 * the counters may be called from any thread.
 */
public final class KafkaBatchSource implements BatchSource<Reading> {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBatchSource.class);

  /** Header names of a dead letter. */
  public static final String HEADER_REASON = "fallback.reason";

  /** The error message. */
  public static final String HEADER_ERROR = "fallback.error";

  /** The input topic. */
  public static final String HEADER_TOPIC = "fallback.source.topic";

  /** The input partition, decimal. */
  public static final String HEADER_PARTITION = "fallback.source.partition";

  /** The input offset, decimal. */
  public static final String HEADER_OFFSET = "fallback.source.offset";

  private final KafkaSourceSettings settings;
  private final Duration apiTimeout;
  private final Duration closeTimeout;
  private final ReadingDecoder decoder;
  private final StartPositions starts;
  private final DeadLetterPublisher deadLetters;

  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private final Wakeup wakeup = new Wakeup();
  private Admin admin;
  private RecordTimestampReader reader;
  private volatile Assignments assignments;
  private boolean opened;
  private volatile boolean closed;

  /** The batch being collected across polls, and the one handed over last. */
  private final BatchCollector batch;

  /**
   * Whether the source is catching up with the end of the log: from the start (a take-over) and
   * each new assignment, or after falling behind, until a batch is handed over because the end was
   * reached.
   */
  private boolean catchingUp = true;

  private final LongAdder decoded = new LongAdder();

  KafkaBatchSource(KafkaBatchSourceBuilder b) {
    this.settings = b.settings;
    this.apiTimeout = b.apiTimeout;
    this.closeTimeout = b.closeTimeout;
    this.decoder = ReadingDecoder.of(settings, b.spec);
    Instant activatedAt = b.activatedAt != null ? b.activatedAt : b.clock.instant();
    this.starts =
        new StartPositions(
            settings,
            b.spec,
            b.progress,
            b.clock,
            apiTimeout,
            activatedAt,
            b.preferOwnOffsets,
            this::admin,
            this::reader);
    this.deadLetters = new DeadLetterPublisher(settings, this::admin);
    this.batch =
        new BatchCollector(
            settings.batchSize(),
            settings.memoryBudget() == Long.MAX_VALUE
                ? Long.MAX_VALUE
                : Math.max(1, settings.memoryBudget() / 2),
            settings.batchTimeout().toNanos(),
            decoder,
            deadLetters,
            p -> assignments != null && assignments.isActive(p));
  }

  /**
   * A builder for a source reading with {@code settings} and windows of {@code spec} (whose field
   * names order the decoded values and whose size and out-of-orderness drive the rewind on
   * takeover).
   *
   * @param settings the Kafka settings
   * @param spec the window spec
   * @return a builder
   */
  public static KafkaBatchSourceBuilder builder(KafkaSourceSettings settings, WindowSpec spec) {
    return new KafkaBatchSourceBuilder(settings, spec);
  }

  /**
   * A source with the system clock and no {@link PrimaryProgress} (the windows the primary wrote
   * are not queried: after a takeover they are written again, identically).
   *
   * @param settings the Kafka settings
   * @param spec the window spec
   * @return the source, not yet open
   * @throws IllegalArgumentException if the schema does not fit the settings
   */
  public static KafkaBatchSource of(KafkaSourceSettings settings, WindowSpec spec) {
    return builder(settings, spec).build();
  }

  /**
   * Creates the consumer and subscribes; with {@code kafka.auto_offset_reset: latest}, first notes
   * the end offsets of the topic (the "latest" of this activation). Partitions are reported from
   * inside later {@link #poll}s, as soon as the group assigns them.
   *
   * @throws IllegalStateException if already opened or closed
   * @throws org.apache.kafka.common.KafkaException if the client cannot be created
   */
  @Override
  public void open(PartitionListener listener) {
    Objects.requireNonNull(listener, "listener");
    if (closed) {
      throw new IllegalStateException("the source is closed");
    }
    if (opened) {
      throw new IllegalStateException("the source is already open");
    }
    Map<String, Object> config = ClientConfigs.fallbackConsumer(settings);
    KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.consumer = c;
    this.assignments =
        new Assignments(
            settings.topic(),
            c,
            starts,
            listener,
            batch::drop,
            () -> catchingUp = true,
            () -> closed);
    opened = true;
    starts.snapshotEnds(c);
    if (wakeup.requested()) {
      c.wakeup();
    }
    c.subscribe(List.of(settings.topic()), assignments);
    LOG.info(
        "Kafka source subscribed to {} as group {}{} (batch_size {}, batch_timeout {} s, dlq {})",
        settings.topic(),
        settings.groupId(),
        Optional.ofNullable(config.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG))
            .map(id -> ", static member " + id)
            .orElse(""),
        settings.batchSize(),
        settings.batchTimeout().toMillis() / 1000.0,
        settings.dlqTopic());
  }

  /**
   * Waits for a complete batch for at most {@code processing.batch_timeout_seconds}; see {@link
   * #poll(Duration)}.
   *
   * @throws IllegalStateException if not open
   * @throws org.apache.kafka.common.KafkaException on a client failure; the loop retries
   */
  @Override
  public List<SourceRecord<Reading>> poll() {
    return poll(settings.batchTimeout());
  }

  /**
   * Returns the batch being collected once it holds {@code processing.batch_size} records, {@code
   * processing.batch_timeout_seconds} have passed since its first record, or the source was
   * catching up with the end of the log and has reached it; or earlier on {@link #wakeup};
   * otherwise returns an empty list after {@code maxWait}, keeping what it collected for the next
   * call. Undecodable records are dead-lettered here and do not appear.
   *
   * @param maxWait the longest this call blocks
   * @throws IllegalStateException if not open
   * @throws org.apache.kafka.common.KafkaException on a client failure while no record is
   *     collected; the loop retries
   */
  @Override
  public List<SourceRecord<Reading>> poll(Duration maxWait) {
    requireOpen();
    KafkaConsumer<byte[], byte[]> c = consumer;
    long waitUntil = System.nanoTime() + Math.max(0, maxWait.toNanos());
    assignments.retry(batch.size() > 0 || batch.hasLeftover());
    batch.takeLeftover(System.nanoTime());
    while (true) {
      long now = System.nanoTime();
      boolean drained =
          catchingUp && batch.size() > 0 && !batch.hasLeftover() && assignments.caughtUp();
      if (batch.full() || batch.timedOut(now) || drained || wakeup.requested()) {
        wakeup.clear();
        if (drained) {
          catchingUp = false; // from now on live input: the seed's batching
        }
        return handOver();
      }
      long remaining = batch.remainingNanos(now, waitUntil - now);
      if (remaining <= 0) {
        return List.of(); // the caller's bound: what was collected waits for the next call
      }
      ConsumerRecords<byte[], byte[]> records;
      try {
        records = c.poll(Duration.ofMillis(Math.max(1, (remaining + 999_999) / 1_000_000)));
      } catch (WakeupException e) {
        continue; // requested: handed over at the top of the loop
      } catch (RuntimeException e) {
        // the consumer's position is past the records collected so far: deliver them, fail next
        // time
        if (batch.size() == 0) {
          throw e;
        }
        LOG.warn(
            "poll failed after {} records; handing those over first: {}",
            batch.size(),
            e.toString());
        return handOver();
      }
      long received = System.nanoTime();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        batch.offer(r, received);
      }
      if (!records.isEmpty() && !catchingUp && !assignments.caughtUp()) {
        // fell behind (a burst): hand over once the end is reached, not after the timeout
        catchingUp = true;
      }
      assignments.retry(batch.size() > 0 || batch.hasLeftover());
    }
  }

  private List<SourceRecord<Reading>> handOver() {
    List<SourceRecord<Reading>> out = batch.handOver();
    decoded.add(out.size());
    return out;
  }

  /**
   * Flushes the dead letters, then commits synchronously the checkpoints of the partitions still
   * owned, with {@link CommitMetadata}. Checkpoints of other partitions are ignored.
   *
   * @throws KafkaSourceException if a dead letter could not be sent (nothing is committed)
   * @throws org.apache.kafka.common.KafkaException if the commit failed
   */
  @Override
  public void commit(Map<Integer, Checkpoint> checkpoints) {
    requireOpen();
    deadLetters.flush();
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (Map.Entry<Integer, Checkpoint> e : checkpoints.entrySet()) {
      if (assignments.isActive(e.getKey())) {
        offsets.put(
            new TopicPartition(settings.topic(), e.getKey()),
            CommitMetadata.toOffsetAndMetadata(e.getValue()));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    KafkaConsumer<byte[], byte[]> c = consumer;
    KafkaCalls.retryingWakeup(
        () -> {
          c.commitSync(offsets, apiTimeout);
          return null;
        });
    if (LOG.isDebugEnabled()) {
      LOG.debug("committed {}", offsets);
    }
  }

  /**
   * Sends the original bytes of a record of the last batch to the dead-letter topic. Durable before
   * the next {@link #commit} returns.
   *
   * @throws IllegalArgumentException if the record was not returned by the last {@link #poll} and
   *     cannot be read again
   */
  @Override
  public void deadLetter(SourceRecord<Reading> record, String reason) {
    requireOpen();
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(reason, "reason");
    ConsumerRecord<byte[], byte[]> raw = batch.findHanded(record.partition(), record.offset());
    if (raw == null) {
      raw = refetch(record.partition(), record.offset());
    }
    deadLetters.send(raw, reason, reason + ": dead-lettered by the fallback loop");
  }

  private ConsumerRecord<byte[], byte[]> refetch(int partition, long offset) {
    TopicPartition tp = new TopicPartition(settings.topic(), partition);
    ConsumerRecord<byte[], byte[]> raw = reader().recordAt(tp, offset, apiTimeout);
    if (raw == null || raw.offset() != offset) {
      throw new IllegalArgumentException(
          "record " + tp + "@" + offset + " is not in the last batch and cannot be read again");
    }
    return raw;
  }

  /**
   * Pauses every assigned partition and polls for about {@code duration}, so the group keeps this
   * member, then resumes. Returns early on {@link #wakeup}. Before {@link #open} (or after a failed
   * one) it simply waits.
   */
  @Override
  public void hold(Duration duration) {
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (!opened || closed || c == null) {
      wakeup.await(duration);
      return;
    }
    assignments.hold(duration, wakeup);
  }

  /** Makes a blocked {@link #poll} or {@link #hold} return soon. Thread-safe. */
  @Override
  public void wakeup() {
    wakeup.request(consumer);
  }

  /**
   * Flushes and closes the dead-letter producer, performs the hand-back if configured, and closes
   * the clients, each bounded by a timeout; the consumer leaves the group (also as a static
   * member), so its partitions move on at once. Idempotent; never throws for a client that fails to
   * close.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      closeQuietly("dead-letter producer", () -> deadLetters.close(closeTimeout));
      if (opened && settings.advancePrimaryOffsets()) {
        try {
          PrimaryOffsetsHandBack.run(
              admin(), settings, assignments == null ? Set.of() : assignments.owned(), apiTimeout);
        } catch (RuntimeException e) {
          LOG.warn(
              "hand-back: could not advance the offsets of primary group {}",
              settings.primaryGroupId(),
              e);
        }
      }
    } finally {
      KafkaConsumer<byte[], byte[]> c = consumer;
      if (c != null) {
        closeQuietly(
            "consumer",
            () ->
                c.close(
                    CloseOptions.timeout(closeTimeout)
                        .withGroupMembershipOperation(
                            CloseOptions.GroupMembershipOperation.LEAVE_GROUP)));
      }
      if (reader != null) {
        closeQuietly("timestamp reader", reader::close);
      }
      if (admin != null) {
        closeQuietly("admin client", () -> admin.close(closeTimeout));
      }
      LOG.info(
          "Kafka source closed: {} records decoded, dead letters {}",
          recordsDecoded(),
          deadLettered());
    }
  }

  /**
   * The topic's partitions this source reads now (assigned to it by the group and started); empty
   * before {@link #open} and after {@link #close}. Thread-safe.
   *
   * @return a snapshot, partition numbers
   */
  public Set<Integer> ownedPartitions() {
    Assignments a = assignments;
    return a == null || closed ? Set.of() : a.owned();
  }

  /**
   * @return records decoded and returned by {@link #poll} since creation; thread-safe
   */
  public long recordsDecoded() {
    return decoded.sum();
  }

  /**
   * @return dead letters sent (or being sent) since creation, per reason, sorted; thread-safe
   */
  public Map<String, Long> deadLettered() {
    return deadLetters.counts();
  }

  /**
   * @return dead-letter sends that failed (each is re-sent before the next commit); thread-safe
   */
  public long deadLetterSendFailures() {
    return deadLetters.sendFailures();
  }

  /**
   * @return the settings of this source
   */
  public KafkaSourceSettings settings() {
    return settings;
  }

  private Admin admin() {
    if (admin == null) {
      admin =
          Admin.create(
              ClientConfigs.admin(settings.bootstrapServers(), settings.clientProperties()));
    }
    return admin;
  }

  private RecordTimestampReader reader() {
    if (reader == null) {
      reader = new RecordTimestampReader(settings.bootstrapServers(), settings.clientProperties());
    }
    return reader;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the source is closed");
    }
    if (!opened) {
      throw new IllegalStateException("the source is not open");
    }
  }

  private static void closeQuietly(String what, Runnable close) {
    try {
      close.run();
    } catch (RuntimeException e) {
      LOG.warn("error while closing the {}", what, e);
    }
  }
}
