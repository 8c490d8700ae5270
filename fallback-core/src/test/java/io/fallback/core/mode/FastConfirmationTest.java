package io.fallback.core.mode;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.Health;
import io.fallback.core.mode.CheckVerdict.Kind;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The fast confirmation of an unhealthy primary, as a pure function of its readings. */
class FastConfirmationTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Health DOWN = Health.unhealthy("job status CANCELED");
  private static final Health UP = Health.healthy("job RUNNING");

  /** 60 s checks with 3 violations (the seed's rule), fast path: 3 unhealthy probes. */
  private final ModeStateMachine machine =
      new ModeStateMachine(ModePolicy.of(Duration.ofSeconds(300), 3).withHealthConfirmations(3));

  private static Instant at(int seconds) {
    return T0.plusSeconds(seconds);
  }

  @Test
  void threeUnhealthyProbesInARow_switchAtTheThird_withTheProbesAsEvidence() {
    ModeState s = ModeState.initial(T0);
    Step first = machine.observeHealth(s, at(5), DOWN);
    Step second = machine.observeHealth(first.state(), at(10), DOWN);
    Step third = machine.observeHealth(second.state(), at(15), DOWN);

    assertThat(first.verdict())
        .isEqualTo(new CheckVerdict(Kind.PROBE_UNHEALTHY, 1, 3, DOWN.reason()));
    assertThat(second.decision()).isEqualTo(Decision.NONE);
    assertThat(third.decision()).isEqualTo(Decision.START_FALLBACK);
    Transition t = third.transition().orElseThrow();
    assertThat(t.cause()).isEqualTo(Cause.UNHEALTHY);
    assertThat(t.at()).isEqualTo(at(15));
    assertThat(t.observations()).extracting(Observation::at).containsExactly(at(5), at(10), at(15));
    assertThat(t.detail()).startsWith("3 consecutive unhealthy health probes: job status CANCELED");
    assertThat(third.state().unhealthyProbes()).isEmpty();
  }

  @Test
  void oneUnhealthyProbeFollowedByAHealthyOne_switchesNothing_andStartsCountingAfresh() {
    ModeState s = ModeState.initial(T0);
    s = machine.observeHealth(s, at(5), DOWN).state();
    Step healthy = machine.observeHealth(s, at(10), UP);
    s = healthy.state();
    s = machine.observeHealth(s, at(15), DOWN).state();
    Step again = machine.observeHealth(s, at(20), DOWN);

    assertThat(healthy.verdict().kind()).isEqualTo(Kind.PROBE_HEALTHY);
    assertThat(healthy.state().unhealthyProbes()).isEmpty();
    assertThat(again.decision()).isEqualTo(Decision.NONE);
    assertThat(again.state().mode()).isEqualTo(Mode.PRIMARY);
    assertThat(again.verdict().count()).isEqualTo(2);
  }

  @Test
  void unhealthyChecksCountAsReadings_soProbesAndAChecksConfirmTogether() {
    ModeState s = ModeState.initial(T0);
    s = machine.observeHealth(s, at(5), DOWN).state();
    s = machine.observeHealth(s, at(10), DOWN).state();
    Step check = machine.observe(s, new Observation(at(12), java.util.Optional.empty(), DOWN));

    assertThat(check.decision()).isEqualTo(Decision.START_FALLBACK);
    assertThat(check.transition().orElseThrow().cause()).isEqualTo(Cause.UNHEALTHY);
    assertThat(check.verdict().kind()).isEqualTo(Kind.VIOLATION);
  }

  @Test
  void aHealthyCheckEndsTheRunOfUnhealthyProbes() {
    ModeState s = ModeState.initial(T0);
    s = machine.observeHealth(s, at(5), DOWN).state();
    s = machine.observeHealth(s, at(10), DOWN).state();
    s = machine.observe(s, Observation.healthy(at(12), Duration.ofSeconds(1))).state();
    Step probe = machine.observeHealth(s, at(15), DOWN);

    assertThat(probe.decision()).isEqualTo(Decision.NONE);
    assertThat(probe.verdict().count()).isEqualTo(1);
  }

  @Test
  void latencyViolationsKeepTheirOwnRule_probesDoNotCountAsChecks() {
    ModeState s = ModeState.initial(T0);
    s = machine.observe(s, Observation.healthy(at(0), Duration.ofSeconds(400))).state();
    s = machine.observeHealth(s, at(5), DOWN).state();
    s = machine.observeHealth(s, at(10), UP).state();

    assertThat(s.violations()).isEqualTo(1);
    assertThat(s.mode()).isEqualTo(Mode.PRIMARY);
  }

  @Test
  void inFallback_anUnhealthyProbeResetsTheRecoveries_aHealthyOneCountsNothing() {
    ModePolicy policy =
        new ModePolicy(Duration.ofSeconds(300), 1, Duration.ofSeconds(150), 3, Duration.ZERO, 3);
    ModeStateMachine m = new ModeStateMachine(policy);
    ModeState s = m.observe(ModeState.initial(T0), Observation.unhealthy(at(0), "down")).state();
    assertThat(s.mode()).isEqualTo(Mode.FALLBACK);
    s = m.observe(s, Observation.healthy(at(60), Duration.ofSeconds(1))).state();
    s = m.observe(s, Observation.healthy(at(120), Duration.ofSeconds(1))).state();
    assertThat(s.recoveries()).isEqualTo(2);

    Step healthy = m.observeHealth(s, at(125), UP);
    Step unhealthy = m.observeHealth(s, at(125), DOWN);

    assertThat(healthy.state().recoveries()).isEqualTo(2);
    assertThat(unhealthy.state().recoveries()).isZero();
    assertThat(unhealthy.verdict().kind()).isEqualTo(Kind.NOT_RECOVERED);
    assertThat(unhealthy.decision()).isEqualTo(Decision.NONE);
  }

  @Test
  void withoutFastConfirmation_probesAreNotCounted_andTheSeedRuleIsUnchanged() {
    ModeStateMachine seed = new ModeStateMachine(ModePolicy.of(Duration.ofSeconds(300), 3));
    ModeState s = ModeState.initial(T0);
    for (int i = 1; i <= 5; i++) {
      s = seed.observeHealth(s, at(i * 5), DOWN).state();
    }
    assertThat(s.mode()).isEqualTo(Mode.PRIMARY);
    assertThat(s.unhealthyProbes()).isEmpty();
    s = seed.observe(s, Observation.unhealthy(at(60), "down")).state();
    s = seed.observe(s, Observation.unhealthy(at(120), "down")).state();
    assertThat(s.mode()).isEqualTo(Mode.PRIMARY);
    assertThat(s.unhealthyProbes()).isEmpty();
  }

  @Test
  void anOverrideInForce_probesAreNotCounted() {
    ModeState s = machine.override(ModeState.initial(T0), ModeOverride.FORCE_PRIMARY, T0).state();
    for (int i = 1; i <= 5; i++) {
      s = machine.observeHealth(s, at(i * 5), DOWN).state();
    }
    assertThat(s.mode()).isEqualTo(Mode.PRIMARY);
    assertThat(s.unhealthyProbes()).isEmpty();
  }

  @Test
  void negativeConfirmations_nameTheKey() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ModePolicy.ofDefaults().withHealthConfirmations(-1))
        .hasMessageContaining("monitoring.health_confirmations must be >= 0");
  }
}
