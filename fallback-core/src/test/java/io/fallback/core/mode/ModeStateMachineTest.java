package io.fallback.core.mode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.core.Health;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ModeStateMachineTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final ModeStateMachine machine = new ModeStateMachine(ModePolicy.ofDefaults());

  /**
   * A check, written compactly: "L400" latency 400 s, "U" unhealthy, "N" healthy without latency.
   */
  private static Observation obs(String code, int index) {
    Instant at = T0.plusSeconds(60L * index);
    if (code.equals("U")) {
      return Observation.unhealthy(at, "job nurse-stress is CANCELED");
    }
    if (code.equals("N")) {
      return Observation.noEvidence(at);
    }
    return Observation.healthy(at, Duration.ofSeconds(Long.parseLong(code.substring(1))));
  }

  private List<Step> run(ModeStateMachine m, ModeState start, String... codes) {
    List<Step> steps = new ArrayList<>();
    ModeState s = start;
    for (int i = 0; i < codes.length; i++) {
      Step step = m.observe(s, obs(codes[i], i));
      steps.add(step);
      s = step.state();
    }
    return steps;
  }

  static Stream<Arguments> primaryTable() {
    // checks, expected mode after the last check, expected violation count after it
    return Stream.of(
        Arguments.of(new String[] {"L400", "L400"}, Mode.PRIMARY, 2),
        Arguments.of(new String[] {"L400", "L400", "L400"}, Mode.FALLBACK, 0),
        Arguments.of(
            new String[] {"L300", "L300", "L300"}, Mode.PRIMARY, 0), // at threshold: no violation
        Arguments.of(new String[] {"L301", "L301", "L301"}, Mode.FALLBACK, 0),
        Arguments.of(new String[] {"U", "U", "U"}, Mode.FALLBACK, 0),
        Arguments.of(
            new String[] {"U", "L400", "U"}, Mode.FALLBACK, 0), // mixed causes count together
        Arguments.of(
            new String[] {"L400", "L400", "L10", "L400"},
            Mode.PRIMARY,
            1), // reset by healthy check
        Arguments.of(
            new String[] {"L400", "N", "L400", "N", "L400"},
            Mode.FALLBACK,
            0), // no evidence leaves it
        Arguments.of(new String[] {"L400", "L400", "N"}, Mode.PRIMARY, 2),
        Arguments.of(new String[] {"N", "N", "N", "N"}, Mode.PRIMARY, 0));
  }

  @ParameterizedTest
  @MethodSource("primaryTable")
  void primaryChecks_switchOnlyAfterConsecutiveViolations(
      String[] checks, Mode mode, int violations) {
    List<Step> steps = run(machine, ModeState.initial(T0), checks);

    ModeState last = steps.get(steps.size() - 1).state();
    assertThat(last.mode()).isEqualTo(mode);
    assertThat(last.violations()).isEqualTo(violations);
  }

  @Test
  void thirdViolation_switchesWithCauseAndObservations() {
    List<Step> steps = run(machine, ModeState.initial(T0), "L312", "U", "L318");

    Step third = steps.get(2);
    assertThat(third.decision()).isEqualTo(Decision.START_FALLBACK);
    Transition t = third.transition().orElseThrow();
    assertThat(t.from()).isEqualTo(Mode.PRIMARY);
    assertThat(t.to()).isEqualTo(Mode.FALLBACK);
    assertThat(t.cause()).isEqualTo(Cause.UNHEALTHY);
    assertThat(t.at()).isEqualTo(T0.plusSeconds(120));
    assertThat(t.observations()).hasSize(3).first().isEqualTo(obs("L312", 0));
    assertThat(t.detail()).contains("312.00s", "job nurse-stress is CANCELED", "318.00s");
    assertThat(third.state().since()).isEqualTo(T0.plusSeconds(120));
    assertThat(third.state().streak()).isEmpty();
  }

  @Test
  void violationVerdict_carriesSeedLogText() {
    Step step =
        machine.observe(ModeState.initial(T0), Observation.healthy(T0, Duration.ofMillis(312_450)));

    assertThat(step.verdict().kind()).isEqualTo(CheckVerdict.Kind.VIOLATION);
    assertThat(step.verdict().count()).isEqualTo(1);
    assertThat(step.verdict().limit()).isEqualTo(3);
    assertThat(step.verdict().reason()).isEqualTo("312.45s > 300s");
  }

  @Test
  void latencyOnlyStreak_hasLatencyCause() {
    List<Step> steps = run(machine, ModeState.initial(T0), "L400", "L500", "L600");

    assertThat(steps.get(2).transition().orElseThrow().cause()).isEqualTo(Cause.LATENCY);
  }

  static Stream<Arguments> fallbackTable() {
    // default policy: resume below 150 s, 1 recovery
    return Stream.of(
        Arguments.of(new String[] {"L149"}, Mode.PRIMARY),
        Arguments.of(new String[] {"L150"}, Mode.FALLBACK), // not strictly below
        Arguments.of(new String[] {"U"}, Mode.FALLBACK),
        Arguments.of(new String[] {"N"}, Mode.FALLBACK),
        Arguments.of(new String[] {"N", "L10"}, Mode.PRIMARY));
  }

  @ParameterizedTest
  @MethodSource("fallbackTable")
  void fallbackChecks_resumeBelowResumeThreshold(String[] checks, Mode mode) {
    ModeState inFallback =
        machine.override(ModeState.initial(T0), ModeOverride.FORCE_FALLBACK, T0).state();
    inFallback = machine.override(inFallback, ModeOverride.AUTO, T0).state();

    List<Step> steps = run(machine, inFallback, checks);

    assertThat(steps.get(steps.size() - 1).state().mode()).isEqualTo(mode);
  }

  @Test
  void recoveries_needConsecutiveChecks_noEvidenceNeitherCountsNorResets() {
    ModeStateMachine m =
        new ModeStateMachine(
            new ModePolicy(Duration.ofSeconds(300), 3, Duration.ofSeconds(150), 3, Duration.ZERO));
    ModeState fallback = fallbackState(m);

    List<Step> steps = run(m, fallback, "L10", "N", "L10", "L200", "L10", "L10", "N", "L10");

    assertThat(steps.stream().map(s -> s.state().recoveries()))
        .containsExactly(1, 1, 2, 0, 1, 2, 2, 0);
    assertThat(steps.get(7).decision()).isEqualTo(Decision.STOP_FALLBACK);
    assertThat(steps.get(7).transition().orElseThrow().cause()).isEqualTo(Cause.RECOVERED);
  }

  @Test
  void minFallback_delaysHandBackUntilDwellPassed() {
    ModeStateMachine m =
        new ModeStateMachine(
            new ModePolicy(
                Duration.ofSeconds(300), 1, Duration.ofSeconds(150), 1, Duration.ofSeconds(150)));
    ModeState s = m.observe(ModeState.initial(T0), Observation.unhealthy(T0, "down")).state();
    assertThat(s.mode()).isEqualTo(Mode.FALLBACK);

    Step early = m.observe(s, Observation.healthy(T0.plusSeconds(149), Duration.ZERO));
    Step onTime = m.observe(early.state(), Observation.healthy(T0.plusSeconds(150), Duration.ZERO));

    assertThat(early.state().mode()).isEqualTo(Mode.FALLBACK);
    assertThat(early.verdict().kind()).isEqualTo(CheckVerdict.Kind.RECOVERING);
    assertThat(onTime.state().mode()).isEqualTo(Mode.PRIMARY);
  }

  @Test
  void zeroThreshold_forcesFallbackEvenWhenCaughtUp() {
    ModeStateMachine m = new ModeStateMachine(ModePolicy.of(Duration.ZERO, 1));

    Step step = m.observe(ModeState.initial(T0), Observation.healthy(T0, Duration.ZERO));

    assertThat(step.state().mode()).isEqualTo(Mode.FALLBACK);
    assertThat(step.verdict().reason()).contains("latency_threshold_seconds is 0");
    assertThat(m.observe(step.state(), Observation.healthy(T0, Duration.ZERO)).state().mode())
        .as("resume threshold 0 never resumes")
        .isEqualTo(Mode.FALLBACK);
  }

  @Test
  void forceFallback_switchesAtOnceAndHoldsAgainstHealthyChecks() {
    Step forced = machine.override(ModeState.initial(T0), ModeOverride.FORCE_FALLBACK, T0);

    assertThat(forced.decision()).isEqualTo(Decision.START_FALLBACK);
    assertThat(forced.transition().orElseThrow().cause()).isEqualTo(Cause.MANUAL);
    List<Step> steps = run(machine, forced.state(), "L0", "L0", "L0");
    assertThat(steps).allSatisfy(s -> assertThat(s.state().mode()).isEqualTo(Mode.FALLBACK));
    assertThat(steps)
        .allSatisfy(s -> assertThat(s.verdict().kind()).isEqualTo(CheckVerdict.Kind.OVERRIDDEN));
  }

  @Test
  void forcePrimary_holdsAgainstViolations_andAutoResumesWithCountersReset() {
    Step forced = machine.override(fallbackState(machine), ModeOverride.FORCE_PRIMARY, T0);
    assertThat(forced.decision()).isEqualTo(Decision.STOP_FALLBACK);

    List<Step> held = run(machine, forced.state(), "U", "U", "U", "U");
    assertThat(held.get(3).state().mode()).isEqualTo(Mode.PRIMARY);

    Step auto = machine.override(held.get(3).state(), ModeOverride.AUTO, T0);
    assertThat(auto.decision()).isEqualTo(Decision.NONE);
    assertThat(auto.state().violations()).isZero();
    List<Step> after = run(machine, auto.state(), "U", "U");
    assertThat(after.get(1).state().mode()).as("needs 3 fresh violations").isEqualTo(Mode.PRIMARY);
  }

  @Test
  void overrideToCurrentMode_isNoTransition() {
    Step step = machine.override(ModeState.initial(T0), ModeOverride.FORCE_PRIMARY, T0);

    assertThat(step.transition()).isEmpty();
    assertThat(step.state().override()).isEqualTo(ModeOverride.FORCE_PRIMARY);
  }

  @Test
  void policy_rejectsBadValues_namingTheKey() {
    assertThatThrownBy(() -> ModePolicy.of(Duration.ofSeconds(300), 0))
        .hasMessage("monitoring.consecutive_violations must be >= 1, but was 0");
    assertThatThrownBy(() -> ModePolicy.of(Duration.ofSeconds(-1), 3))
        .hasMessageContaining("monitoring.latency_threshold_seconds must be >= 0");
    assertThatThrownBy(
            () ->
                new ModePolicy(
                    Duration.ofSeconds(300), 3, Duration.ofSeconds(301), 1, Duration.ZERO))
        .hasMessageContaining(
            "monitoring.resume_threshold_seconds must be <= monitoring.latency_threshold_seconds");
    assertThatThrownBy(
            () ->
                new ModePolicy(Duration.ofSeconds(300), 3, Duration.ofSeconds(1), 0, Duration.ZERO))
        .hasMessageContaining("monitoring.consecutive_recoveries must be >= 1, but was 0");
    assertThatThrownBy(
            () ->
                new ModePolicy(
                    Duration.ofSeconds(300), 3, Duration.ofSeconds(1), 1, Duration.ofSeconds(-5)))
        .hasMessageContaining("monitoring.min_fallback_seconds must be >= 0");
  }

  @Test
  void observation_rejectsNegativeLatency() {
    assertThatThrownBy(
            () -> new Observation(T0, Optional.of(Duration.ofSeconds(-1)), Health.healthy("ok")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static ModeState fallbackState(ModeStateMachine m) {
    ModeState s = ModeState.initial(T0);
    for (int i = 0; i < m.policy().consecutiveViolations(); i++) {
      s = m.observe(s, Observation.unhealthy(T0, "down")).state();
    }
    assertThat(s.mode()).isEqualTo(Mode.FALLBACK);
    return s;
  }
}
