package io.fallback.core.mode;

import java.util.Objects;

/**
 * How one observation was counted; what the supervisor logs for each check.
 *
 * @param kind the classification
 * @param count the counter after this check (violations or recoveries), 0 where it does not apply
 * @param limit the count that switches the mode, 0 where it does not apply
 * @param reason human-readable detail, such as {@code "312.45s > 300s"} or the probe's reason
 */
public record CheckVerdict(Kind kind, int count, int limit, String reason) {

  /** The classification of a check. */
  public enum Kind {
    /** In primary mode: the check violates (unhealthy, or latency above threshold). */
    VIOLATION,
    /** In primary mode: healthy and latency at or below threshold; the violation count is reset. */
    OK,
    /** No latency evidence and healthy: nothing counted, nothing reset. */
    NO_EVIDENCE,
    /** In fallback mode: healthy and latency below the resume threshold. */
    RECOVERING,
    /** In fallback mode: not recovering; the recovery count is reset. */
    NOT_RECOVERED,
    /** A manual override is in force; the check is not counted. */
    OVERRIDDEN,
    /**
     * A health-only probe (fast confirmation) found the primary unhealthy; {@code count} of {@code
     * limit} confirmations.
     */
    PROBE_UNHEALTHY,
    /** A health-only probe found the primary healthy; unhealthy probes counted so far are reset. */
    PROBE_HEALTHY
  }

  /**
   * Validates the components.
   *
   * @throws NullPointerException for a null component
   */
  public CheckVerdict {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(reason, "reason");
  }
}
