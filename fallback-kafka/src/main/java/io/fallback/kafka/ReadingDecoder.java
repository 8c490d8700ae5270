package io.fallback.kafka;

import io.fallback.core.window.Reading;

/**
 * Turns one Kafka record value into a {@link Reading}. Not thread-safe: one instance per consumer
 * thread (decoders reuse buffers).
 */
interface ReadingDecoder {

  /**
   * Decodes one value.
   *
   * @param value the record value bytes, possibly null (a tombstone)
   * @param kafkaTimestamp the record's Kafka timestamp, used when the event time comes from Kafka
   * @return the reading
   * @throws DecodeException with the dead-letter reason when the value cannot be used
   */
  Reading decode(byte[] value, long kafkaTimestamp) throws DecodeException;
}
