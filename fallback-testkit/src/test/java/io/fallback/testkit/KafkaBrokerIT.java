package io.fallback.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class KafkaBrokerIT {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @Test
  void keyedRecords_onTwoPartitions_areAllConsumedBack() throws Exception {
    KafkaBroker broker = KAFKA.broker();
    System.out.println("startup kafka (in-JVM KRaft): " + broker.startupTime().toMillis() + " ms");
    broker.createTopic("stress-topic", 2);
    List<String> keys =
        IntStream.range(0, 200).mapToObj(i -> "nurse-" + (i % 10)).collect(Collectors.toList());

    List<RecordMetadata> acks = KafkaRecords.produce(broker.clientConfig(), "stress-topic", keys);
    List<ConsumerRecord<String, String>> records =
        KafkaRecords.consume(broker.clientConfig(), "stress-topic", keys.size());

    assertThat(acks).extracting(RecordMetadata::partition).containsOnly(0, 1);
    assertThat(records).hasSize(200);
    assertThat(records).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(keys);
    Map<String, Set<Integer>> partitionsByKey =
        records.stream()
            .collect(
                Collectors.groupingBy(
                    ConsumerRecord::key,
                    Collectors.mapping(ConsumerRecord::partition, Collectors.toSet())));
    assertThat(partitionsByKey)
        .hasSize(10)
        .allSatisfy((key, partitions) -> assertThat(partitions).hasSize(1));
  }

  @Test
  void createTopic_twice_fails() {
    KafkaBroker broker = KAFKA.broker();
    broker.createTopic("twice", 1);

    assertThatThrownBy(() -> broker.createTopic("twice", 1))
        .isInstanceOf(TestServerException.class)
        .hasMessageContaining("exists already");
  }

  @Test
  void close_isIdempotent() {
    KafkaBroker broker = KafkaBroker.start();
    String bootstrap = broker.bootstrapServers();

    broker.close();
    broker.close();

    assertThat(bootstrap).matches(".+:\\d+");
    assertThatThrownBy(broker::admin).isInstanceOf(IllegalStateException.class);
  }
}
