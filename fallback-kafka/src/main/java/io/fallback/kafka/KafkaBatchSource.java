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
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fallback's Kafka consumer: a {@link BatchSource} of decoded {@link Reading}s that loses nothing,
 * writes no window twice and starts where the primary stopped (DESIGN sections 5 and 7).
 *
 * <h2>Consumer</h2>
 * Its own consumer group ({@code kafka.group_id}), {@code subscribe()}d to {@code kafka.topic}. Kafka client
 * settings pass through from {@code kafka.properties} (see {@code ClientConfigs}: a key goes to every client
 * that knows it; {@code consumer.}/{@code producer.}/{@code admin.} prefixes target one client), except:
 * <ul>
 *   <li>{@code enable.auto.commit} is always false: offsets are committed only through {@link #commit},
 *       after the sink acknowledged. If the configuration asks for true, a WARN says so once.</li>
 *   <li>{@code max.poll.records} is at most {@code processing.batch_size}.</li>
 *   <li>{@code auto.offset.reset} of the client is {@code earliest}: it applies only when a committed
 *       offset has fallen out of retention. {@code kafka.auto_offset_reset} is applied explicitly, and only
 *       where neither group has committed (DESIGN section 10), see {@link StartPositions}.</li>
 *   <li>{@code partition.assignment.strategy} defaults to the cooperative sticky assignor, so that a
 *       rebalance revokes only the partitions that move (not set with {@code group.protocol=consumer},
 *       where the broker assigns).</li>
 *   <li>{@code group.instance.id} (static membership) passes through when set, so that a restarted
 *       instance takes its partitions back at once instead of after the dead member's session timeout;
 *       {@link #close} leaves the group explicitly, so a clean stop hands its partitions on at once.</li>
 * </ul>
 *
 * <h2>Batches</h2>
 * {@link #poll(Duration)} collects records into a batch and hands it over as soon as it holds {@code
 * processing.batch_size} records or {@code processing.batch_timeout_seconds} have passed since its first
 * record (the seed's "collect up to N messages or T seconds"), or, while the source is catching up with
 * the end of the log (after the start, a new assignment, or falling behind), as soon as it has caught up
 * ({@code currentLag} 0 on every partition it reads): a backlog never waits for the timeout, live input
 * keeps the seed's batching. A
 * call that reaches its own bound first returns an empty list and keeps the batch collected so far for the
 * next call, so the loop can commit on time. Records fetched beyond the batch are kept for the next one
 * (never skipped; dropped if their partition is revoked: they sit after the committed offset).
 *
 * <h2>Decoding</h2>
 * A value becomes {@code Reading(key, eventTime, values)} with the values in the order of
 * {@link WindowSpec#fieldNames()} (X, Y, Z, EDA, HR, TEMP) and a null field as 0 (the primary adds 0 for
 * null and still counts the record). {@code processing.format: avro} (default) reads a raw Avro binary
 * datum (no schema registry, no magic byte) of {@code processing.schema_file} or the built-in nurse schema,
 * through a decode plan compiled once from the schema, read straight from the value's bytes (no
 * {@code GenericRecord}); {@code json} reads a JSON object. The event time is the field
 * {@code processing.timestamp_field} ({@code datetime}), a string in {@code processing.timestamp_format}
 * read as UTC, with a fast path for {@code yyyy-MM-dd HH:mm:ss.SSS}, or a long of epoch milliseconds; or,
 * with {@code kafka_timestamp}, the Kafka record timestamp.
 *
 * <h2>Dead letters</h2>
 * A record that cannot be decoded ({@code undecodable}), lacks the key ({@code missing-key}) or the
 * timestamp ({@code missing-timestamp}), or has an unparsable timestamp ({@code bad-timestamp}) goes to
 * {@code processing.dlq_topic} ({@code <topic>.dlq}; created with the broker's defaults on the first dead
 * letter if missing), as does every record the loop passes to {@link #deadLetter} ({@code late}); see
 * {@link DeadLetterPublisher} for the headers, the logging and why no offset is committed before its dead
 * letters are durable. Counted: {@link #deadLettered()}, {@link #recordsDecoded()},
 * {@link #deadLetterSendFailures()}.
 *
 * <h2>Commits</h2>
 * {@link #commit} flushes the dead letters, then {@code commitSync}s, per owned partition,
 * {@link Checkpoint#offset()} with the metadata of {@link CommitMetadata}
 * ({@code fb1;e=<emittedThrough>;r=<readThrough>}), which restores the {@code Checkpoint} on the next
 * assignment so a restart neither loses nor re-emits a window.
 *
 * <h2>Start position of a partition, on assignment</h2>
 * Chosen inside the rebalance callback, as soon as the partition is assigned ({@link StartPositions}: own
 * offsets, a rewind from the primary group's offsets, or {@code kafka.auto_offset_reset}), then reported
 * to {@link PartitionListener#assigned}. If that fails (Kafka slow, the primary's offsets unreadable), the
 * partition stays paused and the next poll tries again. The time of the trigger is the time this source
 * was built ({@link Builder#activatedAt}).
 *
 * <h2>Rebalances</h2>
 * A revoked or lost partition is reported to {@link PartitionListener#revoked}: the loop drops its open
 * windows, whose records sit at or after the committed offset, and whoever reads the partition next
 * re-reads them (windows the loop wrote after its last commit may be written again, identically).
 * Commits of partitions no longer owned are skipped.
 *
 * <h2>Hold, wakeup, close</h2>
 * {@link #hold} pauses every assigned partition and polls (keeping the group membership) for the given
 * time, then resumes; should a poll return records anyway, their partitions are sought back so they are
 * read again. {@link #wakeup} interrupts a blocked poll or hold, which then return what they have. {@link
 * #close} is idempotent: it flushes and closes the dead-letter producer, performs the hand-back, then
 * closes the consumer (leaving the group) and the admin client, each with a timeout.
 *
 * <h2>Hand-back</h2>
 * Only with {@code handoff.advance_primary_offsets: true}: on close, if the primary group has no active
 * member (Flink's {@code KafkaSource} uses {@code assign()}, so it has none), the primary group's committed
 * offsets are moved forward to the fallback group's committed offsets where those are ahead, so a primary
 * that restarts from committed offsets does not redo the fallback's work. With active members it refuses
 * and logs a WARN with their count.
 *
 * <p>Thread safety: like every {@link BatchSource}, used by one loop thread; {@link #wakeup} and the
 * counters may be called from any thread.
 */
public final class KafkaBatchSource implements BatchSource<Reading> {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBatchSource.class);
  private static final AtomicBoolean AUTO_COMMIT_WARNED = new AtomicBoolean();

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
  private volatile boolean wakeupRequested;
  private final Object holdLock = new Object();
  private Admin admin;
  private RecordTimestampReader reader;
  private PartitionListener listener;
  private boolean opened;
  private boolean closed;
  private boolean holding;

  /** Partitions assigned by Kafka whose start position is not resolved yet; paused. */
  private final Set<TopicPartition> pending = new HashSet<>();
  /** Partitions reported to the listener as assigned. */
  private final Set<Integer> active = new HashSet<>();
  /** Records fetched beyond the batch being collected, taken first by the next one. */
  private final ArrayDeque<ConsumerRecord<byte[], byte[]>> leftover = new ArrayDeque<>();
  /** The batch being collected, across poll calls; purged of revoked partitions by the rebalance callback. */
  private List<SourceRecord<Reading>> collecting = new ArrayList<>();
  /** Raw records parallel to {@link #collecting}. */
  private List<ConsumerRecord<byte[], byte[]>> collectingRaw = new ArrayList<>();
  /** {@link System#nanoTime()} when the first record joined {@link #collecting}. */
  private long collectingSince;
  /**
   * Whether the source is catching up with the end of the log: from the start (a take-over) and each
   * new assignment, or after falling behind, until a batch is handed over because the end was reached.
   */
  private boolean catchingUp = true;
  /** Raw records of the last batch handed over, parallel to it, for {@link #deadLetter}. */
  private List<ConsumerRecord<byte[], byte[]>> handedRaw = List.of();
  private int handedCursor;

  private final LongAdder decoded = new LongAdder();

  private KafkaBatchSource(Builder b) {
    this.settings = b.settings;
    this.apiTimeout = b.apiTimeout;
    this.closeTimeout = b.closeTimeout;
    this.decoder = createDecoder(settings, b.spec);
    Instant activatedAt = b.activatedAt != null ? b.activatedAt : b.clock.instant();
    this.starts =
        new StartPositions(
            settings, b.spec, b.progress, b.clock, apiTimeout, activatedAt, this::admin, this::reader);
    this.deadLetters = new DeadLetterPublisher(settings, this::admin);
  }

  /**
   * A builder for a source reading with {@code settings} and windows of {@code spec} (whose field names
   * order the decoded values and whose size and out-of-orderness drive the rewind on takeover).
   *
   * @param settings the Kafka settings
   * @param spec the window spec
   * @return a builder
   */
  public static Builder builder(KafkaSourceSettings settings, WindowSpec spec) {
    return new Builder(settings, spec);
  }

  /**
   * A source with the system clock and no {@link PrimaryProgress} (the windows the primary wrote are not
   * queried: after a takeover they are written again, identically).
   *
   * @param settings the Kafka settings
   * @param spec the window spec
   * @return the source, not yet open
   * @throws IllegalArgumentException if the schema does not fit the settings
   */
  public static KafkaBatchSource of(KafkaSourceSettings settings, WindowSpec spec) {
    return builder(settings, spec).build();
  }

  // ---------------------------------------------------------------------------------------- open

  /**
   * Creates the consumer and subscribes; with {@code kafka.auto_offset_reset: latest}, first notes the
   * end offsets of the topic (the "latest" of this activation). Partitions are reported from inside later
   * {@link #poll}s, as soon as the group assigns them.
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
    KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(consumerConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.listener = listener;
    this.consumer = c;
    opened = true;
    starts.snapshotEnds(c);
    if (wakeupRequested) {
      c.wakeup();
    }
    c.subscribe(List.of(settings.topic()), new Rebalance());
    LOG.info(
        "Kafka source subscribed to {} as group {}{} (batch_size {}, batch_timeout {} s, dlq {})",
        settings.topic(),
        settings.groupId(),
        Optional.ofNullable(consumerConfig().get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG))
            .map(id -> ", static member " + id)
            .orElse(""),
        settings.batchSize(),
        settings.batchTimeout().toMillis() / 1000.0,
        settings.dlqTopic());
  }

  private Map<String, Object> consumerConfig() {
    Map<String, Object> config = ClientConfigs.consumer(settings.bootstrapServers(), settings.clientProperties());
    Object autoCommit = config.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);
    if (autoCommit != null
        && Boolean.parseBoolean(String.valueOf(autoCommit).trim())
        && AUTO_COMMIT_WARNED.compareAndSet(false, true)) {
      LOG.warn(
          "enable.auto.commit=true is ignored: the fallback commits offsets only after the sink acknowledged"
              + " the windows they complete");
    }
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    int maxPoll = settings.batchSize();
    Object configured = config.get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
    if (configured != null) {
      try {
        maxPoll = Math.min(maxPoll, Integer.parseInt(String.valueOf(configured).trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "kafka.properties.max.poll.records must be an integer, but was " + configured, e);
      }
    }
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(1, maxPoll));
    Object instanceId = config.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    if (instanceId != null && String.valueOf(instanceId).isBlank()) {
      config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG); // blank = dynamic membership
    }
    Object protocol = config.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
    if (protocol == null || !String.valueOf(protocol).trim().equalsIgnoreCase("consumer")) {
      config.putIfAbsent(
          ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    }
    return config;
  }

  // ---------------------------------------------------------------------------------------- poll

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
   * processing.batch_timeout_seconds} have passed since its first record, or the source was catching up
   * with the end of the log and has reached it; or earlier on {@link #wakeup};
   * otherwise returns an empty list after {@code maxWait}, keeping what it collected for the next call.
   * Undecodable records are dead-lettered here and do not appear.
   *
   * @param maxWait the longest this call blocks
   * @throws IllegalStateException if not open
   * @throws org.apache.kafka.common.KafkaException on a client failure while no record is collected; the
   *     loop retries
   */
  @Override
  public List<SourceRecord<Reading>> poll(Duration maxWait) {
    requireOpen();
    KafkaConsumer<byte[], byte[]> c = consumer;
    int batchSize = settings.batchSize();
    long batchTimeout = settings.batchTimeout().toNanos();
    long waitUntil = System.nanoTime() + Math.max(0, maxWait.toNanos());
    retryPending();
    while (!leftover.isEmpty() && collecting.size() < batchSize) {
      accept(leftover.pollFirst());
    }
    while (true) {
      long now = System.nanoTime();
      boolean full = collecting.size() >= batchSize;
      boolean timedOut = !collecting.isEmpty() && now - collectingSince >= batchTimeout;
      boolean drained = catchingUp && !collecting.isEmpty() && leftover.isEmpty() && caughtUp(c);
      if (full || timedOut || drained || wakeupRequested) {
        wakeupRequested = false;
        if (drained) {
          catchingUp = false; // from now on live input: the seed's batching
        }
        return handOver();
      }
      long until = collecting.isEmpty() ? waitUntil : Math.min(waitUntil, collectingSince + batchTimeout);
      long remaining = until - now;
      if (remaining <= 0) {
        return List.of(); // the caller's bound: what was collected waits for the next call
      }
      ConsumerRecords<byte[], byte[]> records;
      try {
        records = c.poll(Duration.ofMillis(Math.max(1, (remaining + 999_999) / 1_000_000)));
      } catch (WakeupException e) {
        wakeupRequested = true;
        continue;
      } catch (RuntimeException e) {
        // the consumer's position is past the records collected so far: deliver them, fail next time
        if (collecting.isEmpty()) {
          throw e;
        }
        LOG.warn("poll failed after {} records; handing those over first: {}", collecting.size(), e.toString());
        return handOver();
      }
      for (ConsumerRecord<byte[], byte[]> r : records) {
        if (collecting.size() < batchSize) {
          accept(r);
        } else {
          leftover.addLast(r);
        }
      }
      if (!records.isEmpty() && !catchingUp && !caughtUp(c)) {
        catchingUp = true; // fell behind (a burst): hand over once the end is reached, not after the timeout
      }
      retryPending();
    }
  }

  /**
   * Whether the consumer has read up to the end of every partition it reads, as the last fetch responses
   * told it ({@code currentLag}, no request). A partition whose lag is not known yet is not caught up.
   */
  private boolean caughtUp(KafkaConsumer<byte[], byte[]> c) {
    for (TopicPartition tp : c.assignment()) {
      if (!active.contains(tp.partition()) || pending.contains(tp)) {
        continue;
      }
      OptionalLong lag = c.currentLag(tp);
      if (lag.isEmpty() || lag.getAsLong() > 0) {
        return false;
      }
    }
    return true;
  }

  private List<SourceRecord<Reading>> handOver() {
    List<SourceRecord<Reading>> out = collecting;
    handedRaw = collectingRaw;
    handedCursor = 0;
    collecting = new ArrayList<>(Math.min(settings.batchSize(), 8192));
    collectingRaw = new ArrayList<>(Math.min(settings.batchSize(), 8192));
    decoded.add(out.size());
    return out;
  }

  /** Decodes one record into the batch being collected, or dead-letters it. */
  private void accept(ConsumerRecord<byte[], byte[]> r) {
    if (!active.contains(r.partition())) {
      // unreachable in practice (unresolved partitions are paused, revoked ones purged); dropping is safe
      // either way: a pending partition is sought to its start position, a revoked one is re-read by its owner
      LOG.debug("dropping {}-{}@{}: partition not active", r.topic(), r.partition(), r.offset());
      return;
    }
    Reading reading;
    try {
      reading = decoder.decode(r.value(), r.timestamp());
    } catch (DecodeException e) {
      deadLetters.send(r, e.reason(), e.getMessage());
      return;
    } catch (RuntimeException e) {
      // a decoder defect must not lose the record: dead-letter it with the error
      deadLetters.send(r, DeadLetterReason.UNDECODABLE, "decoder error: " + e);
      return;
    }
    if (collecting.isEmpty()) {
      collectingSince = System.nanoTime();
    }
    collecting.add(new SourceRecord<>(r.partition(), r.offset(), reading));
    collectingRaw.add(r);
  }

  // ---------------------------------------------------------------------------------------- assignment

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      List<TopicPartition> ours = new ArrayList<>();
      for (TopicPartition tp : partitions) {
        if (tp.topic().equals(settings.topic())) {
          ours.add(tp);
        }
      }
      if (ours.isEmpty()) {
        return;
      }
      LOG.info("partitions assigned: {}", partitionNumbers(ours));
      pending.addAll(ours);
      // nothing may be fetched from them before their start is chosen
      consumer.pause(ours);
      try {
        resolvePending();
      } catch (RuntimeException e) {
        LOG.warn(
            "partitions {}: cannot choose the start position yet ({}); trying again at the next poll",
            partitionNumbers(pending),
            e.toString());
      }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      drop(partitions, "revoked");
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      drop(partitions, "lost");
    }

    private void drop(Collection<TopicPartition> partitions, String how) {
      if (partitions.isEmpty()) {
        return;
      }
      Set<Integer> dropped = new HashSet<>();
      for (TopicPartition tp : partitions) {
        dropped.add(tp.partition());
      }
      // records of these partitions collected but not handed over sit after the committed offset: whoever
      // reads the partition next (maybe this source, after a new assignment) reads them again
      leftover.removeIf(r -> dropped.contains(r.partition()));
      purgeCollecting(dropped);
      for (TopicPartition tp : partitions) {
        pending.remove(tp);
        // consumer.close() revokes too: the loop has finished by then and is not told
        if (active.remove(tp.partition()) && !closed) {
          listener.revoked(tp.partition());
        }
      }
      LOG.info("partitions {}: {}", closed ? "released on close" : how, partitionNumbers(partitions));
    }
  }

  private void purgeCollecting(Set<Integer> partitions) {
    if (collecting.isEmpty()) {
      return;
    }
    List<SourceRecord<Reading>> keptBatch = new ArrayList<>(collecting.size());
    List<ConsumerRecord<byte[], byte[]>> keptRaw = new ArrayList<>(collecting.size());
    for (int i = 0; i < collecting.size(); i++) {
      if (!partitions.contains(collecting.get(i).partition())) {
        keptBatch.add(collecting.get(i));
        keptRaw.add(collectingRaw.get(i));
      }
    }
    collecting = keptBatch;
    collectingRaw = keptRaw;
  }

  /** Retries the partitions whose start could not be chosen at assignment; a failure is thrown only when nothing is collected. */
  private void retryPending() {
    if (pending.isEmpty()) {
      return;
    }
    try {
      resolvePending();
    } catch (RuntimeException e) {
      if (collecting.isEmpty() && leftover.isEmpty()) {
        throw e;
      }
      LOG.warn("cannot resolve assigned partitions yet ({}); handing over what was read first", e.toString());
    }
  }

  /** Chooses the start of every pending partition, seeks, reports it, resumes it; on failure they stay pending (paused). */
  private void resolvePending() {
    if (pending.isEmpty()) {
      return;
    }
    KafkaConsumer<byte[], byte[]> c = consumer;
    Map<TopicPartition, OffsetAndMetadata> own = starts.committed(c, pending);
    Map<TopicPartition, OffsetAndMetadata> primary = starts.primaryOffsets();
    for (TopicPartition tp : new TreeMap<>(byPartition(pending)).values()) {
      StartPositions.StartPosition start = starts.choose(c, tp, own.get(tp), primary.get(tp));
      if (!start.alreadyWritten().isEmpty()) {
        listener.alreadyWritten(start.alreadyWritten());
      }
      listener.assigned(tp.partition(), start.restored());
      pending.remove(tp);
      active.add(tp.partition());
      catchingUp = true;
      if (!holding) {
        c.resume(List.of(tp));
      }
    }
  }

  // ---------------------------------------------------------------------------------------- commit

  /**
   * Flushes the dead letters, then commits synchronously the checkpoints of the partitions still owned,
   * with {@link CommitMetadata}. Checkpoints of other partitions are ignored.
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
      if (active.contains(e.getKey())) {
        offsets.put(
            new TopicPartition(settings.topic(), e.getKey()), CommitMetadata.toOffsetAndMetadata(e.getValue()));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    KafkaConsumer<byte[], byte[]> c = consumer;
    StartPositions.retryingWakeup(
        () -> {
          c.commitSync(offsets, apiTimeout);
          return null;
        });
    if (LOG.isDebugEnabled()) {
      LOG.debug("committed {}", offsets);
    }
  }

  // ---------------------------------------------------------------------------------------- dead letters

  /**
   * Sends the original bytes of a record of the last batch to the dead-letter topic. Durable before the
   * next {@link #commit} returns.
   *
   * @throws IllegalArgumentException if the record was not returned by the last {@link #poll} and cannot
   *     be read again
   */
  @Override
  public void deadLetter(SourceRecord<Reading> record, String reason) {
    requireOpen();
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(reason, "reason");
    ConsumerRecord<byte[], byte[]> raw = findRaw(record.partition(), record.offset());
    if (raw == null) {
      raw = refetch(record.partition(), record.offset());
    }
    deadLetters.send(raw, reason, reason + ": dead-lettered by the fallback loop");
  }

  /** Finds a record of the last batch; the loop dead-letters in batch order, so scanning from a cursor is linear overall. */
  private ConsumerRecord<byte[], byte[]> findRaw(int partition, long offset) {
    int n = handedRaw.size();
    for (int k = 0; k < n; k++) {
      int i = (handedCursor + k) % n;
      ConsumerRecord<byte[], byte[]> r = handedRaw.get(i);
      if (r.partition() == partition && r.offset() == offset) {
        handedCursor = i + 1 == n ? 0 : i + 1;
        return r;
      }
    }
    return null;
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

  // ---------------------------------------------------------------------------------------- hold, wakeup

  /**
   * Pauses every assigned partition and polls for about {@code duration}, so the group keeps this member,
   * then resumes. Returns early on {@link #wakeup}. Before {@link #open} (or after a failed one) it simply
   * waits.
   */
  @Override
  public void hold(Duration duration) {
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (!opened || closed || c == null) {
      waitFor(duration);
      return;
    }
    Set<TopicPartition> paused = c.assignment();
    c.pause(paused);
    holding = true;
    try {
      ConsumerRecords<byte[], byte[]> records = c.poll(duration);
      if (!records.isEmpty()) {
        // only a partition assigned during this poll and resolved since could deliver: read it again later
        for (TopicPartition tp : records.partitions()) {
          long first = records.records(tp).get(0).offset();
          LOG.warn("partition {}: {} record(s) arrived while held; reading them again from offset {}",
              tp.partition(), records.records(tp).size(), first);
          c.seek(tp, first);
        }
      }
    } catch (WakeupException e) {
      // a stop was requested: return now
    } finally {
      holding = false;
      wakeupRequested = false;
      Set<TopicPartition> resume = new HashSet<>(c.assignment());
      resume.removeAll(pending);
      c.resume(resume);
    }
  }

  private void waitFor(Duration duration) {
    long deadline = System.nanoTime() + duration.toNanos();
    synchronized (holdLock) {
      while (!wakeupRequested) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          break;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(holdLock, remaining);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      wakeupRequested = false;
    }
  }

  /** Makes a blocked {@link #poll} or {@link #hold} return soon. Thread-safe. */
  @Override
  public void wakeup() {
    wakeupRequested = true;
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    synchronized (holdLock) {
      holdLock.notifyAll();
    }
  }

  // ---------------------------------------------------------------------------------------- close

  /**
   * Flushes and closes the dead-letter producer, performs the hand-back if configured, and closes the
   * clients, each bounded by a timeout; the consumer leaves the group (also as a static member), so its
   * partitions move on at once. Idempotent; never throws for a client that fails to close.
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
          handBack();
        } catch (RuntimeException e) {
          LOG.warn("hand-back: could not advance the offsets of primary group {}", settings.primaryGroupId(), e);
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
                        .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)));
      }
      if (reader != null) {
        closeQuietly("timestamp reader", reader::close);
      }
      if (admin != null) {
        closeQuietly("admin client", () -> admin.close(closeTimeout));
      }
      LOG.info(
          "Kafka source closed: {} records decoded, dead letters {}", recordsDecoded(), deadLettered());
    }
  }

  private void handBack() {
    String primary = settings.primaryGroupId();
    int members;
    try {
      ConsumerGroupDescription group =
          get(admin().describeConsumerGroups(List.of(primary)).describedGroups().get(primary));
      members = group.members().size();
    } catch (GroupIdNotFoundException e) {
      members = 0;
    }
    if (members > 0) {
      LOG.warn(
          "hand-back: primary group {} has {} active member(s); not moving its committed offsets", primary, members);
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> ours =
        get(admin().listConsumerGroupOffsets(settings.groupId()).partitionsToOffsetAndMetadata());
    Map<TopicPartition, OffsetAndMetadata> found;
    try {
      found = get(admin().listConsumerGroupOffsets(primary).partitionsToOffsetAndMetadata());
    } catch (GroupIdNotFoundException e) {
      found = Map.of();
    }
    Map<TopicPartition, OffsetAndMetadata> theirs = found;
    Map<TopicPartition, OffsetAndMetadata> advance = new LinkedHashMap<>();
    Map<Integer, OffsetAndMetadata> mineByPartition = new TreeMap<>();
    ours.forEach(
        (tp, oam) -> {
          if (oam != null && tp.topic().equals(settings.topic())) {
            mineByPartition.put(tp.partition(), oam);
          }
        });
    for (Map.Entry<Integer, OffsetAndMetadata> e : mineByPartition.entrySet()) {
      TopicPartition tp = new TopicPartition(settings.topic(), e.getKey());
      OffsetAndMetadata current = theirs.get(tp);
      if (current == null || e.getValue().offset() > current.offset()) {
        advance.put(tp, new OffsetAndMetadata(e.getValue().offset()));
      }
    }
    if (advance.isEmpty()) {
      LOG.info("hand-back: primary group {} is at or ahead of the fallback's offsets; nothing to move", primary);
      return;
    }
    get(admin().alterConsumerGroupOffsets(primary, advance).all());
    StringBuilder moved = new StringBuilder();
    advance.forEach(
        (tp, oam) -> {
          OffsetAndMetadata before = theirs.get(tp);
          moved.append(moved.length() == 0 ? "" : ", ")
              .append("partition ").append(tp.partition()).append(": ")
              .append(before == null ? "none" : Long.toString(before.offset()))
              .append(" -> ").append(oam.offset());
        });
    LOG.info("hand-back: advanced the committed offsets of primary group {} ({})", primary, moved);
  }

  // ---------------------------------------------------------------------------------------- counters

  /**
   * Records decoded and returned by {@link #poll} since creation. Thread-safe.
   *
   * @return the count
   */
  public long recordsDecoded() {
    return decoded.sum();
  }

  /**
   * Dead letters sent (or being sent) since creation, per reason. Thread-safe.
   *
   * @return a snapshot, reason to count, sorted by reason
   */
  public Map<String, Long> deadLettered() {
    return deadLetters.counts();
  }

  /**
   * Dead-letter sends that failed (each is re-sent before the next commit). Thread-safe.
   *
   * @return the count
   */
  public long deadLetterSendFailures() {
    return deadLetters.sendFailures();
  }

  /**
   * The settings.
   *
   * @return the settings of this source
   */
  public KafkaSourceSettings settings() {
    return settings;
  }

  // ---------------------------------------------------------------------------------------- helpers

  private static ReadingDecoder createDecoder(KafkaSourceSettings settings, WindowSpec spec) {
    TimestampParser timestamps = TimestampParser.of(settings.timestampFormat());
    String tsField = settings.usesKafkaTimestamp() ? null : settings.timestampField();
    if (settings.format() == RecordFormat.JSON) {
      return new JsonReadingDecoder(settings.keyField(), tsField, timestamps, spec.fieldNames());
    }
    Schema schema =
        settings.schemaFileIfSet().map(AvroReadingDecoder::loadSchema).orElseGet(AvroReadingDecoder::nurseSchema);
    return AvroReadingDecoder.compile(schema, settings.keyField(), tsField, timestamps, spec.fieldNames());
  }

  private Admin admin() {
    if (admin == null) {
      admin = Admin.create(ClientConfigs.admin(settings.bootstrapServers(), settings.clientProperties()));
    }
    return admin;
  }

  private RecordTimestampReader reader() {
    if (reader == null) {
      reader = new RecordTimestampReader(settings.bootstrapServers(), settings.clientProperties());
    }
    return reader;
  }

  private <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
    return StartPositions.await(future, apiTimeout);
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the source is closed");
    }
    if (!opened) {
      throw new IllegalStateException("the source is not open");
    }
  }

  private static Map<Integer, TopicPartition> byPartition(Collection<TopicPartition> tps) {
    Map<Integer, TopicPartition> out = new TreeMap<>();
    for (TopicPartition tp : tps) {
      out.put(tp.partition(), tp);
    }
    return out;
  }

  private static List<Integer> partitionNumbers(Collection<TopicPartition> tps) {
    return new ArrayList<>(byPartition(tps).keySet());
  }

  private static void closeQuietly(String what, Runnable close) {
    try {
      close.run();
    } catch (RuntimeException e) {
      LOG.warn("error while closing the {}", what, e);
    }
  }

  /** Builds a {@link KafkaBatchSource}. Not thread-safe. */
  public static final class Builder {
    private final KafkaSourceSettings settings;
    private final WindowSpec spec;
    private PrimaryProgress progress;
    private InstantSource clock = InstantSource.system();
    private Duration apiTimeout = Duration.ofSeconds(30);
    private Duration closeTimeout = Duration.ofSeconds(10);
    private Instant activatedAt;

    private Builder(KafkaSourceSettings settings, WindowSpec spec) {
      this.settings = Objects.requireNonNull(settings, "settings");
      this.spec = Objects.requireNonNull(spec, "spec");
    }

    /**
     * What the primary already wrote, queried on a takeover; null (the default) skips the query.
     *
     * @param progress the primary's progress, or null
     * @return this builder
     */
    public Builder primaryProgress(PrimaryProgress progress) {
      this.progress = progress;
      return this;
    }

    /**
     * The time source (the default activation time, and the rewind's "now" for an empty partition).
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The moment the fallback became responsible (the trigger): with {@code kafka.auto_offset_reset:
     * latest}, partitions no group has committed start at their end as of this moment, so nothing
     * produced after the trigger is skipped. Default: the clock's time when {@link #build()} is called
     * (the launcher builds a source per activation, at the activation).
     *
     * @param at the activation time
     * @return this builder
     */
    public Builder activatedAt(Instant at) {
      this.activatedAt = Objects.requireNonNull(at, "at");
      return this;
    }

    /**
     * The bound of each blocking Kafka request (committed offsets, commits, admin calls); default 30 s.
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder apiTimeout(Duration timeout) {
      this.apiTimeout = positive(timeout, "apiTimeout");
      return this;
    }

    /**
     * The bound of closing each client; default 10 s.
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder closeTimeout(Duration timeout) {
      this.closeTimeout = positive(timeout, "closeTimeout");
      return this;
    }

    /**
     * Builds the source (compiles the decoder; creates no client yet).
     *
     * @return the source
     * @throws IllegalArgumentException if the schema does not fit the settings and spec
     */
    public KafkaBatchSource build() {
      return new KafkaBatchSource(this);
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be > 0, but was " + d);
      }
      return d;
    }
  }
}
