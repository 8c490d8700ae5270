package io.fallback.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.fallback.core.window.Reading;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decodes one JSON object per record value ({@code processing.format: json}) with Jackson's
 * streaming parser: numeric fields as numbers or null (null reads as 0), the key as a string or
 * number, the timestamp as a string in the configured layout or a number of epoch milliseconds.
 * Unknown fields are skipped. Not thread-safe: one instance per consumer thread.
 */
final class JsonReadingDecoder implements ReadingDecoder {

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final int KEY = -1;
  private static final int TIMESTAMP = -2;

  private final Map<String, Integer> slots = new HashMap<>();
  private final int valueCount;
  private final String keyField;
  private final String timestampField;
  private final TimestampParser timestamps;

  JsonReadingDecoder(
      String keyField,
      String timestampField,
      TimestampParser timestamps,
      List<String> valueFields) {
    this.keyField = Objects.requireNonNull(keyField, "keyField");
    this.timestampField = timestampField;
    this.timestamps = Objects.requireNonNull(timestamps, "timestamps");
    this.valueCount = valueFields.size();
    for (int i = 0; i < valueFields.size(); i++) {
      slots.put(valueFields.get(i), i);
    }
    slots.put(keyField, KEY);
    if (timestampField != null) {
      slots.put(timestampField, TIMESTAMP);
    }
  }

  @Override
  public Reading decode(byte[] value, long kafkaTimestamp) throws DecodeException {
    ReadingDecoder.requireValue(value);
    float[] values = new float[valueCount];
    String key = null;
    String tsText = null;
    long ts = kafkaTimestamp;
    boolean tsPresent = timestampField == null;
    try (JsonParser p = FACTORY.createParser(value)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new DecodeException(DeadLetterReason.UNDECODABLE, "not a JSON object");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (v == null) {
          throw new DecodeException(
              DeadLetterReason.UNDECODABLE, "truncated JSON after field " + name);
        }
        Integer slot = slots.get(name);
        if (slot == null) {
          p.skipChildren();
        } else if (slot == KEY) {
          if (v == JsonToken.VALUE_STRING || v.isNumeric()) {
            key = p.getText();
          } else if (v != JsonToken.VALUE_NULL) {
            throw new DecodeException(
                DeadLetterReason.UNDECODABLE, "field " + name + " is " + v + ", not a string");
          }
        } else if (slot == TIMESTAMP) {
          if (v == JsonToken.VALUE_STRING) {
            tsText = p.getText();
            tsPresent = true;
          } else if (v == JsonToken.VALUE_NUMBER_INT) {
            ts = p.getLongValue();
            tsPresent = true;
          } else if (v != JsonToken.VALUE_NULL) {
            throw new DecodeException(DeadLetterReason.BAD_TIMESTAMP, "field " + name + " is " + v);
          }
        } else if (v.isNumeric()) {
          values[slot] = p.getFloatValue();
        } else if (v != JsonToken.VALUE_NULL) {
          throw new DecodeException(
              DeadLetterReason.UNDECODABLE, "field " + name + " is " + v + ", not a number");
        }
      }
      if (t != JsonToken.END_OBJECT) {
        throw new DecodeException(
            DeadLetterReason.UNDECODABLE, "unexpected " + t + " in the JSON object");
      }
    } catch (IOException e) {
      throw new DecodeException(DeadLetterReason.UNDECODABLE, "not valid JSON: " + e.getMessage());
    }
    if (key == null) {
      throw new DecodeException(
          DeadLetterReason.MISSING_KEY, "field " + keyField + " is absent or null");
    }
    if (!tsPresent) {
      throw new DecodeException(
          DeadLetterReason.MISSING_TIMESTAMP, "field " + timestampField + " is absent or null");
    }
    if (tsText != null) {
      ts = timestamps.parse(tsText);
    }
    return new Reading(key, ts, values);
  }
}
