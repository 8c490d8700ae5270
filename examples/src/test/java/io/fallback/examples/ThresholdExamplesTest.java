package io.fallback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.Health;
import io.fallback.core.mode.Cause;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModePolicy;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.ModeStateMachine;
import io.fallback.core.mode.Observation;
import io.fallback.core.mode.Step;
import io.fallback.core.mode.Transition;
import io.fallback.core.supervisor.FallbackActivity;
import io.fallback.core.supervisor.FallbackSupervisor;
import io.fallback.core.supervisor.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The README's "Unit-testing your thresholds" snippets, compiled and run: a user checks their own
 * policy against a scripted sequence of observations, first on the pure state machine, then on the
 * supervisor in virtual time. The code between the README markers must equal the README's blocks
 * ({@link ReadmeSnippetsTest}).
 */
class ThresholdExamplesTest {

  @Test
  void stateMachine_threeSlowChecksInARow_switchToFallbackWithTheirObservations() {
    // README:begin thresholds-machine
    ModeStateMachine machine = new ModeStateMachine(ModePolicy.of(Duration.ofSeconds(30), 3));
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    ModeState state = ModeState.initial(t0);
    List<Transition> transitions = new ArrayList<>();

    long[] lagSeconds = {10, 45, 50, 20, 40, 41, 42}; // one check a minute
    for (int i = 0; i < lagSeconds.length; i++) {
      Observation check =
          Observation.healthy(t0.plusSeconds(60L * i), Duration.ofSeconds(lagSeconds[i]));
      Step step = machine.observe(state, check);
      state = step.state();
      step.transition().ifPresent(transitions::add);
    }

    // 45, 50 were reset by 20; 40, 41, 42 are three in a row: one switch, at the third
    assertThat(transitions).hasSize(1);
    Transition t = transitions.get(0);
    assertThat(t.from()).isEqualTo(Mode.PRIMARY);
    assertThat(t.to()).isEqualTo(Mode.FALLBACK);
    assertThat(t.cause()).isEqualTo(Cause.LATENCY);
    assertThat(t.at()).isEqualTo(t0.plusSeconds(6 * 60));
    assertThat(t.observations()) // the checks behind it
        .extracting(o -> o.latency().orElseThrow().toSeconds())
        .containsExactly(40L, 41L, 42L);
    // README:end thresholds-machine
  }

  @Test
  void supervisor_unhealthyPrimaryInVirtualTime_startsTheFallbackAtTheThirdCheck() {
    // README:begin thresholds-supervisor
    ManualScheduler time = new ManualScheduler(Instant.parse("2026-01-01T00:00:00Z"));
    Queue<Health> health =
        new ArrayDeque<>(
            List.of(
                Health.healthy("job RUNNING"),
                Health.unhealthy("job RESTARTING"),
                Health.unhealthy("job RESTARTING"),
                Health.unhealthy("job FAILED")));
    AtomicBoolean fallbackRunning = new AtomicBoolean();
    FallbackActivity fallback =
        new FallbackActivity() { // stands in for the loop: the thresholds are under test
          @Override
          public void start() {
            fallbackRunning.set(true);
          }

          @Override
          public void stop() {
            fallbackRunning.set(false);
          }

          @Override
          public boolean isRunning() {
            return fallbackRunning.get();
          }
        };
    try (FallbackSupervisor supervisor =
        FallbackSupervisor.builder()
            .policy(ModePolicy.of(Duration.ofSeconds(30), 3))
            .latencySource(() -> Optional.of(Duration.ofSeconds(1)))
            .healthProbe(() -> Optional.ofNullable(health.poll()).orElseThrow())
            .activity(fallback)
            .clock(time) // virtual time: nothing sleeps, nothing waits
            .scheduler(time)
            .probeExecutor(Runnable::run)
            .checkInterval(Duration.ofSeconds(10))
            .build()) {
      supervisor.start(); // first check at once

      time.advance(Duration.ofSeconds(20)); // checks at 10 s and 20 s: two unhealthy
      assertThat(supervisor.state().mode()).isEqualTo(Mode.PRIMARY);
      assertThat(fallbackRunning).isFalse();

      time.advance(Duration.ofSeconds(10)); // the third unhealthy check, at 30 s
      assertThat(supervisor.state().mode()).isEqualTo(Mode.FALLBACK);
      assertThat(fallbackRunning).isTrue();
      Transition t = supervisor.state().lastTransition().orElseThrow();
      assertThat(t.cause()).isEqualTo(Cause.UNHEALTHY);
      assertThat(t.at()).isEqualTo(Instant.parse("2026-01-01T00:00:30Z"));
      assertThat(t.detail()).contains("job FAILED");
    }
    // README:end thresholds-supervisor
  }
}
