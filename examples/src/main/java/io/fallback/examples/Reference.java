package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import io.fallback.core.window.WindowSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The expected output, computed independently of both pipelines from what the {@link
 * SensorProducer} had acknowledged: every (id, window) with input, its record count, its means, its
 * point time and its stress level.
 *
 * <p>Definitions (DESIGN §5): window start = {@link WindowSpec#windowStart(long)} of the event time
 * (the one definition shared with the fallback, exactly Flink's {@code TumblingEventTimeWindows});
 * sums in {@code double} with a null field as 0, the record still counting; {@code mean = (float)
 * (sum / count)}; point time = end − 1 ms; stress level = {@link StressModel#predict(float, float)}
 * of the means.
 *
 * <p>{@link #due()} holds the windows both pipelines must have written by now: a window fires when
 * the watermark ({@code max event time − out-of-orderness − 1 ms}) reaches its end − 1 ms, and
 * Flink's watermark is the minimum over the topic's partitions, so a window is due when {@code end
 * <= min over partitions(newest event time) − out-of-orderness}. Later windows may or may not be
 * written yet; when written they must still equal the reference.
 *
 * <p>Immutable and thread-safe.
 */
public final class Reference {

  /**
   * The identity of a point: InfluxDB's series (measurement + tags) and time, without the source.
   *
   * @param id the nurse id
   * @param start the window start, epoch milliseconds
   */
  public record WindowKey(String id, long start) implements Comparable<WindowKey> {
    /**
     * Validates the components.
     *
     * @throws NullPointerException for a null id
     */
    public WindowKey {
      requireNonNull(id, "id");
    }

    @Override
    public int compareTo(WindowKey o) {
      int c = Long.compare(start, o.start);
      return c != 0 ? c : id.compareTo(o.id);
    }
  }

  /**
   * One expected point.
   *
   * @param key id and window start
   * @param end window end (exclusive)
   * @param count records in the window
   * @param means means of X, Y, Z, EDA, HR, TEMP
   * @param stressLevel the model's level for these means
   */
  public record Expected(WindowKey key, long end, long count, float[] means, int stressLevel) {
    /**
     * @return the point time: end − 1 ms
     */
    public long pointTime() {
      return end - 1;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Expected e
          && e.key.equals(key)
          && e.end == end
          && e.count == count
          && Arrays.equals(e.means, means)
          && e.stressLevel == stressLevel;
    }

    @Override
    public int hashCode() {
      return key.hashCode() * 31 + Arrays.hashCode(means);
    }

    @Override
    public String toString() {
      return key.id()
          + "@"
          + pointTime()
          + " n="
          + count
          + " means="
          + Arrays.toString(means)
          + " level="
          + stressLevel;
    }
  }

  private final NavigableMap<WindowKey, Expected> all;
  private final NavigableMap<WindowKey, Expected> due;
  private final long dueEnd;
  private final long records;

  private Reference(NavigableMap<WindowKey, Expected> all, long dueEnd, long records) {
    this.all = Collections.unmodifiableNavigableMap(all);
    TreeMap<WindowKey, Expected> d = new TreeMap<>();
    all.forEach(
        (k, e) -> {
          if (e.end() <= dueEnd) {
            d.put(k, e);
          }
        });
    this.due = Collections.unmodifiableNavigableMap(d);
    this.dueEnd = dueEnd;
    this.records = records;
  }

  /**
   * Computes the reference.
   *
   * @param sent the acknowledged records (any order)
   * @param spec window size and out-of-orderness
   * @return the reference
   */
  public static Reference of(Iterable<SensorProducer.Sent> sent, WindowSpec spec) {
    long size = spec.size().toMillis();
    Map<WindowKey, double[]> sums = new HashMap<>();
    Map<WindowKey, long[]> counts = new HashMap<>();
    Map<Integer, Long> newestPerPartition = new HashMap<>();
    long records = 0;
    for (SensorProducer.Sent s : sent) {
      SensorReading r = s.reading();
      WindowKey key = new WindowKey(r.id(), spec.windowStart(r.eventTime()));
      double[] sum = sums.computeIfAbsent(key, k -> new double[SensorReading.FIELDS]);
      for (int i = 0; i < SensorReading.FIELDS; i++) {
        sum[i] += r.valueOrZero(i);
      }
      counts.computeIfAbsent(key, k -> new long[1])[0]++;
      newestPerPartition.merge(s.partition(), r.eventTime(), Math::max);
      records++;
    }
    TreeMap<WindowKey, Expected> all = new TreeMap<>();
    sums.forEach(
        (key, sum) -> {
          long n = counts.get(key)[0];
          float[] means = new float[SensorReading.FIELDS];
          for (int i = 0; i < means.length; i++) {
            means[i] = (float) (sum[i] / n);
          }
          all.put(
              key,
              new Expected(
                  key, key.start() + size, n, means, StressModel.predict(means[4], means[3])));
        });
    long dueEnd =
        newestPerPartition.isEmpty()
            ? Long.MIN_VALUE
            : newestPerPartition.values().stream().mapToLong(Long::longValue).min().orElseThrow()
                - spec.maxOutOfOrderness().toMillis();
    return new Reference(all, dueEnd, records);
  }

  /**
   * @return every window with input, by key
   */
  public NavigableMap<WindowKey, Expected> all() {
    return all;
  }

  /**
   * @return the windows every pipeline must have written (see the class comment)
   */
  public NavigableMap<WindowKey, Expected> due() {
    return due;
  }

  /**
   * @return the latest window end that is due
   */
  public long dueEnd() {
    return dueEnd;
  }

  /**
   * @return the number of records the reference is computed from
   */
  public long records() {
    return records;
  }

  /**
   * The reference of the seed's 5 s windows with 5 s out-of-orderness.
   *
   * @param sent the acknowledged records
   * @return the reference
   */
  public static Reference ofDefaults(Iterable<SensorProducer.Sent> sent) {
    return of(
        sent,
        new WindowSpec(Duration.ofSeconds(5), Duration.ofSeconds(5), WindowSpec.NURSE_FIELDS));
  }
}
