package io.fallback.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fallback.testkit.KafkaBrokerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SensorProducerIT {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @Test
  void backlog_isWrittenAsRawAvroKeyedByIdWithEventTimeTimestamps() throws Exception {
    KAFKA.broker().createTopic("backlog", 2);
    long origin = System.currentTimeMillis() - 60_000;
    List<ConsumerRecord<String, byte[]>> records;
    List<SensorProducer.Sent> sent;

    try (SensorProducer producer =
        SensorProducer.builder(KAFKA.broker().bootstrapServers())
            .topic("backlog")
            .nurses(5)
            .origin(origin)
            .nullRate(0.02)
            .build()) {
      int count = producer.produceUntil(origin + 2_000);
      sent = producer.sent();
      assertThat(count).isEqualTo(5 * 64);
      records = readAll("backlog", count);
    }

    assertThat(sent).hasSize(5 * 64);
    assertThat(records).hasSize(5 * 64);
    assertThat(records.stream().map(ConsumerRecord::partition).distinct())
        .containsExactlyInAnyOrder(0, 1);
    Map<String, Integer> partitionOfKey =
        records.stream()
            .collect(
                Collectors.toMap(
                    ConsumerRecord::key,
                    ConsumerRecord::partition,
                    (a, b) -> {
                      assertThat(a).as("one partition per key").isEqualTo(b);
                      return a;
                    }));
    assertThat(partitionOfKey).hasSize(5);
    SensorAvro avro = new SensorAvro();
    for (ConsumerRecord<String, byte[]> r : records) {
      GenericRecord value = avro.decode(r.value());
      assertThat(value.get("id").toString()).isEqualTo(r.key());
      assertThat(value.get("datetime").toString())
          .isEqualTo(SensorReading.DATETIME.format(java.time.Instant.ofEpochMilli(r.timestamp())));
      assertThat(r.timestamp()).isBetween(origin, origin + 1_999);
    }
  }

  @Test
  void live_writesEachReadingWhenItsEventTimeIsReached() {
    KAFKA.broker().createTopic("live", 2);

    try (SensorProducer producer =
        SensorProducer.builder(KAFKA.broker().bootstrapServers()).topic("live").nurses(2).build()) {
      long started = System.currentTimeMillis();
      producer.startLive();
      await("64 readings in about a second")
          .atMost(Duration.ofSeconds(20))
          .until(() -> producer.sentCount() >= 64);
      producer.stopLive();

      List<SensorProducer.Sent> sent = producer.sent();
      assertThat(producer.failures()).isZero();
      long newest = sent.stream().mapToLong(s -> s.reading().eventTime()).max().orElseThrow();
      assertThat(newest).isLessThanOrEqualTo(System.currentTimeMillis());
      assertThat(newest - started).isGreaterThanOrEqualTo(900);
    }
  }

  private static List<ConsumerRecord<String, byte[]>> readAll(String topic, int expected) {
    Map<String, Object> config = KAFKA.broker().clientConfig();
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1)));
      consumer.seekToBeginning(consumer.assignment());
      await("all " + expected + " records read back")
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= expected;
              });
    }
    return records;
  }
}
