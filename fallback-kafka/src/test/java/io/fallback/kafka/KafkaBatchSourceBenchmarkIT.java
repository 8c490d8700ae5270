package io.fallback.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.Checkpoint;
import io.fallback.core.PartitionListener;
import io.fallback.core.SourceRecord;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowStage;
import io.fallback.testkit.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Consume-decode throughput of {@link KafkaBatchSource} next to a raw {@code KafkaConsumer<byte[],
 * byte[]>} on the same backlog in the same JVM (DESIGN section 9): 2 000 000 nurse records (17 ids
 * at 32 Hz, about an hour, 59-byte Avro values) on a 2-partition topic of an in-JVM broker, drained
 * five times each, alternating. Excluded from the default build; run it with
 *
 * <pre>
 *   ./mvnw -B -pl fallback-kafka verify -Dfallback.benchmark=true \
 *       -Dit.test=KafkaBatchSourceBenchmarkIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * <p>{@code -Dbenchmark.records=N} changes the backlog size, {@code -Dbenchmark.rounds=N} the
 * number of rounds. Prints one line per drain ({@code BENCH ...}) and the median and best rates
 * with the ratio {@code source / raw}. "source" is {@code KafkaBatchSource.poll} with decoding;
 * "source+window" also adds every record to a core {@code WindowStage}. On a shared 2-core machine
 * the figures vary from run to run: compare within one run.
 */
@EnabledIfSystemProperty(named = "fallback.benchmark", matches = "true")
class KafkaBatchSourceBenchmarkIT {

  private static final int BATCH = 10_000;

  @Test
  void drainBacklog_printsRecordsPerSecond() throws Exception {
    int records = Integer.getInteger("benchmark.records", 2_000_000);
    try (KafkaBroker broker = KafkaBroker.start()) {
      String topic = "bench";
      broker.createTopic(topic, 2, Map.of("retention.ms", "-1"));
      long produceStart = System.nanoTime();
      produce(broker.bootstrapServers(), topic, records);
      System.out.printf(
          "BENCH produced %,d records in %.1f s%n",
          records, (System.nanoTime() - produceStart) / 1e9);

      List<Double> raw = new ArrayList<>();
      List<Double> source = new ArrayList<>();
      List<Double> windowed = new ArrayList<>();
      int rounds = Integer.getInteger("benchmark.rounds", 5);
      for (int round = 1; round <= rounds; round++) {
        System.gc();
        raw.add(
            report(
                "raw KafkaConsumer<byte[],byte[]>",
                round,
                records,
                rawDrain(broker, topic, records)));
        System.gc();
        source.add(
            report(
                "KafkaBatchSource.poll (decode)",
                round,
                records,
                sourceDrain(broker, topic, records, "bench-" + round, false)));
        System.gc();
        windowed.add(
            report(
                "KafkaBatchSource.poll + WindowStage",
                round,
                records,
                sourceDrain(broker, topic, records, "bench-w-" + round, true)));
      }
      System.out.printf(
          "BENCH median of %d: raw %,.0f rec/s, source %,.0f rec/s (%.2f of raw), source+window %,.0f rec/s (%.2f of raw)%n",
          rounds,
          median(raw),
          median(source),
          median(source) / median(raw),
          median(windowed),
          median(windowed) / median(raw));
      System.out.printf(
          "BENCH best of %d: raw %,.0f rec/s, source %,.0f rec/s (%.2f of raw), source+window %,.0f rec/s (%.2f of raw)%n",
          rounds,
          best(raw),
          best(source),
          best(source) / best(raw),
          best(windowed),
          best(windowed) / best(raw));
    }
  }

  private static double median(List<Double> rates) {
    List<Double> sorted = new ArrayList<>(rates);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static double best(List<Double> rates) {
    return rates.stream().mapToDouble(d -> d).max().orElseThrow();
  }

  /** {@code drain[0]} records in {@code drain[1]} ns. */
  private static double report(String what, int round, int records, long[] drain) {
    long nanos = drain[1];
    records = (int) drain[0];
    double rate = records / (nanos / 1e9);
    System.out.printf(
        "BENCH round %d %-38s %,d records in %.3f s = %,.0f rec/s%n",
        round, what, records, nanos / 1e9, rate);
    return rate;
  }

  /** 17 nurses at 32 Hz from an hour ago, values pre-encoded once per distinct record shape. */
  private static void produce(String bootstrap, String topic, int records) throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ProducerConfig.ACKS_CONFIG, "1");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
    config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 256L * 1024 * 1024);
    long t0 = (System.currentTimeMillis() - 3_600_000L) / 1000 * 1000;
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < records; i++) {
        int id = 10 + i % 17; // two-digit ids: 59-byte values, as in DESIGN section 9
        long ts = t0 + (i / 17) * 1000L / 32;
        byte[] value = NurseRecords.encode(NurseRecords.deterministic(Integer.toString(id), ts));
        if (i == 0) {
          assertThat(value).hasSize(59);
        }
        producer.send(
            new ProducerRecord<>(topic, null, ts, Harness.key(id), value),
            (m, e) -> {
              if (e != null) {
                failure.set(e);
              }
            });
      }
      producer.flush();
    }
    if (failure.get() != null) {
      throw failure.get();
    }
  }

  private static long[] rawDrain(KafkaBroker broker, String topic, int records) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, BATCH);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps =
          List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long count = 0;
      long bytes = 0;
      long start = System.nanoTime();
      long deadline = start + TimeUnit.MINUTES.toNanos(5);
      while (count < records && System.nanoTime() < deadline) {
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
        for (var r : batch) {
          bytes += r.value().length; // touch the value, as a decoder would
          count++;
        }
      }
      long nanos = System.nanoTime() - start;
      assertThat(count).isEqualTo(records);
      assertThat(bytes).isPositive();
      return new long[] {count, nanos};
    }
  }

  private static long[] sourceDrain(
      KafkaBroker broker, String topic, int records, String group, boolean window) {
    KafkaSourceSettings settings =
        KafkaSourceSettings.builder()
            .bootstrapServers(broker.bootstrapServers())
            .topic(topic)
            .groupId(group)
            .autoOffsetReset(KafkaSourceSettings.OffsetReset.EARLIEST)
            .batchSize(BATCH)
            .batchTimeout(Duration.ofSeconds(1))
            .build();
    WindowStage stage = new WindowStage(Harness.SPEC);
    try (KafkaBatchSource source = KafkaBatchSource.of(settings, Harness.SPEC)) {
      source.open(
          new PartitionListener() {
            @Override
            public void assigned(int partition, Optional<Checkpoint> restored) {
              stage.assigned(partition, restored);
            }

            @Override
            public void revoked(int partition) {
              stage.revoked(partition);
            }
          });
      long count = 0;
      long start = 0;
      long firstBatch = 0;
      long sum = 0;
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (count < records && System.nanoTime() < deadline) {
        List<SourceRecord<Reading>> batch = source.poll();
        if (start == 0 && !batch.isEmpty()) {
          // the clock starts at the first record: group join and start-position lookup are not
          // throughput
          start = System.nanoTime();
          firstBatch = batch.size();
        }
        for (SourceRecord<Reading> r : batch) {
          if (window) {
            stage.add(r.partition(), r.offset(), r.value());
          } else {
            sum += r.value().eventTime();
          }
        }
        if (window) {
          sum += stage.drainFired().size();
        }
        count += batch.size();
      }
      long nanos = System.nanoTime() - start;
      assertThat(count).isEqualTo(records);
      assertThat(sum).isNotZero();
      assertThat(source.deadLettered()).isEmpty();
      return new long[] {count - firstBatch, nanos};
    }
  }
}
