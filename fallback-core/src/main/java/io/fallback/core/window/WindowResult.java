package io.fallback.core.window;

import java.util.Arrays;
import java.util.Objects;

/**
 * A completed window of one key: its bounds, record count and the mean of each field.
 *
 * <p>Means are computed as the primary does: sums in {@code double}, {@code mean = (float) (sum /
 * count)}. The array is not copied; treat it as read-only.
 */
public final class WindowResult {

  private final String key;
  private final long start;
  private final long end;
  private final long count;
  private final float[] means;
  private final int partition;

  /** The partition of a result whose source partition is not known. */
  public static final int UNKNOWN_PARTITION = -1;

  /**
   * Creates a result whose source partition is not known.
   *
   * @param key the key
   * @param start window start, epoch milliseconds
   * @param end window end (exclusive), epoch milliseconds
   * @param count records in the window, positive
   * @param means mean per field, in {@link WindowSpec#fieldNames()} order; not copied
   */
  public WindowResult(String key, long start, long end, long count, float[] means) {
    this(key, start, end, count, means, UNKNOWN_PARTITION);
  }

  /**
   * Creates a result.
   *
   * @param key the key
   * @param start window start, epoch milliseconds
   * @param end window end (exclusive), epoch milliseconds
   * @param count records in the window, positive
   * @param means mean per field, in {@link WindowSpec#fieldNames()} order; not copied
   * @param partition the source partition its records were read from, or {@link #UNKNOWN_PARTITION}
   */
  public WindowResult(String key, long start, long end, long count, float[] means, int partition) {
    this.key = Objects.requireNonNull(key, "key");
    if (end <= start) {
      throw new IllegalArgumentException("end must be > start (" + start + "), but was " + end);
    }
    if (count <= 0) {
      throw new IllegalArgumentException("count must be > 0, but was " + count);
    }
    this.start = start;
    this.end = end;
    this.count = count;
    this.means = Objects.requireNonNull(means, "means");
    this.partition = partition;
  }

  /**
   * The source partition its records were read from: provenance, not part of the value ({@link
   * #equals} ignores it).
   *
   * @return the partition, or {@link #UNKNOWN_PARTITION}
   */
  public int partition() {
    return partition;
  }

  /**
   * @return the key
   */
  public String key() {
    return key;
  }

  /**
   * @return window start, epoch milliseconds
   */
  public long start() {
    return start;
  }

  /**
   * @return window end (exclusive), epoch milliseconds
   */
  public long end() {
    return end;
  }

  /**
   * @return the point time the primary writes: {@code end - 1 ms}
   */
  public long pointTime() {
    return end - 1;
  }

  /**
   * @return the number of records in the window
   */
  public long count() {
    return count;
  }

  /**
   * The mean of field {@code i}.
   *
   * @param i field index
   * @return the mean
   */
  public float mean(int i) {
    return means[i];
  }

  /**
   * @return the number of fields
   */
  public int size() {
    return means.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WindowResult w
        && w.start == start
        && w.end == end
        && w.count == count
        && w.key.equals(key)
        && Arrays.equals(w.means, means);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, start, end, count, Arrays.hashCode(means));
  }

  @Override
  public String toString() {
    return "WindowResult[key="
        + key
        + ", start="
        + start
        + ", end="
        + end
        + ", count="
        + count
        + ", means="
        + Arrays.toString(means)
        + "]";
  }
}
