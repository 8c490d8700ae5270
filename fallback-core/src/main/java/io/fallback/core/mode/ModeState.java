package io.fallback.core.mode;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The immutable state of the {@link ModeStateMachine}.
 *
 * @param mode the current mode
 * @param override the manual override in force
 * @param since when the current mode began
 * @param violations violating checks in a row so far (in {@link Mode#PRIMARY})
 * @param recoveries recovering checks in a row so far (in {@link Mode#FALLBACK})
 * @param streak the observations counted by {@code violations} or {@code recoveries}, oldest first
 * @param lastTransition the most recent transition, if any
 * @param unhealthyProbes the unhealthy health readings in a row so far (in {@link Mode#PRIMARY}),
 *     oldest first; counted by the fast confirmation ({@link ModePolicy#healthConfirmations()})
 */
public record ModeState(
    Mode mode,
    ModeOverride override,
    Instant since,
    int violations,
    int recoveries,
    List<Observation> streak,
    Optional<Transition> lastTransition,
    List<Observation> unhealthyProbes) {

  /**
   * Validates and copies the components.
   *
   * @throws NullPointerException for a null component
   * @throws IllegalArgumentException for a negative counter
   */
  public ModeState {
    requireNonNull(mode, "mode");
    requireNonNull(override, "override");
    requireNonNull(since, "since");
    streak = List.copyOf(streak);
    requireNonNull(lastTransition, "lastTransition");
    unhealthyProbes = List.copyOf(unhealthyProbes);
    if (violations < 0 || recoveries < 0) {
      throw new IllegalArgumentException(
          "counters must be >= 0, but were " + violations + " and " + recoveries);
    }
  }

  /**
   * A state without unhealthy probes counted.
   *
   * @param mode see the record
   * @param override see the record
   * @param since see the record
   * @param violations see the record
   * @param recoveries see the record
   * @param streak see the record
   * @param lastTransition see the record
   */
  public ModeState(
      Mode mode,
      ModeOverride override,
      Instant since,
      int violations,
      int recoveries,
      List<Observation> streak,
      Optional<Transition> lastTransition) {
    this(mode, override, since, violations, recoveries, streak, lastTransition, List.of());
  }

  /**
   * The state a supervisor starts in: primary, no override, no counts.
   *
   * @param at start time
   * @return the initial state
   */
  public static ModeState initial(Instant at) {
    return new ModeState(Mode.PRIMARY, ModeOverride.AUTO, at, 0, 0, List.of(), Optional.empty());
  }
}
