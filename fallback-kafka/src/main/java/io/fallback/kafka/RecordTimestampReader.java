package io.fallback.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the Kafka timestamp of the record at an offset, with an {@code assign()}-only consumer that
 * has no group (it commits nothing and joins nothing). Used for the rewind on takeover and by the
 * time-lag source. Not thread-safe; callers serialise access.
 */
final class RecordTimestampReader implements AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> consumer;

  RecordTimestampReader(String bootstrapServers, Map<String, Object> passthrough) {
    Map<String, Object> config =
        new HashMap<>(ClientConfigs.consumer(bootstrapServers, passthrough));
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
    config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "fallback-timestamp-reader");
    this.consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * The timestamp of the first record at or after {@code offset} (the record itself, unless the
   * offset falls on a gap: a transaction marker or a compacted record).
   *
   * @return the timestamp, or empty if none arrived within {@code timeout}
   */
  OptionalLong timestampAt(TopicPartition tp, long offset, Duration timeout) {
    ConsumerRecord<byte[], byte[]> r = recordAt(tp, offset, timeout);
    return r == null ? OptionalLong.empty() : OptionalLong.of(r.timestamp());
  }

  /**
   * The first record at or after {@code offset}.
   *
   * @return the record, or null if none arrived within {@code timeout}
   */
  ConsumerRecord<byte[], byte[]> recordAt(TopicPartition tp, long offset, Duration timeout) {
    consumer.assign(List.of(tp));
    consumer.seek(tp, offset);
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
        if (remainingMs <= 0) {
          return null;
        }
        ConsumerRecords<byte[], byte[]> records =
            consumer.poll(Duration.ofMillis(Math.min(remainingMs, 500)));
        for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
          if (r.offset() >= offset) {
            return r;
          }
        }
      }
    } catch (WakeupException e) {
      return null;
    } finally {
      consumer.unsubscribe();
    }
  }

  /** Makes a blocked read return empty soon. Thread-safe. */
  void wakeup() {
    consumer.wakeup();
  }

  @Override
  public void close() {
    consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
  }
}
