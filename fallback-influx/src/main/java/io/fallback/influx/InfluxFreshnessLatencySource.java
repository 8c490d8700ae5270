package io.fallback.influx;

import io.fallback.core.LatencySource;
import io.fallback.influx.InfluxQueryClient.Series;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary's latency as the age of its newest point: {@code now - time of the newest point the
 * primary wrote} in {@link InfluxSettings#primaryMeasurement()}, where the primary's points are
 * those selected by {@link InfluxSettings#primarySource()} (default: {@code source} absent or not
 * the fallback's {@link InfluxSettings#sourceTag()}). The fallback's own writes therefore never
 * make the primary look fresh. One query per call: {@code SELECT last(<primary_stress_field>) FROM
 * <primary_measurement> WHERE <primary filter>}, bounded by {@link InfluxSettings#timeout()}.
 *
 * <p>Idle guard (DESIGN section 10): with a newest-input supplier, the age counts only while the
 * input holds a record newer than the primary's newest point; otherwise the primary has written
 * everything there is and the latency is zero. The supplier returns the time of the newest input
 * record (for example the Kafka record timestamp, assumed close to the event time), empty when
 * there is no input at all, and throws when it cannot tell. Without a supplier the age is reported
 * as is, so an idle input looks like a growing latency.
 *
 * <p>No evidence (empty) when the query fails, the measurement does not exist yet, the primary has
 * no point, or the supplier throws. A point time in the future (clock skew) gives zero.
 *
 * <p>This class is thread-safe.
 */
public final class InfluxFreshnessLatencySource implements LatencySource {

  private static final Logger LOG = LoggerFactory.getLogger(InfluxFreshnessLatencySource.class);

  private final InfluxQueryClient client;
  private final InstantSource clock;
  private final Supplier<Optional<Instant>> newestInput;
  private final String query;

  InfluxFreshnessLatencySource(
      InfluxQueryClient client,
      InfluxSettings settings,
      InstantSource clock,
      Supplier<Optional<Instant>> newestInput) {
    this.client = Objects.requireNonNull(client, "client");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.newestInput = newestInput;
    this.query =
        "SELECT last("
            + InfluxQl.ident(settings.primaryField())
            + ") FROM "
            + InfluxQl.primaryFrom(settings)
            + " WHERE "
            + InfluxQl.primaryFilter(settings);
  }

  /**
   * A freshness source without the idle guard.
   *
   * @param settings where the primary writes and how to tell its points
   * @param clock the launcher's clock
   * @return the source
   */
  public static InfluxFreshnessLatencySource of(InfluxSettings settings, InstantSource clock) {
    Objects.requireNonNull(settings, "settings");
    return new InfluxFreshnessLatencySource(
        new InfluxQueryClient(settings, InfluxHttp.newClient(settings)), settings, clock, null);
  }

  /**
   * A freshness source with the idle guard.
   *
   * @param settings where the primary writes and how to tell its points
   * @param clock the launcher's clock
   * @param newestInput time of the newest input record; empty when there is none; throws when
   *     unknown
   * @return the source
   */
  public static InfluxFreshnessLatencySource of(
      InfluxSettings settings, InstantSource clock, Supplier<Optional<Instant>> newestInput) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(newestInput, "newestInput");
    return new InfluxFreshnessLatencySource(
        new InfluxQueryClient(settings, InfluxHttp.newClient(settings)),
        settings,
        clock,
        newestInput);
  }

  /**
   * Reads the age of the primary's newest point.
   *
   * @return the latency, zero when idle (with the guard), or empty when there is no evidence
   */
  @Override
  public Optional<Duration> currentLatency() {
    Optional<Instant> newestPoint;
    try {
      newestPoint = newestPrimaryPoint();
    } catch (RuntimeException e) {
      LOG.debug(
          "InfluxDB freshness check failed, no evidence: {}",
          e.getMessage()); // the launcher reports the outage, throttled
      return Optional.empty();
    }
    if (newestPoint.isEmpty()) {
      LOG.debug("No primary point in InfluxDB yet, no evidence");
      return Optional.empty();
    }
    if (newestInput != null) {
      Optional<Instant> input;
      try {
        input = Objects.requireNonNull(newestInput.get(), "newest input");
      } catch (RuntimeException e) {
        LOG.debug("Newest input time unknown, no evidence: {}", e.getMessage());
        return Optional.empty();
      }
      if (input.isEmpty() || !input.get().isAfter(newestPoint.get())) {
        return Optional.of(Duration.ZERO);
      }
    }
    Duration age = Duration.between(newestPoint.get(), clock.instant());
    return Optional.of(age.isNegative() ? Duration.ZERO : age);
  }

  /**
   * The time of the newest point the primary wrote.
   *
   * @return the point time, empty when there is none (or no such measurement)
   * @throws InfluxQueryException when the query fails
   */
  Optional<Instant> newestPrimaryPoint() {
    List<Series> series = client.query(query);
    long newest = Long.MIN_VALUE;
    for (Series s : series) {
      for (var row : s.rows()) {
        newest = Math.max(newest, row.get(0).asLong());
      }
    }
    return newest == Long.MIN_VALUE ? Optional.empty() : Optional.of(Instant.ofEpochMilli(newest));
  }

  /**
   * @return {@code influx_freshness}
   */
  @Override
  public String name() {
    return "influx_freshness";
  }
}
