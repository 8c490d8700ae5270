package io.fallback.examples;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * One wearable-sensor reading as the producer sends it: a {@code SensorRecord} of {@code
 * nurse_sensor_event.avsc}. The six numeric fields may be null (the schema allows it); {@code id}
 * and the event time never are.
 *
 * @param id the nurse id (the Kafka key and the window key)
 * @param eventTime event time, epoch milliseconds; written as {@code datetime} in {@link #DATETIME}
 *     (UTC) and as the Kafka record timestamp
 * @param x accelerometer X, or null
 * @param y accelerometer Y, or null
 * @param z accelerometer Z, or null
 * @param eda electrodermal activity (µS), or null
 * @param hr heart rate (bpm), or null
 * @param temp skin temperature (°C), or null
 */
public record SensorReading(
    String id, long eventTime, Float x, Float y, Float z, Float eda, Float hr, Float temp) {

  /** The layout of {@code datetime}, UTC: {@code yyyy-MM-dd HH:mm:ss.SSS}. */
  public static final DateTimeFormatter DATETIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  /** Number of numeric fields. */
  public static final int FIELDS = 6;

  /**
   * Validates the components.
   *
   * @throws NullPointerException for a null id
   */
  public SensorReading {
    Objects.requireNonNull(id, "id");
  }

  /**
   * The {@code datetime} string of this reading.
   *
   * @return the event time in {@link #DATETIME}
   */
  public String datetime() {
    return DATETIME.format(Instant.ofEpochMilli(eventTime));
  }

  /**
   * Numeric field {@code i} in schema order (X, Y, Z, EDA, HR, TEMP), or null.
   *
   * @param i 0 to 5
   * @return the value, or null
   * @throws IndexOutOfBoundsException for another index
   */
  public Float value(int i) {
    return field(i, x, y, z, eda, hr, temp);
  }

  /**
   * Field {@code i} of the six numeric fields in schema order, for this record and {@link
   * SensorEvent} alike.
   *
   * @throws IndexOutOfBoundsException for an index outside [0, 6)
   */
  static Float field(int i, Float x, Float y, Float z, Float eda, Float hr, Float temp) {
    return switch (i) {
      case 0 -> x;
      case 1 -> y;
      case 2 -> z;
      case 3 -> eda;
      case 4 -> hr;
      case 5 -> temp;
      default -> throw new IndexOutOfBoundsException("field index " + i + " is not in [0, 6)");
    };
  }

  /**
   * Numeric field {@code i} as the primary job sums it: a null counts as 0.
   *
   * @param i 0 to 5
   * @return the value, 0 for null
   */
  public float valueOrZero(int i) {
    Float v = value(i);
    return v == null ? 0f : v;
  }
}
