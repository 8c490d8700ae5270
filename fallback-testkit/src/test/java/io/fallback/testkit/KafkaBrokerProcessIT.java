package io.fallback.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class KafkaBrokerProcessIT {

  @Test
  void recordsProducedBeforeStopOrKill_areConsumedAfterRestartOnSameAddress() throws Exception {
    try (KafkaBrokerProcess kafka = KafkaBrokerProcess.create()) {
      String bootstrap = kafka.bootstrapServers();

      kafka.start();

      System.out.println(
          "startup kafka (child JVM): " + kafka.lastStartupTime().toMillis() + " ms");
      assertThat(kafka.isRunning()).isTrue();
      kafka.createTopic("stress-topic", 2);
      List<String> keys =
          IntStream.range(0, 50).mapToObj(i -> "nurse-" + (i % 5)).collect(Collectors.toList());
      KafkaRecords.produce(kafka.clientConfig(), "stress-topic", keys);

      kafka.stop();

      assertThat(kafka.isRunning()).isFalse();

      kafka.start();

      System.out.println(
          "restart kafka (child JVM, after stop): " + kafka.lastStartupTime().toMillis() + " ms");
      assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);
      List<ConsumerRecord<String, String>> afterStop =
          KafkaRecords.consume(kafka.clientConfig(), "stress-topic", 50);
      assertThat(afterStop)
          .extracting(ConsumerRecord::key)
          .containsExactlyInAnyOrderElementsOf(keys);

      long pid = kafka.pid();
      kafka.kill();

      assertThat(kafka.isRunning()).isFalse();
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));

      kafka.start();

      System.out.println(
          "restart kafka (child JVM, after kill): " + kafka.lastStartupTime().toMillis() + " ms");
      assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);
      KafkaRecords.produce(kafka.clientConfig(), "stress-topic", List.of("nurse-9"));
      List<ConsumerRecord<String, String>> afterKill =
          KafkaRecords.consume(kafka.clientConfig(), "stress-topic", 51);
      assertThat(afterKill).extracting(ConsumerRecord::key).contains("nurse-9");
      assertThat(afterKill).filteredOn(r -> !r.key().equals("nurse-9")).hasSize(50);
    }
  }
}
