package io.fallback.examples;

/**
 * A decoded sensor record inside the Flink job (a Flink POJO: public fields, no-argument
 * constructor). Numeric fields keep their nulls; the job's aggregate counts a null as 0, as the
 * seed's job did.
 *
 * <p>Not thread-safe (a mutable value).
 */
public class SensorEvent {

  /** The nurse id. */
  public String id;

  /** Event time: {@code datetime} parsed as UTC, epoch milliseconds. */
  public long eventTime;

  /** Accelerometer X, or null. */
  public Float x;

  /** Accelerometer Y, or null. */
  public Float y;

  /** Accelerometer Z, or null. */
  public Float z;

  /** Electrodermal activity, or null. */
  public Float eda;

  /** Heart rate, or null. */
  public Float hr;

  /** Skin temperature, or null. */
  public Float temp;

  /** An empty event, for Flink's serializer. */
  public SensorEvent() {}

  /**
   * Numeric field {@code i} in schema order (X, Y, Z, EDA, HR, TEMP), null as 0.
   *
   * @param i 0 to 5
   * @return the value, or 0 for null
   */
  public double valueOrZero(int i) {
    Float v = SensorReading.field(i, x, y, z, eda, hr, temp);
    return v == null ? 0 : v;
  }

  @Override
  public String toString() {
    return "SensorEvent[" + id + " @" + eventTime + "]";
  }
}
