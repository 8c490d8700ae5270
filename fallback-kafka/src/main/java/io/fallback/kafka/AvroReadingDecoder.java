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
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Decodes raw Avro binary datums (no schema registry, no magic byte) with a plan compiled once from the
 * writer schema: for each field in schema order, whether it is the key, the timestamp, a numeric field
 * (and its index in the {@code Reading}) or skipped, plus the types of its union branches. Decoding walks
 * the plan over a reused {@link BinaryDecoder}, reading union indexes and values directly: no
 * {@code GenericRecord}, no per-field objects, keys shared through a {@link KeyCache}, and the timestamp
 * parsed from its bytes by {@link TimestampParser}'s fast path.
 *
 * <p>Field types accepted: numeric fields {@code float}, {@code double}, {@code int}, {@code long}, each
 * optionally in a union with {@code null} (null reads as 0); the key {@code string}, {@code int} or
 * {@code long}; the timestamp {@code string} (parsed with the configured layout) or {@code long} (epoch
 * milliseconds). Other fields may have any type; they are skipped. Bytes after the last field are ignored,
 * as Avro's own {@code GenericDatumReader} ignores them.
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

  // operations of the plan, one per (field, union branch): a tableswitch, no enum switch on the hot path
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

  private BinaryDecoder decoder;
  private byte[] keyBuf = new byte[64];
  private byte[] tsBuf = new byte[32];

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
          "processing.schema_file must hold an Avro record schema, but its type is " + schema.getType());
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
        requireBranches(f, "processing.key_field", Schema.Type.STRING, Schema.Type.INT, Schema.Type.LONG);
      } else if (f.name().equals(timestampField)) {
        kinds[i] = TIMESTAMP;
        tsSeen = true;
        requireBranches(f, "processing.timestamp_field", Schema.Type.STRING, Schema.Type.LONG);
      } else if (valueIndex >= 0) {
        kinds[i] = VALUE;
        targets[i] = valueIndex;
        valueSeen[valueIndex] = true;
        requireBranches(
            f, "the numeric field", Schema.Type.FLOAT, Schema.Type.DOUBLE, Schema.Type.INT, Schema.Type.LONG);
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
      problems.add("processing.key_field '" + keyField + "' is not a field of schema " + schema.getFullName());
    }
    if (timestampField != null && !tsSeen) {
      problems.add(
          "processing.timestamp_field '" + timestampField + "' is not a field of schema "
              + schema.getFullName() + " (use kafka_timestamp for the Kafka record timestamp)");
    }
    for (int v = 0; v < valueSeen.length; v++) {
      if (!valueSeen[v]) {
        problems.add("numeric field '" + valueFields.get(v) + "' is not a field of schema " + schema.getFullName());
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
   * @throws IllegalArgumentException naming {@code processing.schema_file} if it cannot be read or parsed
   */
  static Schema loadSchema(Path file) {
    try {
      return new Schema.Parser().parse(Files.readString(file));
    } catch (IOException | SchemaParseException e) {
      throw new IllegalArgumentException(
          "processing.schema_file " + file + " is not a readable Avro schema: " + e.getMessage(), e);
    }
  }

  @Override
  public Reading decode(byte[] value, long kafkaTimestamp) throws DecodeException {
    if (value == null) {
      throw new DecodeException(DeadLetterReason.UNDECODABLE, "the record has no value (tombstone)");
    }
    float[] values = new float[valueCount];
    String key = null;
    boolean tsPresent = timestampField == null;
    boolean tsIsString = false;
    int tsLen = 0;
    long ts = kafkaTimestamp;
    int i = 0;
    try {
      BinaryDecoder in = DecoderFactory.get().binaryDecoder(value, decoder);
      decoder = in;
      for (; i < ops.length; i++) {
        int[] fieldOps = ops[i];
        int branch = 0;
        if (unions[i]) {
          branch = in.readIndex();
          if (branch < 0 || branch >= fieldOps.length) {
            throw new DecodeException(
                DeadLetterReason.UNDECODABLE,
                "field " + fieldNames[i] + ": union index " + branch + " out of range");
          }
        }
        switch (fieldOps[branch]) {
          case OP_NULL:
            break; // a null number adds 0 (the array is zeroed); a null key or timestamp stays absent
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
              int len = readLength(in, value.length);
              if (keyBuf.length < len) {
                keyBuf = new byte[Math.max(len, keyBuf.length * 2)];
              }
              in.readFixed(keyBuf, 0, len);
              key = keys.get(keyBuf, len);
              break;
            }
          case OP_KEY_INT:
            key = Integer.toString(in.readInt());
            break;
          case OP_KEY_LONG:
            key = Long.toString(in.readLong());
            break;
          case OP_TS_STRING:
            tsLen = readLength(in, value.length);
            if (tsBuf.length < tsLen) {
              tsBuf = new byte[Math.max(tsLen, tsBuf.length * 2)];
            }
            in.readFixed(tsBuf, 0, tsLen);
            tsIsString = true;
            tsPresent = true;
            break;
          case OP_TS_LONG:
            ts = in.readLong();
            tsPresent = true;
            break;
          default:
            GenericDatumReader.skip(branchSchemas[i][branch], in);
        }
      }
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
      throw new DecodeException(
          DeadLetterReason.UNDECODABLE,
          "not a datum of the schema: field " + (i < fieldNames.length ? fieldNames[i] : "?")
              + " of " + value.length + " bytes: " + e);
    }
    if (key == null) {
      throw new DecodeException(DeadLetterReason.MISSING_KEY, "field " + keyField + " is null");
    }
    if (!tsPresent) {
      throw new DecodeException(DeadLetterReason.MISSING_TIMESTAMP, "field " + timestampField + " is null");
    }
    if (tsIsString) {
      ts = timestamps.parse(tsBuf, 0, tsLen);
    }
    return new Reading(key, ts, values);
  }

  /** The operation decoding one branch of a field; the types were checked by {@code requireBranches}. */
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
        return type == Schema.Type.STRING ? OP_KEY_STRING : type == Schema.Type.INT ? OP_KEY_INT : OP_KEY_LONG;
      case TIMESTAMP:
        return type == Schema.Type.STRING ? OP_TS_STRING : OP_TS_LONG;
      default:
        return OP_SKIP;
    }
  }

  /** A string's length, checked against the value's size so corrupt bytes cannot allocate gigabytes. */
  private static int readLength(BinaryDecoder in, int valueLength) throws IOException, DecodeException {
    long len = in.readLong();
    if (len < 0 || len > valueLength) {
      throw new DecodeException(
          DeadLetterReason.UNDECODABLE,
          "not a datum of the schema: string length " + len + " in a value of " + valueLength + " bytes");
    }
    return (int) len;
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
            role + " '" + f.name() + "' has Avro type " + s + "; allowed: null and "
                + java.util.Arrays.toString(allowed));
      }
    }
  }
}
