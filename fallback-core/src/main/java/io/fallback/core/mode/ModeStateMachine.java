package io.fallback.core.mode;

import io.fallback.core.Health;
import io.fallback.core.mode.CheckVerdict.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The mode rules of DESIGN section 4 as a pure function: {@code (state, observation) -> step}.
 *
 * <p>No clock, no threads, no I/O: time arrives inside each observation, and time-dependent rules
 * (the minimum dwell in fallback) are evaluated when the next observation arrives.
 *
 * <ul>
 *   <li>PRIMARY to FALLBACK after {@code consecutiveViolations} violating checks in a row. A check
 *       violates when the primary is unhealthy or its latency is above the threshold (any latency
 *       when the threshold is zero, which forces fallback). A healthy check with latency at or
 *       below the threshold resets the count; a healthy check without latency evidence leaves it.
 *   <li>FALLBACK to PRIMARY after {@code consecutiveRecoveries} recovering checks in a row
 *       (healthy, latency below the resume threshold), and not before {@code minFallback} has
 *       passed since the switch. A check without latency evidence neither counts nor resets; any
 *       other check resets.
 *   <li>Fast confirmation ({@link ModePolicy#healthConfirmations()} above 0): health readings, from
 *       the health-only probes of {@link #observeHealth} and from the checks, are counted on their
 *       own; {@code healthConfirmations} unhealthy readings in a row switch PRIMARY to FALLBACK at
 *       once, whatever the latency rule has counted. A healthy reading resets the count, so a
 *       single unhealthy probe followed by a healthy one switches nothing. In FALLBACK an unhealthy
 *       probe resets the recovery count, as an unhealthy check does.
 *   <li>Counters reset on every transition. FORCE_FALLBACK and FORCE_PRIMARY switch at once and
 *       hold; AUTO resumes evaluation from the current mode with counters reset.
 * </ul>
 *
 * <p>This class is immutable and thread-safe.
 */
public final class ModeStateMachine {

  private final ModePolicy policy;

  /**
   * Creates a machine for a policy.
   *
   * @param policy the thresholds and counts
   */
  public ModeStateMachine(ModePolicy policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  /**
   * The policy this machine applies.
   *
   * @return the policy
   */
  public ModePolicy policy() {
    return policy;
  }

  /**
   * Feeds one check.
   *
   * @param state the current state
   * @param observation the check
   * @return the new state, what to do, and how the check was counted
   */
  public Step observe(ModeState state, Observation observation) {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(observation, "observation");
    if (state.override() != ModeOverride.AUTO) {
      return unchanged(state, new CheckVerdict(Kind.OVERRIDDEN, 0, 0, state.override().name()));
    }
    return state.mode() == Mode.PRIMARY
        ? observeInPrimary(state, observation)
        : observeInFallback(state, observation);
  }

  /**
   * Applies an operator's override, taking effect at {@code at}.
   *
   * @param state the current state
   * @param override the override
   * @param at when the command was given
   * @return the new state; a transition when the mode changes
   */
  public Step override(ModeState state, ModeOverride override, Instant at) {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(override, "override");
    Objects.requireNonNull(at, "at");
    CheckVerdict verdict = new CheckVerdict(Kind.OVERRIDDEN, 0, 0, override.name());
    Mode target =
        switch (override) {
          case FORCE_FALLBACK -> Mode.FALLBACK;
          case FORCE_PRIMARY -> Mode.PRIMARY;
          case AUTO -> state.mode();
        };
    if (target == state.mode()) {
      ModeState next =
          new ModeState(
              state.mode(),
              override,
              state.since(),
              0,
              0,
              List.of(),
              state.lastTransition(),
              List.of());
      return new Step(next, Decision.NONE, Optional.empty(), verdict);
    }
    Transition transition =
        new Transition(
            state.mode(), target, Cause.MANUAL, at, List.of(), "manual " + override.name());
    return switchTo(state, override, transition, verdict);
  }

  /**
   * Takes a mode decided elsewhere: by the decider of a group of instances that share the work
   * (DESIGN section 8). The counters start again; when the mode changes, the transition carries the
   * decider's cause and detail, so a follower logs and reports the switch as the decider saw it.
   *
   * @param state the current state
   * @param mode the decided mode
   * @param override the override in force with the decision
   * @param cause why the decider switched (used only when the mode changes)
   * @param detail the decider's observations (used only when the mode changes)
   * @param at when this instance takes the decision
   * @return the new state; a transition when the mode changes; the state itself, counters kept,
   *     when neither the mode nor the override changes
   */
  public Step adopt(
      ModeState state, Mode mode, ModeOverride override, Cause cause, String detail, Instant at) {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(override, "override");
    Objects.requireNonNull(cause, "cause");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(at, "at");
    CheckVerdict verdict = new CheckVerdict(Kind.OVERRIDDEN, 0, 0, "decided by the group");
    if (mode == state.mode()) {
      if (override == state.override()) {
        return unchanged(state, verdict);
      }
      ModeState next =
          new ModeState(
              mode, override, state.since(), 0, 0, List.of(), state.lastTransition(), List.of());
      return new Step(next, Decision.NONE, Optional.empty(), verdict);
    }
    return switchTo(
        state, override, new Transition(state.mode(), mode, cause, at, List.of(), detail), verdict);
  }

  /**
   * Feeds one health-only probe of the fast confirmation. Without fast confirmation ({@link
   * ModePolicy#healthConfirmations()} 0) the probe is not counted.
   *
   * @param state the current state
   * @param at when the probe was taken
   * @param health what it found
   * @return the new state, what to do, and how the probe was counted
   */
  public Step observeHealth(ModeState state, Instant at, Health health) {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(health, "health");
    int limit = policy.healthConfirmations();
    if (state.override() != ModeOverride.AUTO) {
      return unchanged(state, new CheckVerdict(Kind.OVERRIDDEN, 0, 0, state.override().name()));
    }
    if (!policy.confirmsHealthFast()) {
      return unchanged(state, new CheckVerdict(Kind.NO_EVIDENCE, 0, 0, "fast confirmation off"));
    }
    if (state.mode() == Mode.FALLBACK) {
      if (health.isHealthy()) {
        return unchanged(
            state, new CheckVerdict(Kind.PROBE_HEALTHY, state.recoveries(), 0, health.reason()));
      }
      return unchanged(
          withCounts(state, 0, 0, List.of()),
          new CheckVerdict(Kind.NOT_RECOVERED, 0, policy.consecutiveRecoveries(), health.reason()));
    }
    Observation probe = new Observation(at, Optional.empty(), health);
    ModeState counted = withProbe(state, probe);
    if (health.isHealthy()) {
      return unchanged(counted, new CheckVerdict(Kind.PROBE_HEALTHY, 0, limit, health.reason()));
    }
    int count = counted.unhealthyProbes().size();
    CheckVerdict verdict = new CheckVerdict(Kind.PROBE_UNHEALTHY, count, limit, health.reason());
    return confirmedUnhealthy(counted, at)
        .map(transition -> switchTo(state, ModeOverride.AUTO, transition, verdict))
        .orElseGet(() -> unchanged(counted, verdict));
  }

  private Step observeInPrimary(ModeState before, Observation observation) {
    ModeState state = withProbe(before, observation);
    Optional<Transition> confirmed = confirmedUnhealthy(state, observation.at());
    Optional<String> violation = violation(observation);
    if (violation.isPresent()) {
      int count = state.violations() + 1;
      List<Observation> streak = append(state.streak(), observation);
      CheckVerdict verdict =
          new CheckVerdict(Kind.VIOLATION, count, policy.consecutiveViolations(), violation.get());
      if (confirmed.isPresent()) {
        return switchTo(state, ModeOverride.AUTO, confirmed.get(), verdict);
      }
      if (count >= policy.consecutiveViolations()) {
        boolean anyUnhealthy = streak.stream().anyMatch(o -> !o.health().isHealthy());
        Transition transition =
            new Transition(
                Mode.PRIMARY,
                Mode.FALLBACK,
                anyUnhealthy ? Cause.UNHEALTHY : Cause.LATENCY,
                observation.at(),
                streak,
                count + " consecutive violations: " + describe(streak));
        return switchTo(state, ModeOverride.AUTO, transition, verdict);
      }
      return unchanged(withCounts(state, count, 0, streak), verdict);
    }
    if (observation.latency().isPresent()) {
      return unchanged(
          withCounts(state, 0, 0, List.of()),
          new CheckVerdict(Kind.OK, 0, policy.consecutiveViolations(), latencyText(observation)));
    }
    return unchanged(
        state,
        new CheckVerdict(
            Kind.NO_EVIDENCE,
            state.violations(),
            policy.consecutiveViolations(),
            "no latency evidence"));
  }

  private Step observeInFallback(ModeState state, Observation observation) {
    int limit = policy.consecutiveRecoveries();
    if (observation.health().isHealthy() && observation.latency().isEmpty()) {
      return unchanged(
          state,
          new CheckVerdict(Kind.NO_EVIDENCE, state.recoveries(), limit, "no latency evidence"));
    }
    boolean recovering =
        observation.health().isHealthy()
            && observation.latency().get().compareTo(policy.resumeThreshold()) < 0;
    if (!recovering) {
      String reason =
          observation.health().isHealthy()
              ? seconds(observation.latency().get())
                  + " >= resume threshold "
                  + seconds(policy.resumeThreshold())
              : observation.health().reason();
      return unchanged(
          withCounts(state, 0, 0, List.of()),
          new CheckVerdict(Kind.NOT_RECOVERED, 0, limit, reason));
    }
    int count = state.recoveries() + 1;
    List<Observation> streak = append(state.streak(), observation);
    CheckVerdict verdict =
        new CheckVerdict(
            Kind.RECOVERING,
            count,
            limit,
            seconds(observation.latency().get()) + " < " + seconds(policy.resumeThreshold()));
    Duration inFallback = Duration.between(state.since(), observation.at());
    if (count >= limit && inFallback.compareTo(policy.minFallback()) >= 0) {
      Transition transition =
          new Transition(
              Mode.FALLBACK,
              Mode.PRIMARY,
              Cause.RECOVERED,
              observation.at(),
              streak,
              count + " consecutive recovering checks: " + describe(streak));
      return switchTo(state, ModeOverride.AUTO, transition, verdict);
    }
    return unchanged(withCounts(state, 0, count, streak), verdict);
  }

  /**
   * Counts a health reading for the fast confirmation: an unhealthy one is added to the run, a
   * healthy one ends it. Without fast confirmation nothing is counted.
   */
  private ModeState withProbe(ModeState state, Observation reading) {
    if (!policy.confirmsHealthFast()) {
      return state;
    }
    List<Observation> probes =
        reading.health().isHealthy() ? List.of() : append(state.unhealthyProbes(), reading);
    return new ModeState(
        state.mode(),
        state.override(),
        state.since(),
        state.violations(),
        state.recoveries(),
        state.streak(),
        state.lastTransition(),
        probes);
  }

  /** The switch to fallback when the unhealthy readings in a row reach the confirmations. */
  private Optional<Transition> confirmedUnhealthy(ModeState state, Instant at) {
    List<Observation> probes = state.unhealthyProbes();
    if (!policy.confirmsHealthFast() || probes.size() < policy.healthConfirmations()) {
      return Optional.empty();
    }
    return Optional.of(
        new Transition(
            Mode.PRIMARY,
            Mode.FALLBACK,
            Cause.UNHEALTHY,
            at,
            probes,
            probes.size() + " consecutive unhealthy health probes: " + describe(probes)));
  }

  /** Why a check violates, or empty when it does not. */
  private Optional<String> violation(Observation observation) {
    if (!observation.health().isHealthy()) {
      return Optional.of(observation.health().reason());
    }
    if (policy.forcesFallback()) {
      return Optional.of("latency_threshold_seconds is 0 (forced fallback)");
    }
    return observation
        .latency()
        .filter(latency -> latency.compareTo(policy.latencyThreshold()) > 0)
        .map(latency -> seconds(latency) + " > " + wholeSeconds(policy.latencyThreshold()));
  }

  private Step switchTo(
      ModeState state, ModeOverride override, Transition transition, CheckVerdict verdict) {
    ModeState next =
        new ModeState(
            transition.to(), override, transition.at(), 0, 0, List.of(), Optional.of(transition));
    Decision decision =
        transition.to() == Mode.FALLBACK ? Decision.START_FALLBACK : Decision.STOP_FALLBACK;
    return new Step(next, decision, Optional.of(transition), verdict);
  }

  private static Step unchanged(ModeState state, CheckVerdict verdict) {
    return new Step(state, Decision.NONE, Optional.empty(), verdict);
  }

  private static ModeState withCounts(
      ModeState state, int violations, int recoveries, List<Observation> streak) {
    return new ModeState(
        state.mode(),
        state.override(),
        state.since(),
        violations,
        recoveries,
        streak,
        state.lastTransition(),
        state.unhealthyProbes());
  }

  private static List<Observation> append(List<Observation> streak, Observation observation) {
    List<Observation> copy = new ArrayList<>(streak.size() + 1);
    copy.addAll(streak);
    copy.add(observation);
    return copy;
  }

  private String describe(List<Observation> streak) {
    List<String> parts = new ArrayList<>(streak.size());
    for (Observation o : streak) {
      parts.add(
          !o.health().isHealthy()
              ? o.health().reason()
              : o.latency().map(ModeStateMachine::seconds).orElse("no latency evidence"));
    }
    return String.join("; ", parts);
  }

  private static String latencyText(Observation observation) {
    return observation.latency().map(ModeStateMachine::seconds).orElse("no latency evidence");
  }

  /** Seconds with two decimals, as the seed logs them: {@code 312.45s}. */
  public static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.2fs", duration.toMillis() / 1000.0);
  }

  /** Whole seconds where exact, as the seed logs the threshold: {@code 300s}. */
  static String wholeSeconds(Duration duration) {
    return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : seconds(duration);
  }
}
