package io.fallback.kafka;

import java.util.Locale;

/** How the values on the input topic are encoded ({@code processing.format}). */
public enum RecordFormat {
  /**
   * One raw Avro binary datum per value: no schema registry, no magic byte (the nurse producer).
   */
  AVRO,
  /** One JSON object per value, field names as in the Avro schema. */
  JSON;

  /**
   * Parses the YAML value.
   *
   * @param value {@code avro} or {@code json}, any case
   * @return the format
   * @throws IllegalArgumentException naming {@code processing.format} for anything else
   */
  public static RecordFormat parse(String value) {
    if (value != null) {
      for (RecordFormat f : values()) {
        if (f.name().equalsIgnoreCase(value.trim())) {
          return f;
        }
      }
    }
    throw new IllegalArgumentException(
        "processing.format must be one of avro, json, but was " + value);
  }

  /**
   * The YAML spelling.
   *
   * @return {@code avro} or {@code json}
   */
  public String yamlValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
