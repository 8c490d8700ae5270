package io.fallback.influx;

import io.fallback.core.PrimaryProgress;
import io.fallback.core.window.WindowSpec;
import io.fallback.influx.InfluxQueryClient.Series;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the primary has written, read back from InfluxDB: its points in {@link
 * InfluxSettings#primaryMeasurement()} selected by the primary filter (see {@link
 * InfluxFreshnessLatencySource}), keyed by {@link InfluxSettings#primaryIdTag()}, found through
 * {@link InfluxSettings#primaryField()}. Works for both shapes: {@code nurse_stress} with {@code
 * id}, {@code source} and {@code stress_level}, and the seed's {@code flink_events} with tag {@code
 * id} only and field {@code stressLevel}.
 *
 * <p>Each method is one query bounded by {@link InfluxSettings#timeout()} and throws {@link
 * InfluxQueryException} on failure. This class is thread-safe.
 */
public final class InfluxPrimaryProgress implements PrimaryProgress {

  /** InfluxDB's time range, 1677-09-21 to 2262-04-11, in epoch milliseconds. */
  static final long MIN_TIME_MS = -9_223_372_036_854L;

  static final long MAX_TIME_MS = 9_223_372_036_854L;

  private final InfluxQueryClient client;
  private final InfluxSettings settings;
  private final long windowMillis;

  // called only by of(...), which checks settings and spec and creates the client
  private InfluxPrimaryProgress(
      InfluxQueryClient client, InfluxSettings settings, WindowSpec spec) {
    this.client = client;
    this.settings = settings;
    this.windowMillis = spec.size().toMillis();
  }

  /**
   * The primary's progress in the configured InfluxDB.
   *
   * @param settings where the primary writes and how to tell its points
   * @param spec the window size (point time = window end - 1 ms)
   * @return the progress reader
   */
  public static InfluxPrimaryProgress of(InfluxSettings settings, WindowSpec spec) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(spec, "spec");
    return new InfluxPrimaryProgress(
        new InfluxQueryClient(settings, InfluxHttp.newClient(settings)), settings, spec);
  }

  /**
   * One grouped query: {@code SELECT last(<field>) FROM <m> WHERE <primary> GROUP BY "<id tag>"}.
   *
   * @return newest point time per key; points without the key tag are ignored
   * @throws InfluxQueryException when the query fails
   */
  @Override
  public Map<String, Long> newestPointPerKey() {
    String q = query("last(" + InfluxQl.ident(settings.primaryField()) + ")", "");
    Map<String, Long> newest = new HashMap<>();
    for (Series s : client.query(q)) {
      String key = s.tags().get(settings.primaryIdTag());
      if (key == null || key.isEmpty()) {
        continue;
      }
      for (var row : s.rows()) {
        newest.merge(key, row.get(0).asLong(), Math::max);
      }
    }
    return newest;
  }

  /**
   * The primary's points with a time in {@code [fromMillis, toMillis)}, as windows: start = point
   * time + 1 ms - window size.
   *
   * @param fromMillis inclusive lower bound of the point time
   * @param toMillis exclusive upper bound of the point time
   * @return the written windows; empty when {@code fromMillis >= toMillis}
   * @throws InfluxQueryException when the query fails
   */
  @Override
  public Set<WindowId> writtenWindows(long fromMillis, long toMillis) {
    // bounds outside InfluxDB's time range make the query fail ("overflowed duration"); no point
    // lies there
    long from = Math.max(fromMillis, MIN_TIME_MS);
    long to = Math.min(toMillis, MAX_TIME_MS);
    if (from >= to) {
      return Set.of();
    }
    String q =
        query(
            InfluxQl.ident(settings.primaryField()),
            " AND time >= " + from + "ms AND time < " + to + "ms");
    Set<WindowId> windows = new HashSet<>();
    for (Series s : client.query(q)) {
      String key = s.tags().get(settings.primaryIdTag());
      if (key == null || key.isEmpty()) {
        continue;
      }
      for (var row : s.rows()) {
        windows.add(new WindowId(key, row.get(0).asLong() + 1 - windowMillis));
      }
    }
    return windows;
  }

  /**
   * {@code SELECT <selection> FROM <m> WHERE <primary><andTime> GROUP BY "<id tag>"}.
   *
   * @param selection what is selected from the primary's points
   * @param andTime a further condition on the time, starting with {@code " AND "}, or empty
   */
  private String query(String selection, String andTime) {
    return "SELECT "
        + selection
        + " FROM "
        + InfluxQl.primaryFrom(settings)
        + " WHERE "
        + InfluxQl.primaryFilter(settings)
        + andTime
        + " GROUP BY "
        + InfluxQl.ident(settings.primaryIdTag());
  }
}
