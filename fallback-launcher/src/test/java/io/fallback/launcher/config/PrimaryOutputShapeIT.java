package io.fallback.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.fallback.core.PrimaryProgress.WindowId;
import io.fallback.core.window.WindowSpec;
import io.fallback.influx.InfluxFreshnessLatencySource;
import io.fallback.influx.InfluxPrimaryProgress;
import io.fallback.influx.InfluxSettings;
import io.fallback.testkit.InfluxDbExtension;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The primary's output shape is configurable end to end: a configuration naming the seed's own
 * Flink job's shape (measurement {@code flink_events}, tag {@code id} only, field {@code
 * stressLevel}) reaches freshness and primary progress as the launcher builds them ({@code
 * FallbackApplication}: {@code influxSettings} from the loaded configuration, then {@code
 * InfluxFreshnessLatencySource.of} and {@code InfluxPrimaryProgress.of}), against a real influxd
 * holding points of that shape next to the fallback's own.
 */
class PrimaryOutputShapeIT {

  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();

  private static final long T = 1_700_000_000_000L;
  private static final InstantSource CLOCK = InstantSource.fixed(Instant.ofEpochMilli(T + 100_000));

  private static InfluxSettings settings(String yaml, Map<String, String> env) {
    ConfigLoader loader = new ConfigLoader(env);
    return loader.loadYaml(yaml, null).influxSettings(loader.secrets());
  }

  @Test
  void seedJobShape_configuredByKeys_freshnessAndProgressReadThePrimarysPoints() {
    INFLUX.server().createDatabase("seed_job");
    // the seed's Flink job: flink_events, tag id only, fields EDA, HR, TEMP and stressLevel (an
    // integer)
    INFLUX
        .server()
        .write(
            "seed_job",
            "flink_events,id=n1 EDA=0.1,HR=70.0,TEMP=33.0,stressLevel=2i "
                + (T + 4_999)
                + "\n"
                + "flink_events,id=n1 EDA=0.2,HR=71.0,TEMP=33.1,stressLevel=1i "
                + (T + 9_999)
                + "\n"
                + "flink_events,id=n2 EDA=0.3,HR=72.0,TEMP=33.2,stressLevel=0i "
                + (T + 4_999)
                + "\n"
                // the fallback's own, newer points: they must not make the primary look fresh or
                // further along
                + "nurse_stress,id=n1,source=dask-fallback X=0,Y=0,Z=0,EDA=0.1,HR=70.0,TEMP=33.0,stress_level=1i "
                + (T + 94_999)
                + "\n"
                + "nurse_stress,id=n3,source=dask-fallback X=0,Y=0,Z=0,EDA=0.1,HR=70.0,TEMP=33.0,stress_level=1i "
                + (T + 99_999));
    String yaml =
        "influxdb:\n  url: "
            + INFLUX.server().url()
            + "\n  database: seed_job\n"
            + "  primary_measurement: flink_events\n  primary_id_tag: id\n  primary_stress_field: stressLevel\n";
    ConfigLoader loader = new ConfigLoader(Map.of());
    FallbackConfig config = loader.loadYaml(yaml, null);
    InfluxSettings influx = config.influxSettings(loader.secrets());

    InfluxFreshnessLatencySource freshness = InfluxFreshnessLatencySource.of(influx, CLOCK);
    InfluxPrimaryProgress progress = InfluxPrimaryProgress.of(influx, config.windowSpec());

    assertThat(freshness.currentLatency()).contains(Duration.ofMillis(100_000 - 9_999));
    assertThat(progress.newestPointPerKey())
        .containsOnly(entry("n1", T + 9_999), entry("n2", T + 4_999));
    assertThat(progress.writtenWindows(T, T + 100_000))
        .containsExactlyInAnyOrder(
            new WindowId("n1", T), new WindowId("n1", T + 5_000), new WindowId("n2", T));
  }

  @Test
  void seedJobShape_configuredFromTheEnvironment_isReadToo() {
    INFLUX.server().createDatabase("seed_job_env");
    INFLUX
        .server()
        .write(
            "seed_job_env",
            "flink_events,nurse=n7 EDA=0.1,HR=70.0,TEMP=33.0,stressLevel=2i " + (T + 49_999));
    InfluxSettings influx =
        settings(
            "influxdb:\n  url: " + INFLUX.server().url() + "\n  database: seed_job_env\n",
            Map.of(
                "FALLBACK_INFLUXDB_PRIMARY_MEASUREMENT",
                "flink_events",
                "FALLBACK_INFLUXDB_PRIMARY_ID_TAG",
                "nurse",
                "FALLBACK_INFLUXDB_PRIMARY_STRESS_FIELD",
                "stressLevel"));

    assertThat(InfluxFreshnessLatencySource.of(influx, CLOCK).currentLatency())
        .contains(Duration.ofMillis(100_000 - 49_999));
    assertThat(InfluxPrimaryProgress.of(influx, WindowSpec.ofDefaults()).newestPointPerKey())
        .containsOnly(entry("n7", T + 49_999));
  }

  @Test
  void defaultShape_withoutTheKeys_doesNotSeeTheSeedJobsPoints() {
    INFLUX.server().createDatabase("seed_job_default");
    INFLUX
        .server()
        .write(
            "seed_job_default",
            "flink_events,id=n1 EDA=0.1,HR=70.0,TEMP=33.0,stressLevel=2i " + (T + 4_999));
    InfluxSettings influx =
        settings(
            "influxdb:\n  url: "
                + INFLUX.server().url()
                + "\n  database: seed_job_default\n  primary_measurement: flink_events\n",
            Map.of());

    // the default field stress_level is not in the seed job's points: no evidence, as before the
    // keys existed
    assertThat(InfluxFreshnessLatencySource.of(influx, CLOCK).currentLatency()).isEmpty();
  }
}
