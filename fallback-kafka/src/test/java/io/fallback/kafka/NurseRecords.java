package io.fallback.kafka;

import io.fallback.core.window.Reading;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/** Builds and encodes nurse sensor records as the producer writes them (raw Avro binary datums). */
final class NurseRecords {

  static final Schema SCHEMA = AvroReadingDecoder.nurseSchema();
  static final String[] FIELDS = {"X", "Y", "Z", "EDA", "HR", "TEMP"};
  static final DateTimeFormatter DATETIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  private NurseRecords() {}

  static GenericRecord record(String id, long eventTime, Float... values) {
    GenericRecord r = new GenericData.Record(SCHEMA);
    for (int i = 0; i < FIELDS.length; i++) {
      r.put(FIELDS[i], i < values.length ? values[i] : null);
    }
    r.put("id", id);
    r.put("datetime", DATETIME.format(Instant.ofEpochMilli(eventTime)));
    return r;
  }

  /** A record with deterministic values derived from its id and time. */
  static GenericRecord deterministic(String id, long eventTime) {
    float base = (id.hashCode() % 100) + (eventTime % 10_000) / 1000f;
    return record(id, eventTime, base, base + 1, base - 1, base / 10, 60 + base, 36.5f);
  }

  static byte[] encode(GenericRecord record) {
    return encode(record, record.getSchema());
  }

  static byte[] encode(Object datum, Schema schema) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream(64);
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      new GenericDatumWriter<Object>(schema).write(datum, encoder);
      encoder.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The Reading the fallback must decode from {@code record}: nulls as 0, values in window-spec
   * order.
   */
  static Reading expected(GenericRecord record) {
    float[] values = new float[FIELDS.length];
    for (int i = 0; i < FIELDS.length; i++) {
      Object v = record.get(FIELDS[i]);
      values[i] = v == null ? 0f : ((Number) v).floatValue();
    }
    long ts =
        java.time.LocalDateTime.parse(record.get("datetime").toString(), DATETIME)
            .toInstant(ZoneOffset.UTC)
            .toEpochMilli();
    return new Reading(record.get("id").toString(), ts, values);
  }
}
