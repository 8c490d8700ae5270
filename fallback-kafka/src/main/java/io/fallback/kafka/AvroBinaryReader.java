package io.fallback.kafka;

import org.apache.avro.Schema;

/**
 * Reads the Avro binary encoding straight from a byte array: zig-zag varints, little-endian floats
 * and doubles, length-prefixed strings, and skips a value of any schema. It replaces Avro's {@code
 * BinaryDecoder} on the hot path (see {@link AvroReadingDecoder} for the measurement). Every read
 * is bounds-checked: a truncated or corrupt value raises {@link DecodeException} ({@code
 * undecodable}), never an unchecked exception or a huge allocation. Avro's {@code
 * GenericDatumReader} is the reference the tests compare it with.
 *
 * <p>Not thread-safe; reused for every record by one decoder.
 */
final class AvroBinaryReader {

  private byte[] buf;
  private int pos;
  private int limit;

  /** Starts reading {@code value} from its first byte. */
  void reset(byte[] value) {
    this.buf = value;
    this.pos = 0;
    this.limit = value.length;
  }

  /**
   * @return bytes read so far
   */
  int position() {
    return pos;
  }

  /**
   * @return the array being read
   */
  byte[] buffer() {
    return buf;
  }

  int readInt() throws DecodeException {
    int n = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (pos >= limit) {
        throw truncated();
      }
      int b = buf[pos++] & 0xff;
      n |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return (n >>> 1) ^ -(n & 1);
      }
    }
    throw invalid("int");
  }

  long readLong() throws DecodeException {
    long n = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos >= limit) {
        throw truncated();
      }
      int b = buf[pos++] & 0xff;
      n |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return (n >>> 1) ^ -(n & 1);
      }
    }
    throw invalid("long");
  }

  float readFloat() throws DecodeException {
    need(4);
    int p = pos;
    int bits =
        (buf[p] & 0xff)
            | (buf[p + 1] & 0xff) << 8
            | (buf[p + 2] & 0xff) << 16
            | (buf[p + 3] & 0xff) << 24;
    pos = p + 4;
    return Float.intBitsToFloat(bits);
  }

  double readDouble() throws DecodeException {
    need(8);
    int p = pos;
    long lo =
        (buf[p] & 0xff)
            | (buf[p + 1] & 0xff) << 8
            | (buf[p + 2] & 0xff) << 16
            | (long) (buf[p + 3] & 0xff) << 24;
    long hi =
        (buf[p + 4] & 0xff)
            | (buf[p + 5] & 0xff) << 8
            | (buf[p + 6] & 0xff) << 16
            | (long) (buf[p + 7] & 0xff) << 24;
    pos = p + 8;
    return Double.longBitsToDouble(lo | hi << 32);
  }

  /**
   * Reads the length of a string or bytes value and checks it against the bytes left.
   *
   * @return the length; the content starts at {@link #position()}
   */
  int readLength() throws DecodeException {
    long len = readLong();
    if (len < 0 || len > limit - pos) {
      throw new DecodeException(
          DeadLetterReason.UNDECODABLE,
          "not a datum of the schema: length "
              + len
              + " at byte "
              + pos
              + " of a value of "
              + limit
              + " bytes");
    }
    return (int) len;
  }

  /** Advances over {@code n} bytes. */
  void skipBytes(long n) throws DecodeException {
    if (n < 0 || n > limit - pos) {
      throw truncated();
    }
    pos += (int) n;
  }

  /** Skips one value of {@code schema}. */
  void skip(Schema schema) throws DecodeException {
    switch (schema.getType()) {
      case NULL:
        return;
      case BOOLEAN:
        skipBytes(1);
        return;
      case INT:
      case ENUM:
        readInt();
        return;
      case LONG:
        readLong();
        return;
      case FLOAT:
        skipBytes(4);
        return;
      case DOUBLE:
        skipBytes(8);
        return;
      case STRING:
      case BYTES:
        skipBytes(readLength());
        return;
      case FIXED:
        skipBytes(schema.getFixedSize());
        return;
      case ARRAY:
        skipBlocks(null, schema.getElementType());
        return;
      case MAP:
        skipBlocks(Schema.create(Schema.Type.STRING), schema.getValueType());
        return;
      case RECORD:
        for (Schema.Field f : schema.getFields()) {
          skip(f.schema());
        }
        return;
      case UNION:
        int branch = readInt();
        if (branch < 0 || branch >= schema.getTypes().size()) {
          throw new DecodeException(
              DeadLetterReason.UNDECODABLE,
              "not a datum of the schema: union index " + branch + " out of range");
        }
        skip(schema.getTypes().get(branch));
        return;
      default:
        throw new DecodeException(
            DeadLetterReason.UNDECODABLE, "cannot skip Avro type " + schema.getType());
    }
  }

  /** Array or map blocks: a count, negative when followed by the block's size in bytes, until 0. */
  private void skipBlocks(Schema keys, Schema items) throws DecodeException {
    for (long count = readLong(); count != 0; count = readLong()) {
      if (count < 0) {
        skipBytes(readLong());
        continue;
      }
      // every item takes at least one byte unless it is null: a larger count cannot be valid here
      if (count > limit - pos && items.getType() != Schema.Type.NULL) {
        throw truncated();
      }
      for (long i = 0; i < count; i++) {
        if (keys != null) {
          skip(keys);
        }
        skip(items);
      }
    }
  }

  private void need(int n) throws DecodeException {
    if (limit - pos < n) {
      throw truncated();
    }
  }

  private DecodeException truncated() {
    return new DecodeException(
        DeadLetterReason.UNDECODABLE,
        "not a datum of the schema: value ends after " + limit + " bytes");
  }

  private DecodeException invalid(String type) {
    return new DecodeException(
        DeadLetterReason.UNDECODABLE,
        "not a datum of the schema: invalid " + type + " encoding at byte " + pos);
  }
}
