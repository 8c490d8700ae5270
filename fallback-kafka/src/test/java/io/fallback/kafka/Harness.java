package io.fallback.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.BatchSource;
import io.fallback.core.Checkpoint;
import io.fallback.core.FallbackListener;
import io.fallback.core.PartitionListener;
import io.fallback.core.PrimaryProgress.WindowId;
import io.fallback.core.Sink;
import io.fallback.core.SourceRecord;
import io.fallback.core.loop.FallbackLoop;
import io.fallback.core.loop.LoopSettings;
import io.fallback.core.testing.ForwardingBatchSource;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.core.window.WindowStage;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Shared fixtures of the ITs: deterministic nurse records, a reference windowing, the real loop on
 * a thread.
 */
final class Harness {

  static final WindowSpec SPEC = WindowSpec.ofDefaults();

  private Harness() {}

  /** One record as produced: where it landed and what it decodes to (null for a bad record). */
  record Produced(
      int partition, long offset, long timestamp, byte[] key, byte[] value, Reading reading) {}

  /** A record to produce. */
  record Outgoing(byte[] key, byte[] value, long timestamp, Reading reading) {}

  /** Settings for tests: small batches, short batch timeout, earliest. */
  static KafkaSourceSettings.Builder settings(String bootstrap, String topic, String group) {
    return KafkaSourceSettings.builder()
        .bootstrapServers(bootstrap)
        .topic(topic)
        .groupId(group)
        .autoOffsetReset(KafkaSourceSettings.OffsetReset.EARLIEST)
        .batchSize(500)
        .batchTimeout(Duration.ofMillis(200));
  }

  /**
   * Nurse records of {@code ids} keys, one per key every {@code stepMillis} from {@code t0}, {@code
   * perKey} each, values from {@code seed} (about 10 % nulls), in time order.
   */
  static List<Outgoing> nurseRecords(long seed, int ids, int perKey, long t0, long stepMillis) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Outgoing> out = new ArrayList<>();
    for (int i = 0; i < perKey; i++) {
      for (int k = 0; k < ids; k++) {
        long ts = t0 + i * stepMillis + random.nextInt((int) Math.max(1, stepMillis / 2));
        Float[] values = new Float[6];
        for (int f = 0; f < 6; f++) {
          values[f] = random.nextInt(10) == 0 ? null : (float) random.nextDouble(-100, 100);
        }
        GenericRecord r = NurseRecords.record(Integer.toString(k), ts, values);
        out.add(new Outgoing(key(k), NurseRecords.encode(r), ts, NurseRecords.expected(r)));
      }
    }
    out.sort(Comparator.comparingLong(Outgoing::timestamp));
    return out;
  }

  static byte[] key(int k) {
    return Integer.toString(k).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Produces with explicit timestamps (CreateTime = event time), acks=all, and returns where each
   * landed.
   */
  static List<Produced> produce(String bootstrap, String topic, List<Outgoing> records)
      throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    List<Produced> out = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
      List<Future<RecordMetadata>> futures = new ArrayList<>();
      for (Outgoing o : records) {
        futures.add(
            producer.send(new ProducerRecord<>(topic, null, o.timestamp(), o.key(), o.value())));
      }
      for (int i = 0; i < records.size(); i++) {
        RecordMetadata m = futures.get(i).get(30, TimeUnit.SECONDS);
        Outgoing o = records.get(i);
        out.add(
            new Produced(
                m.partition(), m.offset(), o.timestamp(), o.key(), o.value(), o.reading()));
      }
    }
    return out;
  }

  /** The windows a fresh stage fires over the good records, per partition in offset order. */
  static List<WindowResult> reference(List<Produced> produced) {
    return reference(produced, p -> Optional.empty());
  }

  /** The same, with a restored checkpoint per partition (for a stage that starts mid-stream). */
  static List<WindowResult> reference(
      List<Produced> produced, java.util.function.IntFunction<Optional<Checkpoint>> restored) {
    WindowStage stage = new WindowStage(SPEC);
    List<Produced> sorted = new ArrayList<>(produced);
    sorted.sort(Comparator.comparingInt(Produced::partition).thenComparingLong(Produced::offset));
    TreeSet<Integer> partitions = new TreeSet<>();
    sorted.forEach(p -> partitions.add(p.partition()));
    partitions.forEach(p -> stage.assigned(p, restored.apply(p)));
    for (Produced p : sorted) {
      if (p.reading() != null) {
        Checkpoint c = restored.apply(p.partition()).orElse(null);
        if (c == null || p.offset() >= c.offset()) {
          stage.add(p.partition(), p.offset(), p.reading());
        }
      }
    }
    return stage.drainFired();
  }

  static WindowId id(WindowResult w) {
    return new WindowId(w.key(), w.start());
  }

  static Map<WindowId, WindowResult> byId(List<WindowResult> windows) {
    Map<WindowId, WindowResult> out = new LinkedHashMap<>();
    windows.forEach(w -> out.put(id(w), w));
    return out;
  }

  /** Committed offsets of a group on a topic, by partition. */
  static Map<Integer, OffsetAndMetadata> committed(Admin admin, String group, String topic)
      throws Exception {
    Map<Integer, OffsetAndMetadata> out = new HashMap<>();
    admin
        .listConsumerGroupOffsets(group)
        .partitionsToOffsetAndMetadata()
        .get(30, TimeUnit.SECONDS)
        .forEach(
            (tp, oam) -> {
              if (oam != null && tp.topic().equals(topic)) {
                out.put(tp.partition(), oam);
              }
            });
    return out;
  }

  static TopicPartition tp(String topic, int partition) {
    return new TopicPartition(topic, partition);
  }

  /** A sink that records what it wrote and can be told to fail. Thread-safe. */
  static final class RecordingSink implements Sink<WindowResult> {
    volatile boolean failing;

    /** Writes fail once this many windows were written (a process that stopped making progress). */
    volatile int capacity = Integer.MAX_VALUE;

    final AtomicInteger attempts = new AtomicInteger();
    private final List<WindowResult> written = new ArrayList<>();

    @Override
    public void write(List<WindowResult> outputs) {
      attempts.incrementAndGet();
      if (failing) {
        throw new IllegalStateException("sink down (test)");
      }
      synchronized (this) {
        if (written.size() >= capacity) {
          throw new IllegalStateException("sink stopped at " + capacity + " windows (test)");
        }
        written.addAll(outputs);
      }
    }

    synchronized List<WindowResult> written() {
      return List.copyOf(written);
    }

    synchronized int size() {
      return written.size();
    }
  }

  /**
   * Delegates to a real source, records the first offset returned per partition and the checkpoints
   * restored, and can stop committing (as if the process died right after its last commit).
   */
  static final class SpySource extends ForwardingBatchSource<Reading> {
    final KafkaBatchSource delegate;
    final Map<Integer, Long> firstOffsets = new ConcurrentHashMap<>();
    final Map<Integer, Optional<Checkpoint>> restored = new ConcurrentHashMap<>();
    final List<Map<Integer, Checkpoint>> commits =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile int commitsAllowed = Integer.MAX_VALUE;

    /**
     * When the last allowed commit is made, the sink accepts this many more windows, then fails.
     */
    volatile int windowsAfterLastCommit = -1;

    volatile int sinkSizeAtLastCommit;
    private final RecordingSink sink;

    SpySource(KafkaBatchSource delegate, RecordingSink sink) {
      super(delegate);
      this.delegate = delegate;
      this.sink = sink;
    }

    @Override
    public void open(PartitionListener listener) {
      delegate.open(
          new PartitionListener() {
            @Override
            public void assigned(int partition, Optional<Checkpoint> checkpoint) {
              restored.put(partition, checkpoint);
              listener.assigned(partition, checkpoint);
            }

            @Override
            public void revoked(int partition) {
              listener.revoked(partition);
            }

            @Override
            public void alreadyWritten(java.util.Set<WindowId> windows) {
              listener.alreadyWritten(windows);
            }
          });
    }

    @Override
    public List<SourceRecord<Reading>> poll() {
      return seen(delegate.poll());
    }

    @Override
    public List<SourceRecord<Reading>> poll(java.time.Duration maxWait) {
      return seen(delegate.poll(maxWait));
    }

    private List<SourceRecord<Reading>> seen(List<SourceRecord<Reading>> records) {
      for (SourceRecord<Reading> r : records) {
        firstOffsets.putIfAbsent(r.partition(), r.offset());
      }
      return records;
    }

    @Override
    public void commit(Map<Integer, Checkpoint> checkpoints) {
      if (commitsAllowed <= 0) {
        return; // the process "died": this commit never happens
      }
      int written = sink.size();
      delegate.commit(checkpoints);
      commitsAllowed--;
      sinkSizeAtLastCommit = written;
      if (commitsAllowed == 0 && windowsAfterLastCommit >= 0) {
        sink.capacity = written + windowsAfterLastCommit;
      }
      commits.add(Map.copyOf(checkpoints));
    }
  }

  /** The real core loop on its own thread, with an identity processor. */
  static final class RunningLoop implements AutoCloseable {
    final FallbackLoop<WindowResult> loop;
    private final Thread thread;
    private volatile Throwable failure;

    RunningLoop(BatchSource<Reading> source, Sink<WindowResult> sink, Duration commitInterval) {
      this.loop =
          new FallbackLoop<>(
              source,
              new WindowStage(SPEC),
              windows -> windows,
              sink,
              FallbackListener.NONE,
              InstantSource.system(),
              new LoopSettings(commitInterval, Duration.ofMillis(100), Duration.ofMillis(400)));
      this.thread = new Thread(this::run, "fallback-loop-it");
      thread.setDaemon(true);
      thread.start();
    }

    private void run() {
      try {
        loop.run();
      } catch (Throwable t) {
        failure = t;
      }
    }

    /** Stops the loop (it commits what was written, then closes the source) and waits for it. */
    @Override
    public void close() {
      loop.requestStop();
      try {
        thread.join(TimeUnit.SECONDS.toMillis(60));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while stopping the loop", e);
      }
      assertThat(thread.isAlive()).as("loop thread stopped").isFalse();
      assertThat(failure).as("loop failure").isNull();
    }
  }

  /** The windows of {@code written} that satisfy {@code p}, as ids. */
  static List<WindowId> ids(List<WindowResult> written, Predicate<WindowResult> p) {
    List<WindowId> out = new ArrayList<>();
    written.stream().filter(p).forEach(w -> out.add(id(w)));
    return out;
  }
}
