package io.fallback.core.mode;

import io.fallback.core.Health;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of one check: one latency reading and one health reading, taken at {@code at}.
 *
 * @param at when the check was taken; the machine's only notion of time
 * @param latency the primary's latency, empty for "no evidence"
 * @param health the primary's health
 */
public record Observation(Instant at, Optional<Duration> latency, Health health) {

  /**
   * Validates the components.
   *
   * @throws NullPointerException for a null component
   * @throws IllegalArgumentException for a negative latency
   */
  public Observation {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(latency, "latency");
    Objects.requireNonNull(health, "health");
    latency.ifPresent(
        l -> {
          if (l.isNegative()) {
            throw new IllegalArgumentException("latency must be >= 0, but was " + l);
          }
        });
  }

  /**
   * Convenience factory for a healthy check with a latency.
   *
   * @param at when
   * @param latency the latency
   * @return the observation
   */
  public static Observation healthy(Instant at, Duration latency) {
    return new Observation(at, Optional.of(latency), Health.healthy("healthy"));
  }

  /**
   * Convenience factory for a healthy check without latency evidence.
   *
   * @param at when
   * @return the observation
   */
  public static Observation noEvidence(Instant at) {
    return new Observation(at, Optional.empty(), Health.healthy("healthy"));
  }

  /**
   * Convenience factory for an unhealthy check.
   *
   * @param at when
   * @param reason why
   * @return the observation
   */
  public static Observation unhealthy(Instant at, String reason) {
    return new Observation(at, Optional.empty(), Health.unhealthy(reason));
  }
}
