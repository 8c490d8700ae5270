package io.fallback.influx;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.testkit.InfluxDbExtension;
import io.fallback.testkit.InfluxDbServer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Freshness against a real influxd 1.6.7, with the primary and the fallback both writing. */
class InfluxFreshnessIT {

  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();

  private static final long T = 1_700_000_000_000L;
  private static final InstantSource CLOCK = InstantSource.fixed(Instant.ofEpochMilli(T + 100_000));

  private static InfluxSettings.Builder settings(String db) {
    INFLUX.server().createDatabase(db);
    return InfluxSettings.builder().url(INFLUX.server().url()).database(db);
  }

  @Test
  void bothSourcesWriting_onlyThePrimarysPointsCount() {
    InfluxSettings s = settings("both").build();
    InfluxDbServer server = INFLUX.server();
    server.write(
        "both",
        "nurse_stress,id=1,source=flink stress_level=1i "
            + (T - 10_000)
            + "\n"
            + "nurse_stress,id=2,source=flink stress_level=1i "
            + (T + 4_999)
            + "\n"
            + "nurse_stress,id=1,source=dask-fallback stress_level=2i "
            + (T + 94_999)
            + "\n"
            + "nurse_stress,id=2,source=dask-fallback stress_level=2i "
            + (T + 99_999));
    InfluxFreshnessLatencySource freshness = InfluxFreshnessLatencySource.of(s, CLOCK);

    assertThat(freshness.currentLatency()).contains(Duration.ofMillis(100_000 - 4_999));

    // a point without any source tag (the seed's primary) counts as the primary's: absent matches =
    // ''
    server.write("both", "nurse_stress,id=3 stress_level=0i " + (T + 49_999));
    assertThat(freshness.currentLatency()).contains(Duration.ofMillis(100_000 - 49_999));

    // a configured primary source counts that source only
    InfluxSettings flinkOnly = s.toBuilder().primarySource("flink").build();
    assertThat(InfluxFreshnessLatencySource.of(flinkOnly, CLOCK).currentLatency())
        .contains(Duration.ofMillis(100_000 - 4_999));
  }

  @Test
  void seedShape_flinkEventsWithoutSource_isRead() {
    InfluxSettings s =
        settings("seed").primaryMeasurement("flink_events").primaryField("stressLevel").build();
    INFLUX
        .server()
        .write(
            "seed",
            "flink_events,id=7 EDA=0.1,HR=70.0,TEMP=33.0,stressLevel=2i "
                + (T + 89_999)
                + "\n"
                + "nurse_stress,id=7,source=dask-fallback stress_level=2i "
                + (T + 99_999));

    assertThat(InfluxFreshnessLatencySource.of(s, CLOCK).currentLatency())
        .contains(Duration.ofMillis(10_001));
  }

  @Test
  void sourceAsField_filtersOnTheField() {
    InfluxSettings s = settings("field").sourceAsField(true).build();
    INFLUX
        .server()
        .write(
            "field",
            "nurse_stress,id=1 stress_level=1i,source=\"flink\" "
                + (T + 59_999)
                + "\n"
                + "nurse_stress,id=1 stress_level=1i,source=\"dask-fallback\" "
                + (T + 99_999));

    assertThat(InfluxFreshnessLatencySource.of(s, CLOCK).currentLatency())
        .contains(Duration.ofMillis(40_001));
  }

  @Test
  void onlyTheFallbacksPoints_orNoMeasurement_orNoDatabase_isNoEvidence() {
    InfluxSettings s = settings("fallback_only").build();
    InfluxSettings noDb = s.toBuilder().database("never_created").build();

    assertThat(InfluxFreshnessLatencySource.of(s, CLOCK).currentLatency()).isEmpty();
    INFLUX
        .server()
        .write("fallback_only", "nurse_stress,id=1,source=dask-fallback stress_level=1i " + T);
    assertThat(InfluxFreshnessLatencySource.of(s, CLOCK).currentLatency()).isEmpty();
    assertThat(InfluxFreshnessLatencySource.of(noDb, CLOCK).currentLatency()).isEmpty();
  }

  @Test
  void idleGuard_noInputNewerThanThePrimarysNewestPoint_isZero() {
    InfluxSettings s = settings("idle").build();
    INFLUX.server().write("idle", "nurse_stress,id=1,source=flink stress_level=1i " + (T + 4_999));

    Optional<Duration> idle =
        InfluxFreshnessLatencySource.of(
                s, CLOCK, () -> Optional.of(Instant.ofEpochMilli(T + 4_000)))
            .currentLatency();
    Optional<Duration> behind =
        InfluxFreshnessLatencySource.of(
                s, CLOCK, () -> Optional.of(Instant.ofEpochMilli(T + 99_000)))
            .currentLatency();

    assertThat(idle).contains(Duration.ZERO);
    assertThat(behind).contains(Duration.ofMillis(100_000 - 4_999));
  }

  @Test
  void serverDown_isNoEvidence_withinTheTimeout() {
    InfluxSettings s =
        InfluxSettings.builder()
            .url("http://127.0.0.1:1")
            .database("x")
            .timeout(Duration.ofSeconds(1))
            .build();

    assertThat(InfluxFreshnessLatencySource.of(s, CLOCK).currentLatency()).isEmpty();
  }
}
