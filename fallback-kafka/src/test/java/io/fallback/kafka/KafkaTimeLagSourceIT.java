package io.fallback.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.kafka.Harness.Outgoing;
import io.fallback.kafka.Harness.Produced;
import io.fallback.testkit.KafkaBrokerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class KafkaTimeLagSourceIT {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static List<Produced> produceAged(String topic, long... agesMillis) throws Exception {
    KAFKA.broker().createTopic(topic, 2);
    long now = System.currentTimeMillis();
    List<Outgoing> records = new ArrayList<>();
    for (int i = 0; i < agesMillis.length; i++) {
      for (int k = 0; k < 4; k++) {
        long ts = now - agesMillis[i];
        records.add(
            new Outgoing(
                Harness.key(k),
                NurseRecords.encode(NurseRecords.deterministic("" + k, ts)),
                ts,
                null));
      }
    }
    return Harness.produce(KAFKA.bootstrapServers(), topic, records);
  }

  private static void commit(String group, String topic, Map<Integer, Long> offsets) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    offsets.forEach((p, o) -> commit.put(new TopicPartition(topic, p), new OffsetAndMetadata(o)));
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.assign(commit.keySet());
      c.commitSync(commit);
    }
  }

  private static Map<Integer, Long> endOffsets(List<Produced> produced) {
    Map<Integer, Long> ends = new HashMap<>();
    produced.forEach(p -> ends.merge(p.partition(), p.offset() + 1, Math::max));
    return ends;
  }

  private static KafkaTimeLagSource lagOf(String topic, String group) {
    return KafkaTimeLagSource.builder(KAFKA.bootstrapServers(), topic)
        .group(group)
        .timeout(Duration.ofSeconds(10))
        .build();
  }

  @Test
  void groupCommittedAtTheEnd_idleTopicHasZeroLag() throws Exception {
    List<Produced> produced = produceAged("lag-idle", 3_600_000, 3_000_000);
    commit("flink-idle", "lag-idle", endOffsets(produced));

    try (KafkaTimeLagSource lag = lagOf("lag-idle", "flink-idle")) {
      assertThat(lag.currentLatency()).contains(Duration.ZERO);
      assertThat(lag.name()).isEqualTo("kafka_lag");
    }
  }

  @Test
  void groupBehindByRecords400sOld_lagIsAbout400s() throws Exception {
    List<Produced> produced = produceAged("lag-behind", 400_000, 399_000, 10_000, 5_000);
    Map<Integer, Long> committed = new HashMap<>();
    // partition 0 caught up (zero lag), partition 1 at its first, 400 s old record
    Map<Integer, Long> ends = endOffsets(produced);
    committed.put(0, ends.get(0));
    committed.put(1, 0L);
    commit("flink-behind", "lag-behind", committed);

    try (KafkaTimeLagSource lag = lagOf("lag-behind", "flink-behind")) {
      Optional<Duration> latency = lag.currentLatency();

      assertThat(latency).isPresent();
      assertThat(latency.get()).isBetween(Duration.ofSeconds(399), Duration.ofSeconds(410));
    }
  }

  @Test
  void groupThatNeverCommitted_isNoEvidence() throws Exception {
    produceAged("lag-none", 100_000);

    try (KafkaTimeLagSource lag = lagOf("lag-none", "flink-never")) {
      assertThat(lag.currentLatency()).isEmpty();
    }
  }

  @Test
  void unreachableBroker_isNoEvidenceWithinTheTimeout() {
    try (KafkaTimeLagSource lag =
        KafkaTimeLagSource.builder("127.0.0.1:1", "t").timeout(Duration.ofSeconds(2)).build()) {
      long start = System.nanoTime();

      assertThat(lag.currentLatency()).isEmpty();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
  }
}
