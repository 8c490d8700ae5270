package io.fallback.core.window;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Tumbling event-time windows as the primary computes them (Flink's {@code
 * TumblingEventTimeWindows} with a bounded-out-of-orderness watermark).
 *
 * <ul>
 *   <li>Window of a record: {@code start = ts - floorMod(ts, size)}, {@code end = start + size}.
 *   <li>Watermark of a partition: {@code maxEventTime - maxOutOfOrderness - 1 ms}.
 *   <li>A window fires when the watermark reaches {@code end - 1 ms}; its point time is {@code end
 *       - 1 ms}.
 * </ul>
 *
 * @param size the window length ({@code processing.window_seconds}), positive
 * @param maxOutOfOrderness how late a record may be ({@code
 *     processing.max_out_of_orderness_seconds}), not negative
 * @param fieldNames names of the numeric fields, in {@link Reading} order, for example X, Y, Z,
 *     EDA, HR, TEMP
 */
public record WindowSpec(Duration size, Duration maxOutOfOrderness, List<String> fieldNames) {

  /** The nurse-stress fields, in the order of the Avro schema. */
  public static final List<String> NURSE_FIELDS = List.of("X", "Y", "Z", "EDA", "HR", "TEMP");

  /**
   * Validates the components.
   *
   * @throws IllegalArgumentException naming the key and value of an invalid component
   */
  public WindowSpec {
    Objects.requireNonNull(size, "size");
    Objects.requireNonNull(maxOutOfOrderness, "maxOutOfOrderness");
    fieldNames = List.copyOf(fieldNames);
    if (size.toMillis() <= 0) {
      throw new IllegalArgumentException(
          "processing.window_seconds must be > 0, but was " + size.toMillis() / 1000.0);
    }
    if (maxOutOfOrderness.isNegative()) {
      throw new IllegalArgumentException(
          "processing.max_out_of_orderness_seconds must be >= 0, but was "
              + maxOutOfOrderness.toMillis() / 1000.0);
    }
    if (fieldNames.isEmpty()) {
      throw new IllegalArgumentException("fieldNames must not be empty");
    }
  }

  /**
   * The seed's windows: 5 s, 5 s out-of-orderness, the nurse fields.
   *
   * @return the default spec
   */
  public static WindowSpec ofDefaults() {
    return new WindowSpec(Duration.ofSeconds(5), Duration.ofSeconds(5), NURSE_FIELDS);
  }

  /**
   * The start of the window holding {@code eventTime}, exactly as Flink computes it with offset 0.
   *
   * @param eventTime epoch milliseconds
   * @return window start, epoch milliseconds
   */
  public long windowStart(long eventTime) {
    return eventTime - Math.floorMod(eventTime, size.toMillis());
  }
}
