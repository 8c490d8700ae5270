package io.fallback.core.mode;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A mode change and what caused it.
 *
 * @param from the mode before
 * @param to the mode after
 * @param cause why
 * @param at when (the time of the observation or command that caused it)
 * @param observations the checks that caused it, oldest first; empty for a manual change
 * @param detail a human-readable summary, for example {@code "3 violations: 312.45s > 300s; ..."}
 */
public record Transition(
    Mode from, Mode to, Cause cause, Instant at, List<Observation> observations, String detail) {

  /**
   * Validates and copies the components.
   *
   * @throws NullPointerException for a null component
   */
  public Transition {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(cause, "cause");
    Objects.requireNonNull(at, "at");
    observations = List.copyOf(observations);
    Objects.requireNonNull(detail, "detail");
  }
}
