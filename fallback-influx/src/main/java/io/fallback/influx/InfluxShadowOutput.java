package io.fallback.influx;

import com.fasterxml.jackson.databind.JsonNode;
import io.fallback.core.shadow.ShadowComparator;
import io.fallback.core.shadow.ShadowComparator.PointId;
import io.fallback.influx.InfluxQueryClient.Series;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the shadow compares with, read back from InfluxDB: the primary's points (in {@link
 * InfluxSettings#primaryMeasurement()}, selected as {@link InfluxPrimaryProgress} selects them)
 * with their numeric fields, and the fallback's own points ({@link InfluxSettings#measurement()}
 * with {@code source = }{@link InfluxSettings#sourceTag()}).
 *
 * <p>Each method is one query bounded by {@link InfluxSettings#timeout()} and throws {@link
 * InfluxQueryException} on failure. Thread-safe.
 */
public final class InfluxShadowOutput implements ShadowComparator.Output {

  private final InfluxQueryClient client;
  private final InfluxSettings settings;
  private final InfluxPrimaryProgress progress;

  private InfluxShadowOutput(InfluxSettings settings, InfluxPrimaryProgress progress) {
    this.settings = settings;
    this.client = new InfluxQueryClient(settings, InfluxHttp.newClient(settings));
    this.progress = progress;
  }

  /**
   * The output in the configured InfluxDB.
   *
   * @param settings where the primary and the fallback write
   * @param progress the primary's progress in the same InfluxDB (its newest point per key is read
   *     through it)
   * @return the reader
   */
  public static InfluxShadowOutput of(InfluxSettings settings, InfluxPrimaryProgress progress) {
    return new InfluxShadowOutput(
        Objects.requireNonNull(settings, "settings"), Objects.requireNonNull(progress, "progress"));
  }

  /**
   * {@code SELECT * FROM <primary> WHERE <primary filter> AND <time range> GROUP BY "<id tag>"}.
   */
  @Override
  public Map<PointId, Map<String, Double>> primaryPoints(long fromMillis, long toMillis) {
    String q =
        "SELECT * FROM "
            + InfluxQl.primaryFrom(settings)
            + " WHERE "
            + InfluxQl.primaryFilter(settings)
            + range(fromMillis, toMillis)
            + " GROUP BY "
            + InfluxQl.ident(settings.primaryIdTag());
    Map<PointId, Map<String, Double>> points = new HashMap<>();
    for (Series s : client.query(q)) {
      String key = s.tags().get(settings.primaryIdTag());
      if (key == null || key.isEmpty()) {
        continue;
      }
      List<String> columns = s.columns();
      for (JsonNode row : s.rows()) {
        Map<String, Double> fields = new HashMap<>();
        for (int i = 1; i < columns.size(); i++) {
          JsonNode v = row.get(i);
          if (v != null && v.isNumber()) {
            fields.put(columns.get(i), v.asDouble());
          }
        }
        points.put(new PointId(key, row.get(0).asLong()), fields);
      }
    }
    return points;
  }

  /** {@code SELECT * FROM <ours> WHERE "source" = '<ours>' AND <time range> GROUP BY "id"}. */
  @Override
  public Set<PointId> ownPoints(long fromMillis, long toMillis) {
    String q =
        "SELECT * FROM "
            + settings.retentionPolicy().map(rp -> InfluxQl.ident(rp) + ".").orElse("")
            + InfluxQl.ident(settings.measurement())
            + " WHERE "
            + InfluxQl.ident(LineProtocolEncoder.SOURCE_KEY)
            + " = "
            + InfluxQl.literal(settings.sourceTag())
            + range(fromMillis, toMillis)
            + " GROUP BY "
            + InfluxQl.ident(LineProtocolEncoder.ID_KEY);
    Set<PointId> points = new HashSet<>();
    for (Series s : client.query(q)) {
      String key = s.tags().get(LineProtocolEncoder.ID_KEY);
      if (key != null && !key.isEmpty()) {
        s.rows().forEach(row -> points.add(new PointId(key, row.get(0).asLong())));
      }
    }
    return points;
  }

  @Override
  public Map<String, Long> newestPrimaryPointPerKey() {
    return progress.newestPointPerKey();
  }

  private static String range(long fromMillis, long toMillis) {
    long from = Math.max(fromMillis, InfluxPrimaryProgress.MIN_TIME_MS);
    long to = Math.min(toMillis, InfluxPrimaryProgress.MAX_TIME_MS);
    return " AND time >= " + from + "ms AND time <= " + to + "ms";
  }
}
