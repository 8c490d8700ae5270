package io.fallback.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Produce and consume helpers for the Kafka ITs. */
final class KafkaRecords {

  private KafkaRecords() {}

  /** Sends every record and waits for each acknowledgement (acks=all). */
  static List<RecordMetadata> produce(
      Map<String, Object> clientConfig, String topic, List<String> keys) throws Exception {
    Map<String, Object> config = new HashMap<>(clientConfig);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    List<RecordMetadata> acks = new ArrayList<>();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
      List<Future<RecordMetadata>> futures = new ArrayList<>();
      for (int i = 0; i < keys.size(); i++) {
        futures.add(producer.send(new ProducerRecord<>(topic, keys.get(i), "value-" + i)));
      }
      for (var future : futures) {
        acks.add(future.get(30, TimeUnit.SECONDS));
      }
    }
    return acks;
  }

  /** Reads the topic from the beginning with a new group until {@code expected} records arrived. */
  static List<ConsumerRecord<String, String>> consume(
      Map<String, Object> clientConfig, String topic, int expected) {
    Map<String, Object> config = new HashMap<>(clientConfig);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
      consumer.subscribe(List.of(topic));
      await("all " + expected + " records of " + topic)
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ZERO)
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= expected;
              });
      // one more poll: nothing beyond what was produced
      consumer.poll(Duration.ofMillis(200)).forEach(records::add);
    }
    assertThat(records).hasSize(expected);
    return records;
  }
}
