package io.fallback.kafka;

import io.fallback.core.window.Reading;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * Decodes raw Avro binary datums (no schema registry, no magic byte) with a plan compiled once from
 * the writer schema: for each field in schema order, whether it is the key, the timestamp, a
 * numeric field (and its index in the {@code Reading}) or skipped, and for each of its union
 * branches the operation that reads it. Decoding walks the plan over the value's bytes, reading
 * union indexes and values directly: no {@code GenericRecord}, no per-field objects, keys shared
 * through a {@link KeyCache}, and the timestamp parsed in place by {@link TimestampParser}'s fast
 * path.
 *
 * <p>The bytes are read by {@link AvroBinaryReader} rather than a reused Avro {@code BinaryDecoder}
 * ({@code DecoderFactory.binaryDecoder(bytes, reuse)}): decoding 100 000 distinct 59-byte nurse
 * values in a loop, the {@code BinaryDecoder} version of the same plan took about 250 ns per record
 * on this (shared, 2-core) machine and this one about 190 ns, against about 110 ns for hand-inlined
 * code; DESIGN section 9 counts every 100 ns. Avro still parses the schema, and its {@code
 * GenericDatumReader} is the reference the equivalence tests compare with, on random records with
 * nulls and on schemas using every Avro type.
 *
 * <p>Field types accepted: numeric fields {@code float}, {@code double}, {@code int}, {@code long},
 * each optionally in a union with {@code null} (null reads as 0); the key {@code string}, {@code
 * int} or {@code long}; the timestamp {@code string} (parsed with the configured layout) or {@code
 * long} (epoch milliseconds). Other fields may have any type; they are skipped. Bytes after the
 * last field are ignored, as Avro's own {@code GenericDatumReader} ignores them.
 *
 * <p>Not thread-safe: one instance per consumer thread.
 */
final class AvroReadingDecoder implements ReadingDecoder {

  /** The built-in schema: {@code nurse_sensor_event.avsc} of the reference pipeline. */
  static final String NURSE_SCHEMA_RESOURCE = "nurse_sensor_event.avsc";

  private static final int SKIP = 0;
  private static final int KEY = 1;
  private static final int TIMESTAMP = 2;
  private static final int VALUE = 3;

  // operations of the plan, one per (field, union branch): a tableswitch, no enum switch on the hot
  // path
  private static final int OP_NULL = 0;
  private static final int OP_FLOAT = 1;
  private static final int OP_DOUBLE = 2;
  private static final int OP_INT = 3;
  private static final int OP_LONG = 4;
  private static final int OP_KEY_STRING = 5;
  private static final int OP_KEY_INT = 6;
  private static final int OP_KEY_LONG = 7;
  private static final int OP_TS_STRING = 8;
  private static final int OP_TS_LONG = 9;
  private static final int OP_SKIP = 10;

  private final int[] kinds;
  private final int[] targets;
  private final boolean[] unions;
  private final int[][] ops;
  private final Schema[][] branchSchemas;
  private final String[] fieldNames;
  private final int valueCount;
  private final String keyField;
  private final String timestampField;
  private final TimestampParser timestamps;
  private final KeyCache keys = new KeyCache();

  private final AvroBinaryReader reader = new AvroBinaryReader();

  private AvroReadingDecoder(
      Schema schema,
      String keyField,
      String timestampField,
      TimestampParser timestamps,
      List<String> valueFields) {
    this.keyField = keyField;
    this.timestampField = timestampField;
    this.timestamps = timestamps;
    this.valueCount = valueFields.size();
    if (schema.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException(
          "processing.schema_file must hold an Avro record schema, but its type is "
              + schema.getType());
    }
    List<Schema.Field> fields = schema.getFields();
    int n = fields.size();
    kinds = new int[n];
    targets = new int[n];
    unions = new boolean[n];
    ops = new int[n][];
    branchSchemas = new Schema[n][];
    fieldNames = new String[n];
    boolean[] valueSeen = new boolean[valueFields.size()];
    boolean keySeen = false;
    boolean tsSeen = false;
    for (int i = 0; i < n; i++) {
      Schema.Field f = fields.get(i);
      fieldNames[i] = f.name();
      Schema s = f.schema();
      unions[i] = s.getType() == Schema.Type.UNION;
      List<Schema> branches = unions[i] ? s.getTypes() : List.of(s);
      branchSchemas[i] = branches.toArray(new Schema[0]);
      int valueIndex = valueFields.indexOf(f.name());
      if (f.name().equals(keyField)) {
        kinds[i] = KEY;
        keySeen = true;
        requireBranches(
            f, "processing.key_field", Schema.Type.STRING, Schema.Type.INT, Schema.Type.LONG);
      } else if (f.name().equals(timestampField)) {
        kinds[i] = TIMESTAMP;
        tsSeen = true;
        requireBranches(f, "processing.timestamp_field", Schema.Type.STRING, Schema.Type.LONG);
      } else if (valueIndex >= 0) {
        kinds[i] = VALUE;
        targets[i] = valueIndex;
        valueSeen[valueIndex] = true;
        requireBranches(
            f,
            "the numeric field",
            Schema.Type.FLOAT,
            Schema.Type.DOUBLE,
            Schema.Type.INT,
            Schema.Type.LONG);
      } else {
        kinds[i] = SKIP;
      }
      ops[i] = new int[branches.size()];
      for (int b = 0; b < branches.size(); b++) {
        ops[i][b] = op(kinds[i], branches.get(b).getType());
      }
    }
    List<String> problems = new ArrayList<>();
    if (!keySeen) {
      problems.add(
          "processing.key_field '"
              + keyField
              + "' is not a field of schema "
              + schema.getFullName());
    }
    if (timestampField != null && !tsSeen) {
      problems.add(
          "processing.timestamp_field '"
              + timestampField
              + "' is not a field of schema "
              + schema.getFullName()
              + " (use kafka_timestamp for the Kafka record timestamp)");
    }
    for (int v = 0; v < valueSeen.length; v++) {
      if (!valueSeen[v]) {
        problems.add(
            "numeric field '"
                + valueFields.get(v)
                + "' is not a field of schema "
                + schema.getFullName());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", problems));
    }
  }

  /**
   * Compiles a decoder.
   *
   * @param schema the writer schema, a record
   * @param keyField the key field
   * @param timestampField the timestamp field, or null for the Kafka record timestamp
   * @param timestamps the parser of string timestamps
   * @param valueFields the numeric fields in {@code Reading} order
   * @return the decoder
   * @throws IllegalArgumentException if the schema lacks a field or a field has an unusable type
   */
  static AvroReadingDecoder compile(
      Schema schema,
      String keyField,
      String timestampField,
      TimestampParser timestamps,
      List<String> valueFields) {
    return new AvroReadingDecoder(
        Objects.requireNonNull(schema, "schema"),
        Objects.requireNonNull(keyField, "keyField"),
        timestampField,
        Objects.requireNonNull(timestamps, "timestamps"),
        List.copyOf(valueFields));
  }

  /** The built-in nurse schema. */
  static Schema nurseSchema() {
    try (InputStream in = AvroReadingDecoder.class.getResourceAsStream(NURSE_SCHEMA_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("resource " + NURSE_SCHEMA_RESOURCE + " is missing");
      }
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the built-in schema " + NURSE_SCHEMA_RESOURCE, e);
    }
  }

  /**
   * Parses a schema file.
   *
   * @throws IllegalArgumentException naming {@code processing.schema_file} if it cannot be read or
   *     parsed
   */
  static Schema loadSchema(Path file) {
    try {
      return new Schema.Parser().parse(Files.readString(file));
    } catch (IOException | SchemaParseException e) {
      throw new IllegalArgumentException(
          "processing.schema_file " + file + " is not a readable Avro schema: " + e.getMessage(),
          e);
    }
  }

  @Override
  public Reading decode(byte[] value, long kafkaTimestamp) throws DecodeException {
    ReadingDecoder.requireValue(value);
    float[] values = new float[valueCount];
    String key = null;
    boolean tsPresent = timestampField == null;
    boolean tsIsString = false;
    int tsLen = 0;
    int tsOffset = 0;
    long ts = kafkaTimestamp;
    int i = 0;
    try {
      AvroBinaryReader in = reader;
      in.reset(value);
      for (; i < ops.length; i++) {
        int[] fieldOps = ops[i];
        int branch = 0;
        if (unions[i]) {
          branch = in.readInt();
          if (branch < 0 || branch >= fieldOps.length) {
            throw new DecodeException(
                DeadLetterReason.UNDECODABLE,
                "not a datum of the schema: union index " + branch + " out of range");
          }
        }
        switch (fieldOps[branch]) {
          case OP_NULL:
            break; // a null number adds 0 (the array is zeroed); a null key or timestamp stays
          // absent
          case OP_FLOAT:
            values[targets[i]] = in.readFloat();
            break;
          case OP_DOUBLE:
            values[targets[i]] = (float) in.readDouble();
            break;
          case OP_INT:
            values[targets[i]] = in.readInt();
            break;
          case OP_LONG:
            values[targets[i]] = in.readLong();
            break;
          case OP_KEY_STRING:
            {
              int len = in.readLength();
              key = keys.get(in.buffer(), in.position(), len);
              in.skipBytes(len);
              break;
            }
          case OP_KEY_INT:
            key = Integer.toString(in.readInt());
            break;
          case OP_KEY_LONG:
            key = Long.toString(in.readLong());
            break;
          case OP_TS_STRING:
            tsLen = in.readLength();
            tsOffset = in.position();
            in.skipBytes(tsLen);
            tsIsString = true;
            tsPresent = true;
            break;
          case OP_TS_LONG:
            ts = in.readLong();
            tsPresent = true;
            break;
          default:
            in.skip(branchSchemas[i][branch]);
        }
      }
    } catch (DecodeException e) {
      if (!e.reason().equals(DeadLetterReason.UNDECODABLE)) {
        throw e;
      }
      throw new DecodeException(
          DeadLetterReason.UNDECODABLE, "field " + fieldNames[i] + ": " + e.getMessage());
    }
    if (key == null) {
      throw new DecodeException(DeadLetterReason.MISSING_KEY, "field " + keyField + " is null");
    }
    if (!tsPresent) {
      throw new DecodeException(
          DeadLetterReason.MISSING_TIMESTAMP, "field " + timestampField + " is null");
    }
    if (tsIsString) {
      ts = timestamps.parse(value, tsOffset, tsLen);
    }
    return new Reading(key, ts, values);
  }

  /**
   * The operation decoding one branch of a field; the types were checked by {@code
   * requireBranches}.
   */
  private static int op(int kind, Schema.Type type) {
    if (type == Schema.Type.NULL) {
      return OP_NULL;
    }
    switch (kind) {
      case VALUE:
        return type == Schema.Type.FLOAT
            ? OP_FLOAT
            : type == Schema.Type.DOUBLE ? OP_DOUBLE : type == Schema.Type.INT ? OP_INT : OP_LONG;
      case KEY:
        return type == Schema.Type.STRING
            ? OP_KEY_STRING
            : type == Schema.Type.INT ? OP_KEY_INT : OP_KEY_LONG;
      case TIMESTAMP:
        return type == Schema.Type.STRING ? OP_TS_STRING : OP_TS_LONG;
      default:
        return OP_SKIP;
    }
  }

  private static void requireBranches(Schema.Field f, String role, Schema.Type... allowed) {
    Schema s = f.schema();
    List<Schema> branches = s.getType() == Schema.Type.UNION ? s.getTypes() : List.of(s);
    for (Schema b : branches) {
      if (b.getType() == Schema.Type.NULL) {
        continue;
      }
      boolean ok = false;
      for (Schema.Type t : allowed) {
        ok |= b.getType() == t;
      }
      if (!ok) {
        throw new IllegalArgumentException(
            role
                + " '"
                + f.name()
                + "' has Avro type "
                + s
                + "; allowed: null and "
                + java.util.Arrays.toString(allowed));
      }
    }
  }
}
