package io.fallback.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/**
 * Raw Avro binary datums of {@code nurse_sensor_event.avsc} (a copy of the seed's schema in this
 * module's resources), encoded and decoded with Apache Avro's generic API: no schema registry, no
 * header, exactly what the seed's producer wrote to {@code stress-topic}.
 *
 * <p>Not thread-safe: it reuses its encoder and decoder; use one instance per thread.
 */
public final class SensorAvro {

  /** Classpath location of the schema. */
  public static final String SCHEMA_RESOURCE = "/io/fallback/examples/nurse_sensor_event.avsc";

  private static final String[] FIELD_NAMES = {"X", "Y", "Z", "EDA", "HR", "TEMP"};

  private final Schema schema;
  private final GenericDatumWriter<GenericRecord> writer;
  private final GenericDatumReader<GenericRecord> reader;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(64);
  private BinaryEncoder encoder;
  private BinaryDecoder decoder;

  /** Creates a codec for the built-in schema. */
  public SensorAvro() {
    this.schema = schema();
    this.writer = new GenericDatumWriter<>(schema);
    this.reader = new GenericDatumReader<>(schema);
  }

  /**
   * The seed's schema, parsed from this module's resources.
   *
   * @return a new {@link Schema} of {@code SensorRecord}
   * @throws UncheckedIOException if the resource cannot be read
   */
  public static Schema schema() {
    try (InputStream in = SensorAvro.class.getResourceAsStream(SCHEMA_RESOURCE)) {
      if (in == null) {
        throw new UncheckedIOException(new IOException("missing resource " + SCHEMA_RESOURCE));
      }
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + SCHEMA_RESOURCE, e);
    }
  }

  /**
   * Encodes a reading as one Avro binary datum.
   *
   * @param reading the reading
   * @return the datum's bytes
   */
  public byte[] encode(SensorReading reading) {
    GenericRecord record = new GenericData.Record(schema);
    for (int i = 0; i < SensorReading.FIELDS; i++) {
      record.put(FIELD_NAMES[i], reading.value(i));
    }
    record.put("id", reading.id());
    record.put("datetime", reading.datetime());
    return encode(record);
  }

  /**
   * Encodes any record of the schema, for example one with a null {@code id} or a malformed {@code
   * datetime}.
   *
   * @param record a record of {@link #schema()}
   * @return the datum's bytes
   */
  public byte[] encode(GenericRecord record) {
    buffer.reset();
    encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
    try {
      writer.write(record, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode " + record, e);
    }
    return buffer.toByteArray();
  }

  /**
   * Decodes one datum.
   *
   * @param datum the bytes of one record
   * @return the record
   * @throws IOException if the bytes are not a datum of the schema
   */
  public GenericRecord decode(byte[] datum) throws IOException {
    decoder = DecoderFactory.get().binaryDecoder(datum, decoder);
    return reader.read(null, decoder);
  }

  /**
   * @return a new empty record of the schema
   */
  public GenericRecord newRecord() {
    return new GenericData.Record(schema);
  }
}
