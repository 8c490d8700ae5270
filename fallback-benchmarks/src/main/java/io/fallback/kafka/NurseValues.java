package io.fallback.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/** Raw Avro nurse records (the built-in schema, 17 ids, 32 Hz) and the decoder the source uses. */
public final class NurseValues {

  /** The value fields in window-spec order. */
  public static final List<String> FIELDS = List.of("X", "Y", "Z", "EDA", "HR", "TEMP");

  private static final DateTimeFormatter DATETIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  private NurseValues() {}

  /**
   * @param n how many
   * @param seed the random seed
   * @return {@code n} encoded values, 17 ids round robin, 1/32 s apart
   */
  public static byte[][] values(int n, long seed) {
    Schema schema = AvroReadingDecoder.nurseSchema();
    GenericDatumWriter<Object> writer = new GenericDatumWriter<>(schema);
    Random random = new Random(seed);
    byte[][] out = new byte[n][];
    long t0 = 1_700_000_000_000L;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    BinaryEncoder encoder = null;
    for (int i = 0; i < n; i++) {
      GenericRecord r = new GenericData.Record(schema);
      r.put("id", "nurse-" + (i % 17));
      r.put("datetime", DATETIME.format(Instant.ofEpochMilli(t0 + (i / 17) * 1000L / 32)));
      for (String f : FIELDS) {
        r.put(f, random.nextFloat() * 100);
      }
      try {
        bytes.reset();
        encoder = EncoderFactory.get().binaryEncoder(bytes, encoder);
        writer.write(r, encoder);
        encoder.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      out[i] = bytes.toByteArray();
    }
    return out;
  }

  /**
   * @return the decoder {@code KafkaBatchSource} compiles for the nurse schema
   */
  static AvroReadingDecoder decoder() {
    return AvroReadingDecoder.compile(
        AvroReadingDecoder.nurseSchema(),
        "id",
        "datetime",
        TimestampParser.of(KafkaSourceSettings.DEFAULT_TIMESTAMP_FORMAT),
        FIELDS);
  }
}
