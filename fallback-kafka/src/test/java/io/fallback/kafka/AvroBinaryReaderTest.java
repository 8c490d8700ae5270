package io.fallback.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

class AvroBinaryReaderTest {

  private final AvroBinaryReader reader = new AvroBinaryReader();

  private static byte[] encode(java.util.function.Consumer<BinaryEncoder> write) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
    write.accept(e);
    e.flush();
    return out.toByteArray();
  }

  @Test
  void primitives_readAsAvroWritesThem() throws Exception {
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 0; i < 10_000; i++) {
      int n =
          i < 10
              ? new int[] {0, -1, 1, Integer.MIN_VALUE, Integer.MAX_VALUE, 63, 64, -64, -65, 8191}
                  [i]
              : random.nextInt();
      long l = i < 3 ? new long[] {Long.MIN_VALUE, Long.MAX_VALUE, 0}[i] : random.nextLong();
      float f = (float) random.nextDouble(-1e6, 1e6);
      double d = random.nextDouble();
      byte[] bytes =
          encode(
              e -> {
                try {
                  e.writeInt(n);
                  e.writeLong(l);
                  e.writeFloat(f);
                  e.writeDouble(d);
                  e.writeString("héllo");
                } catch (java.io.IOException x) {
                  throw new java.io.UncheckedIOException(x);
                }
              });
      reader.reset(bytes);

      assertThat(reader.readInt()).isEqualTo(n);
      assertThat(reader.readLong()).isEqualTo(l);
      assertThat(reader.readFloat()).isEqualTo(f);
      assertThat(reader.readDouble()).isEqualTo(d);
      int len = reader.readLength();
      assertThat(
              new String(
                  reader.buffer(), reader.position(), len, java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo("héllo");
    }
  }

  @Test
  void blockEncodedArraysAndMaps_skippedBySize() throws Exception {
    Schema schema =
        SchemaBuilder.record("R")
            .fields()
            .name("list")
            .type()
            .array()
            .items()
            .stringType()
            .noDefault()
            .name("tags")
            .type()
            .map()
            .values()
            .longType()
            .noDefault()
            .requiredInt("after")
            .endRecord();
    GenericRecord r = new GenericData.Record(schema);
    r.put("list", List.of("a", "bb", "ccc"));
    r.put("tags", Map.of("x", 1L, "y", 2L));
    r.put("after", 42);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // the blocking encoder writes negative block counts followed by the block's size in bytes
    BinaryEncoder e = EncoderFactory.get().blockingBinaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(r, e);
    e.flush();
    reader.reset(out.toByteArray());

    reader.skip(schema.getField("list").schema());
    reader.skip(schema.getField("tags").schema());

    assertThat(reader.readInt()).isEqualTo(42);
  }

  @Test
  void overlongVarint_isUndecodable() {
    reader.reset(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1});

    assertThatThrownBy(reader::readInt)
        .isInstanceOfSatisfying(
            DecodeException.class, x -> assertThat(x.reason()).isEqualTo("undecodable"))
        .hasMessageContaining("invalid int");
  }

  @Test
  void hugeArrayCount_isUndecodableNotALongLoop() {
    Schema schema = SchemaBuilder.array().items().intType();
    reader.reset(new byte[] {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 2});

    assertThatThrownBy(() -> reader.skip(schema)).isInstanceOf(DecodeException.class);
  }
}
