package io.fallback.kafka;

import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowSpec;
import org.apache.avro.Schema;

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

  /**
   * Rejects a record without a value (a tombstone) as undecodable.
   *
   * @throws DecodeException if {@code value} is null
   */
  static void requireValue(byte[] value) throws DecodeException {
    if (value == null) {
      throw new DecodeException(
          DeadLetterReason.UNDECODABLE, "the record has no value (tombstone)");
    }
  }

  /**
   * The decoder the settings ask for: {@code processing.format} JSON, or a raw Avro datum of {@code
   * processing.schema_file} (or the built-in nurse schema) through a decode plan compiled once; the
   * event time from {@code processing.timestamp_field}, or the record timestamp; values in the
   * order of {@code spec}'s field names.
   *
   * @throws IllegalArgumentException if the schema does not fit the settings
   */
  static ReadingDecoder of(KafkaSourceSettings settings, WindowSpec spec) {
    TimestampParser timestamps = TimestampParser.of(settings.timestampFormat());
    String tsField = settings.usesKafkaTimestamp() ? null : settings.timestampField();
    if (settings.format() == RecordFormat.JSON) {
      return new JsonReadingDecoder(settings.keyField(), tsField, timestamps, spec.fieldNames());
    }
    Schema schema =
        settings
            .schemaFileIfSet()
            .map(AvroReadingDecoder::loadSchema)
            .orElseGet(AvroReadingDecoder::nurseSchema);
    return AvroReadingDecoder.compile(
        schema, settings.keyField(), tsField, timestamps, spec.fieldNames());
  }
}
