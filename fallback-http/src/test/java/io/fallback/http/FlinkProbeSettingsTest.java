package io.fallback.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FlinkProbeSettingsTest {

  @Test
  void defaults() {
    FlinkProbeSettings s = FlinkProbeSettings.ofDefaults();

    assertThat(s.restUrl()).isEqualTo(URI.create("http://jobmanager:8081"));
    assertThat(s.jobName()).isEmpty();
    assertThat(s.jobId()).isEmpty();
    assertThat(s.mode()).isEqualTo(FlinkProbeSettings.Mode.FLINK_REST);
    assertThat(s.maxCheckpointAge()).isEmpty();
    assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void blankJobName_meansNone() {
    assertThat(
            FlinkProbeSettings.builder(URI.create("http://jm:8081"))
                .jobName("  ")
                .build()
                .jobName())
        .isEqualTo(Optional.empty());
  }

  @Test
  void mode_parsesConfigValues() {
    assertThat(FlinkProbeSettings.Mode.fromConfig("legacy_overview"))
        .isEqualTo(FlinkProbeSettings.Mode.LEGACY_OVERVIEW);
    assertThat(FlinkProbeSettings.Mode.fromConfig("FLINK_REST"))
        .isEqualTo(FlinkProbeSettings.Mode.FLINK_REST);
    assertThat(FlinkProbeSettings.Mode.LEGACY_OVERVIEW.configValue()).isEqualTo("legacy_overview");
    assertThatThrownBy(() -> FlinkProbeSettings.Mode.fromConfig("overview"))
        .hasMessage(
            "monitoring.health_probe must be one of flink_rest, legacy_overview, but was 'overview'");
  }

  @Test
  void invalidValues_areRejectedNamingTheKey() {
    URI url = URI.create("http://jm:8081");
    assertThatThrownBy(() -> FlinkProbeSettings.builder(URI.create("jm:8081")).build())
        .hasMessage(
            "monitoring.flink_rest_url must be an http:// or https:// URL with a host, but was 'jm:8081'");
    assertThatThrownBy(() -> FlinkProbeSettings.builder(url).jobId("abc").build())
        .hasMessage(
            "monitoring.flink_job_id must be a Flink job id (32 hex digits), but was 'abc'");
    assertThatThrownBy(
            () ->
                FlinkProbeSettings.builder(url)
                    .jobName("a")
                    .jobId("0123456789abcdef0123456789abcdef")
                    .build())
        .hasMessage(
            "set at most one of monitoring.flink_job_name ('a') and monitoring.flink_job_id "
                + "('0123456789abcdef0123456789abcdef')");
    assertThatThrownBy(() -> FlinkProbeSettings.builder(url).timeout(Duration.ZERO).build())
        .hasMessage("monitoring.probe_timeout_seconds must be > 0, but was 0.0");
    assertThatThrownBy(
            () -> FlinkProbeSettings.builder(url).maxCheckpointAge(Duration.ofSeconds(-1)).build())
        .hasMessage("monitoring.max_checkpoint_age_seconds must be >= 0 (0 = off), but was -1.0");
  }

  @Test
  void severalInvalidValues_areReportedAtOnce_oneLineEach() {
    assertThatThrownBy(
            () ->
                FlinkProbeSettings.builder(URI.create("jm:8081"))
                    .jobId("abc")
                    .timeout(Duration.ZERO)
                    .build())
        .hasMessage(
            "monitoring.flink_rest_url must be an http:// or https:// URL with a host, but was 'jm:8081'\n"
                + "monitoring.flink_job_id must be a Flink job id (32 hex digits), but was 'abc'\n"
                + "monitoring.probe_timeout_seconds must be > 0, but was 0.0");
  }
}
