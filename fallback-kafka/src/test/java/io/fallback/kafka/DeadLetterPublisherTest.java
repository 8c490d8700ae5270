package io.fallback.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The dead-letter publisher's failure handling, with the client library's own {@link MockProducer}
 * as the seam (the real broker path is covered by {@code KafkaBatchSourceIT}): a failed send never
 * throws where it happens and never loses the letter; the next flush re-sends it or fails, so no
 * offset is committed before its dead letters are durable.
 */
class DeadLetterPublisherTest {

  private final MockProducer<byte[], byte[]> producer =
      new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final DeadLetterPublisher publisher =
      new DeadLetterPublisher(
          KafkaSourceSettings.builder()
              .bootstrapServers("127.0.0.1:1")
              .topic("in")
              .groupId("g")
              .build(),
          () -> {
            throw new KafkaException("no admin in this test");
          },
          config -> producer);

  private static ConsumerRecord<byte[], byte[]> record(long offset) {
    return new ConsumerRecord<>(
        "in", 1, offset, "k".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2});
  }

  @Test
  void sendFailingInTheCaller_doesNotThrow_andTheNextFlushFailsUntilItCanBeSent() {
    producer.sendException = new KafkaException("broker gone");

    publisher.send(record(7), "undecodable", "bad bytes");

    assertThatThrownBy(publisher::flush)
        .isInstanceOf(KafkaSourceException.class)
        .hasMessageContaining("1 dead letter(s) to in.dlq could not be sent; not committing");
    assertThat(publisher.sendFailures()).isGreaterThanOrEqualTo(1);

    producer.sendException = null;
    publisher.flush();

    assertThat(producer.history()).hasSize(1);
    assertThat(
            new String(
                producer.history().get(0).headers().lastHeader("fallback.source.offset").value(),
                StandardCharsets.UTF_8))
        .isEqualTo("7");
    assertThat(publisher.counts()).containsEntry("undecodable", 1L);
  }

  @Test
  void sendFailingInTheProducersCallback_isRecorded_andReSentByTheNextFlush() {
    publisher.send(record(8), "late", "late: dead-lettered by the fallback loop");
    producer.errorNext(new KafkaException("not enough replicas"));

    publisher.flush();

    assertThat(producer.history()).hasSize(2); // the failed send and its re-send
    assertThat(publisher.sendFailures()).isEqualTo(1);
    publisher.close(Duration.ofSeconds(1));
  }
}
