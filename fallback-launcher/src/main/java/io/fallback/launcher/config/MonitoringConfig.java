package io.fallback.launcher.config;

import io.fallback.http.FlinkProbeSettings;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code monitoring} section. Immutable and thread-safe.
 *
 * @param latencyThreshold {@code monitoring.latency_threshold_seconds} (or {@code
 *     LATENCY_THRESHOLD})
 * @param consecutiveViolations {@code monitoring.consecutive_violations}
 * @param checkInterval {@code monitoring.check_interval_seconds}
 * @param resumeThreshold {@code monitoring.resume_threshold_seconds}, half the threshold unless set
 * @param consecutiveRecoveries {@code monitoring.consecutive_recoveries}
 * @param minFallback {@code monitoring.min_fallback_seconds}
 * @param probeTimeout {@code monitoring.probe_timeout_seconds}
 * @param latencySource {@code monitoring.latency_source}
 * @param primaryGroupId {@code monitoring.primary_group_id}
 * @param healthProbe {@code monitoring.health_probe}; empty for {@code none}
 * @param flinkRestUrl {@code monitoring.flink_rest_url}
 * @param flinkJobName {@code monitoring.flink_job_name}
 * @param flinkJobId {@code monitoring.flink_job_id}
 * @param maxCheckpointAge {@code monitoring.max_checkpoint_age_seconds}
 * @param healthCheckInterval {@code monitoring.health_check_interval_seconds}; empty for 0 (fast
 *     confirmation off)
 * @param healthConfirmations {@code monitoring.health_confirmations}
 */
public record MonitoringConfig(
    Duration latencyThreshold,
    int consecutiveViolations,
    Duration checkInterval,
    Duration resumeThreshold,
    int consecutiveRecoveries,
    Duration minFallback,
    Duration probeTimeout,
    LatencyMeasure latencySource,
    String primaryGroupId,
    Optional<FlinkProbeSettings.Mode> healthProbe,
    URI flinkRestUrl,
    Optional<String> flinkJobName,
    Optional<String> flinkJobId,
    Duration maxCheckpointAge,
    Optional<Duration> healthCheckInterval,
    int healthConfirmations) {

  /** How the primary's latency is measured ({@code monitoring.latency_source}). */
  public enum LatencyMeasure {
    /** {@code kafka_lag}: the time lag of the primary's consumer group. */
    KAFKA_LAG,
    /** {@code influx_freshness}: the age of the primary's newest point, idle-guarded. */
    INFLUX_FRESHNESS,
    /** {@code both}: the worse of the two. */
    BOTH;

    /**
     * Whether the Kafka time lag is read.
     *
     * @return true for {@code kafka_lag} and {@code both}
     */
    public boolean usesKafkaLag() {
      return this != INFLUX_FRESHNESS;
    }

    /**
     * Whether InfluxDB freshness is read.
     *
     * @return true for {@code influx_freshness} and {@code both}
     */
    public boolean usesInfluxFreshness() {
      return this != KAFKA_LAG;
    }
  }

  /**
   * Checks the components.
   *
   * @throws NullPointerException for a null component
   */
  public MonitoringConfig {
    Objects.requireNonNull(latencyThreshold, "latencyThreshold");
    Objects.requireNonNull(checkInterval, "checkInterval");
    Objects.requireNonNull(resumeThreshold, "resumeThreshold");
    Objects.requireNonNull(minFallback, "minFallback");
    Objects.requireNonNull(probeTimeout, "probeTimeout");
    Objects.requireNonNull(latencySource, "latencySource");
    Objects.requireNonNull(primaryGroupId, "primaryGroupId");
    Objects.requireNonNull(healthProbe, "healthProbe");
    Objects.requireNonNull(flinkRestUrl, "flinkRestUrl");
    Objects.requireNonNull(flinkJobName, "flinkJobName");
    Objects.requireNonNull(flinkJobId, "flinkJobId");
    Objects.requireNonNull(maxCheckpointAge, "maxCheckpointAge");
    Objects.requireNonNull(healthCheckInterval, "healthCheckInterval");
  }

  static MonitoringConfig from(Values v) {
    String probe = v.requiredString(Keys.HEALTH_MODE);
    return new MonitoringConfig(
        v.seconds(Keys.THRESHOLD),
        v.integer(Keys.VIOLATIONS),
        v.seconds(Keys.CHECK_INTERVAL),
        v.seconds(Keys.RESUME),
        v.integer(Keys.RECOVERIES),
        v.seconds(Keys.MIN_FALLBACK),
        v.seconds(Keys.PROBE_TIMEOUT),
        LatencyMeasure.valueOf(v.requiredString(Keys.LATENCY_SOURCE).toUpperCase(Locale.ROOT)),
        v.requiredString(Keys.PRIMARY_GROUP),
        probe.equals("none")
            ? Optional.empty()
            : Optional.of(FlinkProbeSettings.Mode.fromConfig(probe)),
        URI.create(v.requiredString(Keys.FLINK_URL)),
        v.string(Keys.FLINK_JOB),
        v.string(Keys.FLINK_JOB_ID),
        v.seconds(Keys.MAX_CHECKPOINT_AGE),
        Optional.of(v.seconds(Keys.HEALTH_INTERVAL)).filter(d -> !d.isZero()),
        v.integer(Keys.HEALTH_CONFIRMATIONS));
  }
}
