package io.fallback.launcher.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code shadow} section. Immutable and thread-safe.
 *
 * @param enabled {@code shadow.enabled}
 * @param sampleEvery {@code shadow.sample_every}
 * @param maxModelCallsPerSecond {@code shadow.max_model_calls_per_second}; 0 for no limit
 * @param grace {@code shadow.grace_seconds}
 * @param maxDifferingPercent {@code shadow.max_differing_percent}
 * @param maxMissingPercent {@code shadow.max_missing_percent}
 * @param logDifferences {@code shadow.log_differences}
 * @param measurement {@code shadow.measurement}; empty to write nothing
 */
public record ShadowConfig(
    boolean enabled,
    int sampleEvery,
    int maxModelCallsPerSecond,
    Duration grace,
    int maxDifferingPercent,
    int maxMissingPercent,
    int logDifferences,
    Optional<String> measurement) {

  /**
   * Checks the components.
   *
   * @throws NullPointerException for a null component
   */
  public ShadowConfig {
    Objects.requireNonNull(grace, "grace");
    Objects.requireNonNull(measurement, "measurement");
  }

  static ShadowConfig from(Values v) {
    return new ShadowConfig(
        v.bool(Keys.SHADOW_ENABLED),
        v.integer(Keys.SHADOW_SAMPLE_EVERY),
        v.integer(Keys.SHADOW_BUDGET),
        v.seconds(Keys.SHADOW_GRACE),
        v.integer(Keys.SHADOW_MAX_DIFFERING),
        v.integer(Keys.SHADOW_MAX_MISSING),
        v.integer(Keys.SHADOW_LOG_DIFFERENCES),
        v.string(Keys.SHADOW_MEASUREMENT));
  }
}
