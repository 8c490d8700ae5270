package io.fallback.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AvroReadingDecoderTest {

  private static final TimestampParser TIMESTAMPS =
      TimestampParser.of(KafkaSourceSettings.DEFAULT_TIMESTAMP_FORMAT);

  private final AvroReadingDecoder decoder =
      AvroReadingDecoder.compile(
          NurseRecords.SCHEMA, "id", "datetime", TIMESTAMPS, WindowSpec.NURSE_FIELDS);

  @Test
  void randomRecordsWithNulls_decodeAsGenericDatumReaderReadsThem() throws Exception {
    SplittableRandom random = new SplittableRandom(2024);
    GenericDatumReader<GenericRecord> generic = new GenericDatumReader<>(NurseRecords.SCHEMA);
    long t0 = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
    for (int i = 0; i < 20_000; i++) {
      Float[] values = new Float[6];
      for (int f = 0; f < 6; f++) {
        values[f] = random.nextInt(5) == 0 ? null : (float) (random.nextDouble(-1000, 1000));
      }
      if (i % 97 == 0) {
        values[0] = Float.NaN;
        values[1] = Float.MAX_VALUE;
        values[2] = -0f;
      }
      String id =
          random.nextInt(10) == 0 ? "nurse-ü-" + random.nextInt(3000) : "n" + random.nextInt(17);
      byte[] bytes =
          NurseRecords.encode(
              NurseRecords.record(id, t0 + random.nextLong(0, 5L * 365 * 86_400_000), values));

      GenericRecord viaAvro = generic.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
      Reading viaPlan = decoder.decode(bytes, -1);

      assertThat(viaPlan).isEqualTo(NurseRecords.expected(viaAvro));
    }
  }

  @Test
  void allValuesNull_decodeAsZeros() throws Exception {
    byte[] bytes = NurseRecords.encode(NurseRecords.record("7", 1_700_000_000_123L));

    Reading r = decoder.decode(bytes, -1);

    assertThat(r.key()).isEqualTo("7");
    assertThat(r.eventTime()).isEqualTo(1_700_000_000_123L);
    for (int i = 0; i < r.size(); i++) {
      assertThat(r.value(i)).isZero();
    }
  }

  @Test
  void nurseValue_is59BytesAsInTheBacklog() {
    byte[] bytes = NurseRecords.encode(NurseRecords.deterministic("15", 1_700_000_000_000L));

    assertThat(bytes).hasSize(59);
  }

  @Test
  void truncatedValue_isUndecodable() {
    byte[] bytes = NurseRecords.encode(NurseRecords.deterministic("15", 1_700_000_000_000L));
    for (int len = 0; len < bytes.length; len++) {
      byte[] truncated = Arrays.copyOf(bytes, len);

      assertThatThrownBy(() -> decoder.decode(truncated, -1))
          .as("truncated to %d bytes", len)
          .isInstanceOfSatisfying(
              DecodeException.class,
              e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.UNDECODABLE));
    }
  }

  @Test
  void corruptBytes_neverThrowAnythingButDecodeException() {
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 20_000; i++) {
      byte[] garbage = new byte[random.nextInt(0, 80)];
      for (int b = 0; b < garbage.length; b++) {
        garbage[b] = (byte) random.nextInt(256);
      }
      try {
        decoder.decode(garbage, -1);
      } catch (DecodeException e) {
        assertThat(e.reason())
            .isIn(
                DeadLetterReason.UNDECODABLE,
                DeadLetterReason.MISSING_KEY,
                DeadLetterReason.MISSING_TIMESTAMP,
                DeadLetterReason.BAD_TIMESTAMP);
      }
    }
  }

  @Test
  void unionIndexOutOfRange_isUndecodable() {
    byte[] bytes = {(byte) 0x06}; // union index 3 for field X, which has two branches

    assertThatThrownBy(() -> decoder.decode(bytes, -1))
        .isInstanceOfSatisfying(
            DecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.UNDECODABLE))
        .hasMessageContaining("union index 3");
  }

  @Test
  void nullId_isMissingKey() {
    GenericRecord r = NurseRecords.deterministic("1", 1_700_000_000_000L);
    r.put("id", null);

    assertThatThrownBy(() -> decoder.decode(NurseRecords.encode(r), -1))
        .isInstanceOfSatisfying(
            DecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.MISSING_KEY));
  }

  @Test
  void nullDatetime_isMissingTimestamp() {
    GenericRecord r = NurseRecords.deterministic("1", 1_700_000_000_000L);
    r.put("datetime", null);

    assertThatThrownBy(() -> decoder.decode(NurseRecords.encode(r), -1))
        .isInstanceOfSatisfying(
            DecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.MISSING_TIMESTAMP));
  }

  @Test
  void badDatetime_isBadTimestamp() {
    GenericRecord r = NurseRecords.deterministic("1", 1_700_000_000_000L);
    r.put("datetime", "2024-02-30 10:00:00.000");

    assertThatThrownBy(() -> decoder.decode(NurseRecords.encode(r), -1))
        .isInstanceOfSatisfying(
            DecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.BAD_TIMESTAMP))
        .hasMessageContaining("2024-02-30 10:00:00.000");
  }

  @Test
  void kafkaTimestamp_usedWhenConfigured() throws Exception {
    Schema noTime =
        SchemaBuilder.record("R")
            .fields()
            .optionalFloat("X")
            .optionalFloat("Y")
            .optionalFloat("Z")
            .optionalFloat("EDA")
            .optionalFloat("HR")
            .optionalFloat("TEMP")
            .requiredString("id")
            .endRecord();
    AvroReadingDecoder d =
        AvroReadingDecoder.compile(noTime, "id", null, TIMESTAMPS, WindowSpec.NURSE_FIELDS);
    GenericRecord r = new GenericData.Record(noTime);
    r.put("id", "a");
    r.put("HR", 70f);

    Reading reading = d.decode(NurseRecords.encode(r, noTime), 1234L);

    assertThat(reading).isEqualTo(new Reading("a", 1234L, new float[] {0, 0, 0, 0, 70, 0}));
  }

  @Test
  void otherTypesAndSkippedFields_decodeAsGenericDatumReaderReadsThem() throws Exception {
    Schema inner =
        SchemaBuilder.record("Inner").fields().requiredString("s").requiredLong("l").endRecord();
    Schema schema =
        SchemaBuilder.record("Wide")
            .fields()
            .name("tags")
            .type()
            .map()
            .values()
            .stringType()
            .noDefault()
            .requiredDouble("X")
            .name("list")
            .type()
            .array()
            .items()
            .intType()
            .noDefault()
            .requiredInt("Y")
            .name("in")
            .type(inner)
            .noDefault()
            .requiredLong("Z")
            .name("blob")
            .type()
            .bytesType()
            .noDefault()
            .name("fx")
            .type()
            .fixed("F4")
            .size(4)
            .noDefault()
            .name("color")
            .type()
            .enumeration("Color")
            .symbols("RED", "GREEN")
            .noDefault()
            .optionalDouble("EDA")
            .name("flag")
            .type()
            .booleanType()
            .noDefault()
            .name("HR")
            .type()
            .unionOf()
            .nullType()
            .and()
            .intType()
            .and()
            .doubleType()
            .endUnion()
            .noDefault()
            .requiredFloat("TEMP")
            .requiredLong("nurse")
            .requiredLong("ts")
            .endRecord();
    AvroReadingDecoder d =
        AvroReadingDecoder.compile(schema, "nurse", "ts", TIMESTAMPS, WindowSpec.NURSE_FIELDS);
    GenericDatumReader<GenericRecord> generic = new GenericDatumReader<>(schema);
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < 2_000; i++) {
      GenericRecord r = new GenericData.Record(schema);
      r.put("tags", Map.of("k" + i, "v", "z", "w" + i));
      r.put("X", random.nextDouble());
      r.put("list", List.of(1, 2, random.nextInt()));
      r.put("Y", random.nextInt());
      GenericRecord in = new GenericData.Record(inner);
      in.put("s", "inner" + i);
      in.put("l", random.nextLong());
      r.put("in", in);
      r.put("Z", random.nextLong(-1_000_000, 1_000_000));
      r.put("blob", java.nio.ByteBuffer.wrap(new byte[random.nextInt(20)]));
      r.put("fx", new GenericData.Fixed(schema.getField("fx").schema(), new byte[] {1, 2, 3, 4}));
      r.put("color", new GenericData.EnumSymbol(schema.getField("color").schema(), "GREEN"));
      r.put("EDA", random.nextBoolean() ? null : random.nextDouble());
      r.put("flag", random.nextBoolean());
      int hr = random.nextInt(3);
      r.put(
          "HR",
          hr == 0 ? null : hr == 1 ? (Object) random.nextInt(200) : (Object) random.nextDouble());
      r.put("TEMP", (float) random.nextDouble());
      r.put("nurse", random.nextLong(100));
      r.put("ts", random.nextLong(0, 2_000_000_000_000L));
      byte[] bytes = NurseRecords.encode(r, schema);

      GenericRecord viaAvro = generic.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
      Reading viaPlan = d.decode(bytes, -1);

      float[] expected = new float[6];
      String[] names = {"X", "Y", "Z", "EDA", "HR", "TEMP"};
      for (int f = 0; f < 6; f++) {
        Object v = viaAvro.get(names[f]);
        expected[f] = v == null ? 0f : ((Number) v).floatValue();
      }
      assertThat(viaPlan)
          .isEqualTo(
              new Reading(viaAvro.get("nurse").toString(), (Long) viaAvro.get("ts"), expected));
    }
  }

  @Test
  void schemaWithoutAField_isRejectedNamingIt() {
    Schema schema =
        SchemaBuilder.record("R").fields().optionalFloat("X").requiredString("id").endRecord();

    assertThatThrownBy(
            () ->
                AvroReadingDecoder.compile(
                    schema, "id", "datetime", TIMESTAMPS, WindowSpec.NURSE_FIELDS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("processing.timestamp_field 'datetime'")
        .hasMessageContaining("'HR'");
  }

  @Test
  void numericFieldOfWrongType_isRejected() {
    Schema schema =
        SchemaBuilder.record("R")
            .fields()
            .requiredString("X")
            .optionalFloat("Y")
            .optionalFloat("Z")
            .optionalFloat("EDA")
            .optionalFloat("HR")
            .optionalFloat("TEMP")
            .requiredString("id")
            .requiredString("datetime")
            .endRecord();

    assertThatThrownBy(
            () ->
                AvroReadingDecoder.compile(
                    schema, "id", "datetime", TIMESTAMPS, WindowSpec.NURSE_FIELDS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'X'");
  }

  @Test
  void schemaFile_loadedOrRejected(@TempDir Path dir) throws IOException {
    Path good = dir.resolve("s.avsc");
    Files.writeString(good, NurseRecords.SCHEMA.toString());
    Path bad = dir.resolve("bad.avsc");
    Files.writeString(bad, "{ not a schema");

    assertThat(AvroReadingDecoder.loadSchema(good)).isEqualTo(NurseRecords.SCHEMA);
    assertThatThrownBy(() -> AvroReadingDecoder.loadSchema(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("processing.schema_file");
  }

  @Test
  void manyDistinctKeys_allDecodedCorrectly() throws Exception {
    for (int i = 0; i < 5_000; i++) {
      String id = "key-" + i;
      byte[] bytes = NurseRecords.encode(NurseRecords.deterministic(id, 1_700_000_000_000L + i));

      assertThat(decoder.decode(bytes, -1).key()).isEqualTo(id);
      assertThat(decoder.decode(bytes, -1).key()).isEqualTo(id);
    }
  }
}
