package io.fallback.kafka;

import io.fallback.core.BatchSource;
import io.fallback.core.Checkpoint;
import io.fallback.core.PartitionListener;
import io.fallback.core.PrimaryProgress;
import io.fallback.core.PrimaryProgress.WindowId;
import io.fallback.core.SourceRecord;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowSpec;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
 *   <li>{@code max.poll.records} is at most {@code processing.batch_size}; {@link #poll} collects up to
 *       {@code batch_size} records, returning as soon as the batch is full, or what it has after
 *       {@code processing.batch_timeout_seconds}. Records fetched beyond the batch are kept for the next
 *       poll (never skipped, dropped if their partition is revoked: they sit after the committed offset).</li>
 *   <li>{@code auto.offset.reset} of the client is {@code earliest}: it applies only when a committed
 *       offset has fallen out of retention. {@code kafka.auto_offset_reset} is applied explicitly, and only
 *       where neither group has committed (DESIGN section 10).</li>
 *   <li>{@code partition.assignment.strategy} defaults to the cooperative sticky assignor, so that a
 *       rebalance revokes only the partitions that move.</li>
 * </ul>
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
 * letter if missing), as does every record the loop passes to
 * {@link #deadLetter} ({@code late}). The dead letter has the original key, value and headers unchanged,
 * plus headers {@code fallback.reason}, {@code fallback.error} (message), {@code fallback.source.topic},
 * {@code fallback.source.partition} and {@code fallback.source.offset} (decimal strings). Sends are
 * asynchronous, but {@link #commit} first flushes them and fails if any failed (re-sending it on the next
 * commit), so no offset is committed before its dead letters are durable. Counted:
 * {@link #deadLettered()}, {@link #recordsDecoded()}, {@link #deadLetterSendFailures()}.
 *
 * <h2>Commits</h2>
 * {@link #commit} is a {@code commitSync} of, per owned partition, {@link Checkpoint#offset()} with the
 * metadata of {@link CommitMetadata} ({@code fb1;e=<emittedThrough>;r=<readThrough>}), which restores the
 * {@code Checkpoint} on the next assignment so a restart neither loses nor re-emits a window.
 *
 * <h2>Start position of a partition, on assignment</h2>
 * Reported to the listener from inside {@link #poll}: the partition is paused in the rebalance callback
 * and resolved (seek, then {@link PartitionListener#assigned}) by the poll, which retries on failure.
 * <ol>
 *   <li><b>Own offsets ahead</b>: if the fallback group committed, at or beyond the primary group's offset
 *       (or the primary group has none): seek there, restore the committed checkpoint. Logged as
 *       {@code partition N: resuming from own committed offset X}.</li>
 *   <li><b>Primary ahead</b>: the primary (Flink) keeps the records of still-open windows in its checkpoint
 *       state, not behind its committed offset P, so starting at P would produce partial windows. Rewind:
 *       read the timestamp tP of the record at P (of the last record if P is at the end; now if the
 *       partition is empty), target T = tP − window − max out-of-orderness − {@code
 *       handoff.rewind_margin_seconds} (10 s), R = {@code offsetsForTimes(T)} (never beyond P; P when no
 *       record is that recent). Seek to R and restore {@code Checkpoint(R, windowStart(T) + window, P)}:
 *       the window holding T may be partial at R, so it counts as already emitted (the primary wrote it:
 *       it ended well before tP − out-of-orderness), and records below P of such windows count as handled.
 *       Then the windows the primary wrote with point times in [windowStart(T), tP + window) are read from
 *       {@link PrimaryProgress} (when one is given) and passed to {@link PartitionListener#alreadyWritten},
 *       so the loop drops them instead of duplicating them; if that query fails, a WARN says so and they
 *       are written again (an identical rewrite is harmless). Logged as {@code partition N: primary group
 *       flink-consumer committed P (record time ...), rewinding to R for windows from ...}. This assumes
 *       the producer's CreateTime (the Kafka timestamp) is close to the event time.</li>
 *   <li><b>Neither</b>: {@code kafka.auto_offset_reset} ({@code earliest} or {@code latest}), nothing
 *       restored.</li>
 * </ol>
 * The primary group's offsets are read with an admin client; if that fails three polls in a row, the
 * source goes on without them (WARN) rather than never starting.
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
 * closes the consumer and admin client, each with a timeout.
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
  private static final int PRIMARY_LOOKUP_ATTEMPTS = 3;

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
  private final WindowSpec spec;
  private final PrimaryProgress progress;
  private final InstantSource clock;
  private final Duration apiTimeout;
  private final Duration closeTimeout;
  private final ReadingDecoder decoder;

  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private volatile boolean wakeupRequested;
  private final Object holdLock = new Object();
  private KafkaProducer<byte[], byte[]> producer;
  private Admin admin;
  private RecordTimestampReader reader;
  private PartitionListener listener;
  private boolean opened;
  private boolean closed;
  private int primaryLookupFailures;

  /** Partitions assigned by Kafka whose start position is not resolved yet; paused. */
  private final Set<TopicPartition> pending = new HashSet<>();
  /** Partitions reported to the listener as assigned. */
  private final Set<Integer> active = new HashSet<>();
  /** Records fetched beyond the last batch, returned first by the next poll. */
  private final ArrayDeque<ConsumerRecord<byte[], byte[]>> leftover = new ArrayDeque<>();
  /** The batch being collected by {@link #poll}; purged of revoked partitions by the rebalance callback. */
  private List<SourceRecord<Reading>> batch = List.of();
  /** Raw records of the last batch, parallel to the returned list, for {@link #deadLetter}. */
  private final List<ConsumerRecord<byte[], byte[]>> batchRaw = new ArrayList<>();
  private int batchCursor;

  private final ConcurrentLinkedQueue<ProducerRecord<byte[], byte[]>> failedSends = new ConcurrentLinkedQueue<>();
  private volatile Exception lastSendFailure;
  private final LongAdder decoded = new LongAdder();
  private final LongAdder sendFailures = new LongAdder();
  private final Map<String, LongAdder> deadLettered = new ConcurrentHashMap<>();

  private KafkaBatchSource(Builder b) {
    this.settings = b.settings;
    this.spec = b.spec;
    this.progress = b.progress;
    this.clock = b.clock;
    this.apiTimeout = b.apiTimeout;
    this.closeTimeout = b.closeTimeout;
    this.decoder = createDecoder(settings, spec);
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
   * Creates the consumer and subscribes. Partitions are reported from inside later {@link #poll}s.
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
    if (wakeupRequested) {
      c.wakeup();
    }
    c.subscribe(List.of(settings.topic()), new Rebalance());
    LOG.info(
        "Kafka source subscribed to {} as group {} (batch_size {}, batch_timeout {} s, dlq {})",
        settings.topic(),
        settings.groupId(),
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
    config.putIfAbsent(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    return config;
  }

  // ---------------------------------------------------------------------------------------- poll

  /**
   * Collects up to {@code processing.batch_size} decoded records, waiting at most {@code
   * processing.batch_timeout_seconds}; returns early when the batch is full or on {@link #wakeup}.
   * Undecodable records are dead-lettered here and do not appear.
   *
   * @throws IllegalStateException if not open
   * @throws org.apache.kafka.common.KafkaException on a client failure; the loop retries
   */
  @Override
  public List<SourceRecord<Reading>> poll() {
    requireOpen();
    KafkaConsumer<byte[], byte[]> c = consumer;
    int batchSize = settings.batchSize();
    batch = new ArrayList<>(Math.min(batchSize, 8192));
    batchRaw.clear();
    batchCursor = 0;
    // nothing has been read in this call yet: a failure here loses nothing, the loop retries
    resolvePending();
    int decodedBefore = 0;
    while (!leftover.isEmpty() && batch.size() < batchSize) {
      decodedBefore += accept(leftover.pollFirst());
    }
    int count = decodedBefore;
    long deadline = System.nanoTime() + settings.batchTimeout().toNanos();
    while (batch.size() < batchSize && !wakeupRequested) {
      long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
      if (remainingMs <= 0) {
        break;
      }
      ConsumerRecords<byte[], byte[]> records;
      try {
        records = c.poll(Duration.ofMillis(remainingMs));
      } catch (WakeupException e) {
        break;
      } catch (RuntimeException e) {
        // the consumer's position is past the records collected so far: deliver them, fail next time
        if (batch.isEmpty()) {
          throw e;
        }
        LOG.warn("poll failed after {} records; returning those first: {}", batch.size(), e.toString());
        break;
      }
      for (ConsumerRecord<byte[], byte[]> r : records) {
        if (batch.size() < batchSize) {
          count += accept(r);
        } else {
          leftover.addLast(r);
        }
      }
      try {
        resolvePending();
      } catch (RuntimeException e) {
        if (batch.isEmpty()) {
          throw e;
        }
        LOG.warn("cannot resolve assigned partitions yet ({}); returning {} records first", e.toString(), batch.size());
        break;
      }
    }
    wakeupRequested = false;
    decoded.add(count);
    List<SourceRecord<Reading>> out = batch;
    batch = List.of();
    return out;
  }

  /** Decodes one record into the batch, or dead-letters it; returns 1 if it joined the batch. */
  private int accept(ConsumerRecord<byte[], byte[]> r) {
    if (!active.contains(r.partition())) {
      // unreachable in practice (unresolved partitions are paused, revoked ones purged); dropping is safe
      // either way: a pending partition is sought to its start position, a revoked one is re-read by its owner
      LOG.debug("dropping {}-{}@{}: partition not active", r.topic(), r.partition(), r.offset());
      return 0;
    }
    Reading reading;
    try {
      reading = decoder.decode(r.value(), r.timestamp());
    } catch (DecodeException e) {
      sendDeadLetter(r, e.reason(), e.getMessage());
      return 0;
    } catch (RuntimeException e) {
      // a decoder defect must not lose the record: dead-letter it with the error
      sendDeadLetter(r, DeadLetterReason.UNDECODABLE, "decoder error: " + e);
      return 0;
    }
    batch.add(new SourceRecord<>(r.partition(), r.offset(), reading));
    batchRaw.add(r);
    return 1;
  }

  // ---------------------------------------------------------------------------------------- start positions

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
      pending.addAll(ours);
      // resolved by the poll after the callback; until then nothing must be fetched from them
      consumer.pause(ours);
      LOG.info("partitions assigned: {}", partitionNumbers(ours));
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
      // records of these partitions collected earlier in this poll sit after the committed offset: whoever
      // reads the partition next (maybe this source, after a new assignment) reads them again
      leftover.removeIf(r -> dropped.contains(r.partition()));
      purgeBatch(dropped);
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

  private void purgeBatch(Set<Integer> partitions) {
    if (batch.isEmpty()) {
      return;
    }
    List<SourceRecord<Reading>> keptBatch = new ArrayList<>(batch.size());
    List<ConsumerRecord<byte[], byte[]>> keptRaw = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      if (!partitions.contains(batch.get(i).partition())) {
        keptBatch.add(batch.get(i));
        keptRaw.add(batchRaw.get(i));
      }
    }
    batch.clear();
    batch.addAll(keptBatch);
    batchRaw.clear();
    batchRaw.addAll(keptRaw);
  }

  /** Chooses the start of every pending partition; on failure they stay pending (paused). */
  private void resolvePending() {
    if (pending.isEmpty()) {
      return;
    }
    KafkaConsumer<byte[], byte[]> c = consumer;
    Set<TopicPartition> tps = new HashSet<>(pending);
    Map<TopicPartition, OffsetAndMetadata> own = retryingWakeup(() -> c.committed(tps, apiTimeout));
    Map<TopicPartition, OffsetAndMetadata> primary = primaryOffsets();
    for (TopicPartition tp : new TreeMap<>(byPartition(tps)).values()) {
      StartPosition start = choose(tp, own.get(tp), primary.get(tp));
      if (!start.alreadyWritten.isEmpty()) {
        listener.alreadyWritten(start.alreadyWritten);
      }
      listener.assigned(tp.partition(), start.restored);
      pending.remove(tp);
      active.add(tp.partition());
      c.resume(List.of(tp));
    }
  }

  private Map<TopicPartition, OffsetAndMetadata> primaryOffsets() {
    try {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          get(admin().listConsumerGroupOffsets(settings.primaryGroupId()).partitionsToOffsetAndMetadata());
      primaryLookupFailures = 0;
      Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
      offsets.forEach(
          (tp, oam) -> {
            if (oam != null && tp.topic().equals(settings.topic())) {
              out.put(tp, oam);
            }
          });
      return out;
    } catch (GroupIdNotFoundException e) {
      return Map.of();
    } catch (RuntimeException e) {
      primaryLookupFailures++;
      if (primaryLookupFailures < PRIMARY_LOOKUP_ATTEMPTS) {
        throw new KafkaSourceException(
            "cannot read the committed offsets of primary group " + settings.primaryGroupId()
                + " (attempt " + primaryLookupFailures + " of " + PRIMARY_LOOKUP_ATTEMPTS + ")",
            e);
      }
      LOG.warn(
          "cannot read the committed offsets of primary group {} after {} attempts; starting from the"
              + " fallback group's own offsets or kafka.auto_offset_reset",
          settings.primaryGroupId(),
          primaryLookupFailures,
          e);
      primaryLookupFailures = 0;
      return Map.of();
    }
  }

  /** Where a partition starts, and what the loop must know about it. */
  private record StartPosition(Optional<Checkpoint> restored, Set<WindowId> alreadyWritten) {}

  private StartPosition choose(TopicPartition tp, OffsetAndMetadata own, OffsetAndMetadata primary) {
    KafkaConsumer<byte[], byte[]> c = consumer;
    int p = tp.partition();
    if (own != null && (primary == null || own.offset() >= primary.offset())) {
      c.seek(tp, own.offset());
      Optional<Checkpoint> restored = CommitMetadata.parse(own);
      LOG.info(
          "partition {}: resuming from own committed offset {}{} ({})",
          p,
          own.offset(),
          primary == null
              ? ", primary group " + settings.primaryGroupId() + " has none"
              : ", primary group " + settings.primaryGroupId() + " at " + primary.offset(),
          restored.map(KafkaBatchSource::describe).orElse("no metadata"));
      return new StartPosition(restored, Set.of());
    }
    if (primary != null) {
      return rewind(tp, primary.offset());
    }
    if (settings.autoOffsetReset() == KafkaSourceSettings.OffsetReset.EARLIEST) {
      c.seekToBeginning(List.of(tp));
    } else {
      c.seekToEnd(List.of(tp));
    }
    long position = retryingWakeup(() -> c.position(tp, apiTimeout));
    LOG.info(
        "partition {}: no committed offset in group {} nor in primary group {}, starting at {} offset {}"
            + " (kafka.auto_offset_reset)",
        p,
        settings.groupId(),
        settings.primaryGroupId(),
        settings.autoOffsetReset().clientValue(),
        position);
    return new StartPosition(Optional.empty(), Set.of());
  }

  private StartPosition rewind(TopicPartition tp, long primaryOffset) {
    KafkaConsumer<byte[], byte[]> c = consumer;
    int p = tp.partition();
    long begin = retryingWakeup(() -> c.beginningOffsets(List.of(tp), apiTimeout)).get(tp);
    long end = retryingWakeup(() -> c.endOffsets(List.of(tp), apiTimeout)).get(tp);
    long from = Math.max(primaryOffset, begin);
    long tP;
    String timeOf;
    OptionalLong ts;
    if (from < end) {
      ts = reader().timestampAt(tp, from, apiTimeout);
      timeOf = "record time";
    } else if (end > begin) {
      ts = reader().timestampAt(tp, end - 1, apiTimeout);
      timeOf = "at the end; last record time";
    } else {
      ts = OptionalLong.empty();
      timeOf = "empty partition; now";
    }
    if (ts.isPresent()) {
      tP = ts.getAsLong();
    } else {
      if (from < end || end > begin) {
        throw new KafkaSourceException(
            "partition " + p + ": cannot read the record at offset " + from + " within " + apiTimeout, null);
      }
      tP = clock.millis();
    }
    long size = spec.size().toMillis();
    long target = tP - size - spec.maxOutOfOrderness().toMillis() - settings.rewindMargin().toMillis();
    Map<TopicPartition, OffsetAndTimestamp> found =
        retryingWakeup(() -> c.offsetsForTimes(Map.of(tp, target), apiTimeout));
    OffsetAndTimestamp at = found.get(tp);
    long rewindTo = at == null ? from : Math.min(at.offset(), from);
    long windowStart = spec.windowStart(target);
    Checkpoint restored = new Checkpoint(rewindTo, windowStart + size, from);
    c.seek(tp, rewindTo);
    LOG.info(
        "partition {}: primary group {} committed {} ({} {}), rewinding to {} for windows from {}",
        p,
        settings.primaryGroupId(),
        primaryOffset,
        timeOf,
        Instant.ofEpochMilli(tP),
        rewindTo,
        Instant.ofEpochMilli(windowStart + size));
    Set<WindowId> written = Set.of();
    if (progress != null) {
      try {
        written = Set.copyOf(progress.writtenWindows(windowStart, tP + size));
        LOG.info(
            "partition {}: the primary already wrote {} window(s) with point times in [{}, {}); they are"
                + " not written again",
            p,
            written.size(),
            Instant.ofEpochMilli(windowStart),
            Instant.ofEpochMilli(tP + size));
      } catch (RuntimeException e) {
        LOG.warn(
            "partition {}: cannot read which windows the primary wrote from {}; writing them again"
                + " (identical rewrites are harmless)",
            p,
            Instant.ofEpochMilli(windowStart),
            e);
      }
    }
    return new StartPosition(Optional.of(restored), written);
  }

  private static String describe(Checkpoint c) {
    return "emitted through "
        + (c.emittedThrough() == Checkpoint.NONE ? "-" : Instant.ofEpochMilli(c.emittedThrough()).toString())
        + ", read through " + c.readThrough();
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
    flushDeadLetters();
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
    retryingWakeup(
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
    sendDeadLetter(raw, reason, reason + ": dead-lettered by the fallback loop");
  }

  /** Finds a record of the last batch; the loop dead-letters in batch order, so scanning from a cursor is linear overall. */
  private ConsumerRecord<byte[], byte[]> findRaw(int partition, long offset) {
    int n = batchRaw.size();
    for (int k = 0; k < n; k++) {
      int i = (batchCursor + k) % n;
      ConsumerRecord<byte[], byte[]> r = batchRaw.get(i);
      if (r.partition() == partition && r.offset() == offset) {
        batchCursor = i + 1 == n ? 0 : i + 1;
        return r;
      }
    }
    return null;
  }

  private ConsumerRecord<byte[], byte[]> refetch(int partition, long offset) {
    TopicPartition tp = new TopicPartition(settings.topic(), partition);
    RecordTimestampReader r = reader();
    ConsumerRecord<byte[], byte[]> raw = r.recordAt(tp, offset, apiTimeout);
    if (raw == null || raw.offset() != offset) {
      throw new IllegalArgumentException(
          "record " + tp + "@" + offset + " is not in the last batch and cannot be read again");
    }
    return raw;
  }

  private void sendDeadLetter(ConsumerRecord<byte[], byte[]> raw, String reason, String message) {
    RecordHeaders headers = new RecordHeaders();
    for (Header h : raw.headers()) {
      headers.add(h);
    }
    headers.add(HEADER_REASON, utf8(reason));
    headers.add(HEADER_ERROR, utf8(message == null ? reason : message));
    headers.add(HEADER_TOPIC, utf8(raw.topic()));
    headers.add(HEADER_PARTITION, utf8(Integer.toString(raw.partition())));
    headers.add(HEADER_OFFSET, utf8(Long.toString(raw.offset())));
    ProducerRecord<byte[], byte[]> letter =
        new ProducerRecord<>(settings.dlqTopic(), null, raw.timestamp(), raw.key(), raw.value(), headers);
    deadLettered.computeIfAbsent(reason, k -> new LongAdder()).increment();
    if (LOG.isDebugEnabled()) {
      LOG.debug("dead letter {}-{}@{}: {}: {}", raw.topic(), raw.partition(), raw.offset(), reason, message);
    }
    send(letter);
  }

  private void send(ProducerRecord<byte[], byte[]> letter) {
    try {
      trySend(letter);
    } catch (RuntimeException e) {
      // not sent: keep it so that the next commit re-sends it or fails; never lose the record
      sendFailures.increment();
      lastSendFailure = e;
      failedSends.add(letter);
    }
  }

  private void trySend(ProducerRecord<byte[], byte[]> letter) {
    producer()
        .send(
            letter,
            (metadata, exception) -> {
              // producer I/O thread: record the failure for the next commit, never throw here
              if (exception != null) {
                sendFailures.increment();
                lastSendFailure = exception;
                failedSends.add(letter);
              }
            });
  }

  private void flushDeadLetters() {
    if (producer == null && failedSends.isEmpty()) {
      return;
    }
    if (producer != null) {
      producer.flush();
    }
    for (int attempt = 1; attempt <= 2 && !failedSends.isEmpty(); attempt++) {
      List<ProducerRecord<byte[], byte[]>> retry = new ArrayList<>();
      for (ProducerRecord<byte[], byte[]> r; (r = failedSends.poll()) != null; ) {
        retry.add(r);
      }
      LOG.warn("re-sending {} dead letter(s) that failed: {}", retry.size(), String.valueOf(lastSendFailure));
      retry.forEach(this::send);
      if (producer != null) {
        producer.flush();
      }
    }
    if (!failedSends.isEmpty()) {
      throw new KafkaSourceException(
          failedSends.size() + " dead letter(s) to " + settings.dlqTopic()
              + " could not be sent; not committing",
          lastSendFailure);
    }
  }

  private KafkaProducer<byte[], byte[]> producer() {
    if (producer == null) {
      ensureDeadLetterTopic();
      Map<String, Object> config = ClientConfigs.producer(settings.bootstrapServers(), settings.clientProperties());
      config.put(ProducerConfig.ACKS_CONFIG, "all");
      config.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      config.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
      config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "fallback-dlq-" + settings.groupId());
      producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }
    return producer;
  }

  /** Creates the dead-letter topic with the broker's defaults if it does not exist (brokers may forbid auto-creation). */
  private void ensureDeadLetterTopic() {
    try {
      get(admin().createTopics(List.of(new NewTopic(settings.dlqTopic(), Optional.empty(), Optional.empty()))).all());
      LOG.info("created dead-letter topic {}", settings.dlqTopic());
    } catch (TopicExistsException e) {
      // the usual case
    } catch (RuntimeException e) {
      LOG.warn(
          "cannot create dead-letter topic {} ({}); sending anyway, the broker may create it",
          settings.dlqTopic(),
          e.toString());
    }
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
   * clients, each bounded by a timeout. Idempotent; never throws for a client that fails to close.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (producer != null) {
        closeQuietly("dead-letter producer", () -> producer.close(closeTimeout));
      }
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
        closeQuietly("consumer", () -> c.close(CloseOptions.timeout(closeTimeout)));
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
    Map<String, Long> out = new TreeMap<>();
    deadLettered.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /**
   * Dead-letter sends that failed (each is re-sent before the next commit). Thread-safe.
   *
   * @return the count
   */
  public long deadLetterSendFailures() {
    return sendFailures.sum();
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
    try {
      return future.get(apiTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaSourceException("interrupted while waiting for Kafka", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new KafkaSourceException("Kafka request failed", e.getCause());
    } catch (TimeoutException e) {
      throw new KafkaSourceException("Kafka request timed out after " + apiTimeout, e);
    }
  }

  /**
   * Runs a blocking consumer call; a {@link #wakeup} meant for a poll that already returned makes the next
   * blocking call throw once, so it is retried once.
   */
  private static <T> T retryingWakeup(Supplier<T> call) {
    try {
      return call.get();
    } catch (WakeupException e) {
      return call.get();
    }
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

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
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
     * The time source (used only when a takeover finds an empty partition).
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
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
