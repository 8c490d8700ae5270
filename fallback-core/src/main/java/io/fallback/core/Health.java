package io.fallback.core;

import java.util.Objects;

/**
 * The answer of a {@link HealthProbe}: a status and a human-readable reason.
 *
 * @param status healthy or not
 * @param reason why, never {@code null}; shown in logs and events
 */
public record Health(Status status, String reason) {

  /** Whether the primary is processing. */
  public enum Status {
    /** The primary is processing. */
    HEALTHY,
    /** The primary is down, stuck, restarting, or could not be checked. */
    UNHEALTHY
  }

  /**
   * Validates the components.
   *
   * @throws NullPointerException if a component is null
   */
  public Health {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
  }

  /**
   * A healthy answer.
   *
   * @param reason what was checked
   * @return a healthy answer
   */
  public static Health healthy(String reason) {
    return new Health(Status.HEALTHY, reason);
  }

  /**
   * An unhealthy answer.
   *
   * @param reason what is wrong
   * @return an unhealthy answer
   */
  public static Health unhealthy(String reason) {
    return new Health(Status.UNHEALTHY, reason);
  }

  /**
   * Whether the status is {@link Status#HEALTHY}.
   *
   * @return true when healthy
   */
  public boolean isHealthy() {
    return status == Status.HEALTHY;
  }
}
