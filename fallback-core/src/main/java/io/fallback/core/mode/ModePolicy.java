package io.fallback.core.mode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The thresholds and counts of the mode rules (DESIGN section 4). Validated on construction; every
 * message names the config key and the bad value. This record is where these rules are stated: the
 * launcher's configuration loader reports its messages, and its key reference describes the same
 * rules.
 *
 * <p>The two thresholds: a check violates when the latency is above {@code latencyThreshold}, and
 * counts as a recovery when it is below {@code resumeThreshold}. So {@code resumeThreshold} must
 * not exceed {@code latencyThreshold}; it may equal it (no band between the two: a latency exactly
 * at the threshold then neither violates nor recovers).
 *
 * @param latencyThreshold latency above which a check violates ({@code
 *     monitoring.latency_threshold_seconds}); zero forces fallback: every check violates
 * @param consecutiveViolations violating checks in a row that switch to fallback ({@code
 *     monitoring.consecutive_violations})
 * @param resumeThreshold latency below which a healthy check counts as a recovery ({@code
 *     monitoring.resume_threshold_seconds}); at most the trigger threshold
 * @param consecutiveRecoveries recovering checks in a row that hand back to the primary ({@code
 *     monitoring.consecutive_recoveries})
 * @param minFallback least time spent in fallback before handing back ({@code
 *     monitoring.min_fallback_seconds})
 * @param healthConfirmations unhealthy health probes in a row, on their own interval, that switch
 *     to fallback at once, whatever the latency rule has counted ({@code
 *     monitoring.health_confirmations}); 0 turns this fast path off, and health then counts only as
 *     one reading of each check
 */
public record ModePolicy(
    Duration latencyThreshold,
    int consecutiveViolations,
    Duration resumeThreshold,
    int consecutiveRecoveries,
    Duration minFallback,
    int healthConfirmations) {

  /**
   * Validates the components and reports every invalid one, one line each.
   *
   * @throws IllegalArgumentException naming the key and value of each invalid component, one per
   *     line
   * @throws NullPointerException for a null component
   */
  public ModePolicy {
    Objects.requireNonNull(latencyThreshold, "latencyThreshold");
    Objects.requireNonNull(resumeThreshold, "resumeThreshold");
    Objects.requireNonNull(minFallback, "minFallback");
    List<String> errors = new ArrayList<>();
    if (latencyThreshold.isNegative()) {
      errors.add(
          "monitoring.latency_threshold_seconds must be >= 0, but was "
              + seconds(latencyThreshold));
    }
    if (consecutiveViolations < 1) {
      errors.add(
          "monitoring.consecutive_violations must be >= 1, but was " + consecutiveViolations);
    }
    if (resumeThreshold.isNegative()) {
      errors.add(
          "monitoring.resume_threshold_seconds must be >= 0, but was " + seconds(resumeThreshold));
    } else if (!latencyThreshold.isNegative() && resumeThreshold.compareTo(latencyThreshold) > 0) {
      errors.add(
          "monitoring.resume_threshold_seconds must be <= monitoring.latency_threshold_seconds ("
              + seconds(latencyThreshold)
              + "), but was "
              + seconds(resumeThreshold));
    }
    if (consecutiveRecoveries < 1) {
      errors.add(
          "monitoring.consecutive_recoveries must be >= 1, but was " + consecutiveRecoveries);
    }
    if (minFallback.isNegative()) {
      errors.add("monitoring.min_fallback_seconds must be >= 0, but was " + seconds(minFallback));
    }
    if (healthConfirmations < 0) {
      errors.add(
          "monitoring.health_confirmations must be >= 0 (0: off), but was " + healthConfirmations);
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", errors));
    }
  }

  /**
   * A policy without the fast confirmation of an unhealthy primary (health counts only as one
   * reading of each check, as in the seed).
   *
   * @param latencyThreshold see the record
   * @param consecutiveViolations see the record
   * @param resumeThreshold see the record
   * @param consecutiveRecoveries see the record
   * @param minFallback see the record
   */
  public ModePolicy(
      Duration latencyThreshold,
      int consecutiveViolations,
      Duration resumeThreshold,
      int consecutiveRecoveries,
      Duration minFallback) {
    this(
        latencyThreshold,
        consecutiveViolations,
        resumeThreshold,
        consecutiveRecoveries,
        minFallback,
        0);
  }

  /**
   * This policy with the fast confirmation of an unhealthy primary set.
   *
   * @param confirmations unhealthy probes in a row that switch at once; 0 for off
   * @return the policy
   */
  public ModePolicy withHealthConfirmations(int confirmations) {
    return new ModePolicy(
        latencyThreshold,
        consecutiveViolations,
        resumeThreshold,
        consecutiveRecoveries,
        minFallback,
        confirmations);
  }

  /**
   * Whether unhealthy probes are confirmed on their own ({@code healthConfirmations > 0}).
   *
   * @return true when the fast path is on
   */
  public boolean confirmsHealthFast() {
    return healthConfirmations > 0;
  }

  /**
   * The seed's defaults: 300 s threshold, 3 violations, resume below half the threshold after one
   * recovering check, no minimum dwell.
   *
   * @return the default policy
   */
  public static ModePolicy ofDefaults() {
    return of(Duration.ofSeconds(300), 3);
  }

  /**
   * A policy with the given trigger and the default resume rules (half the threshold, one check, no
   * dwell).
   *
   * @param latencyThreshold the trigger threshold
   * @param consecutiveViolations the violation count
   * @return the policy
   */
  public static ModePolicy of(Duration latencyThreshold, int consecutiveViolations) {
    return new ModePolicy(
        latencyThreshold, consecutiveViolations, latencyThreshold.dividedBy(2), 1, Duration.ZERO);
  }

  /**
   * Whether a zero threshold forces fallback (the seed's documented way to force it).
   *
   * @return true when the latency threshold is zero
   */
  public boolean forcesFallback() {
    return latencyThreshold.isZero();
  }

  private static String seconds(Duration d) {
    return d.toMillis() / 1000.0 + "s";
  }
}
