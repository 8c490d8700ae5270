package io.fallback.core.window;

import java.util.Arrays;
import java.util.Objects;

/**
 * One decoded input record, as the windowing stage needs it: a key, an event time and the numeric
 * fields in the order of the {@link WindowSpec}'s field names.
 *
 * <p>A null field in the input is decoded as {@code 0.0f}: it adds 0 to the window's sum and the
 * record still counts, exactly as the primary job computes it ({@code value == null ? 0 : value}).
 *
 * <p>Instances are immutable as long as the caller does not modify the array passed in; the array
 * is not copied, to keep the hot path free of copies.
 */
public final class Reading {

  private final String key;
  private final long eventTime;
  private final float[] values;

  /**
   * Creates a reading.
   *
   * @param key the key (the nurse id), never null
   * @param eventTime the event time, epoch milliseconds
   * @param values the numeric fields, nulls as 0; not copied
   */
  public Reading(String key, long eventTime, float[] values) {
    this.key = Objects.requireNonNull(key, "key");
    this.eventTime = eventTime;
    this.values = Objects.requireNonNull(values, "values");
  }

  /**
   * The key.
   *
   * @return the key
   */
  public String key() {
    return key;
  }

  /**
   * The event time.
   *
   * @return epoch milliseconds
   */
  public long eventTime() {
    return eventTime;
  }

  /**
   * The value of field {@code i}.
   *
   * @param i the field index
   * @return the value
   */
  public float value(int i) {
    return values[i];
  }

  /**
   * The number of fields.
   *
   * @return the field count
   */
  public int size() {
    return values.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Reading r
        && r.eventTime == eventTime
        && r.key.equals(key)
        && Arrays.equals(r.values, values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, eventTime, Arrays.hashCode(values));
  }

  @Override
  public String toString() {
    return "Reading[key="
        + key
        + ", eventTime="
        + eventTime
        + ", values="
        + Arrays.toString(values)
        + "]";
  }
}
