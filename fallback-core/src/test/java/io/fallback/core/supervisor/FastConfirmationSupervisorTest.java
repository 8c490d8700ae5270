package io.fallback.core.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.core.FallbackListener;
import io.fallback.core.Health;
import io.fallback.core.mode.CheckVerdict;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModePolicy;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Transition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The supervisor's health-only probes in virtual time: 60 s checks, the seed's 3 violations, and
 * the fast path of issue 14 (a probe every 5 s, 3 confirmations).
 */
class FastConfirmationSupervisorTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final ManualScheduler time = new ManualScheduler(T0);
  private final AtomicReference<Health> health =
      new AtomicReference<>(Health.healthy("job RUNNING"));
  private final AtomicInteger healthCalls = new AtomicInteger();
  private final FallbackSupervisorTest.FakeActivity activity =
      new FallbackSupervisorTest.FakeActivity();
  private final List<Transition> transitions = new ArrayList<>();
  private final List<String> probes = new ArrayList<>();
  private final FallbackListener listener =
      new FallbackListener() {
        @Override
        public void healthProbed(Instant at, Health h, CheckVerdict v, ModeState s) {
          probes.add(v.kind() + " " + v.count() + "/" + v.limit());
        }

        @Override
        public void transitioned(Transition t) {
          transitions.add(t);
        }
      };

  private FallbackSupervisor.Builder builder() {
    return FallbackSupervisor.builder()
        .policy(ModePolicy.of(Duration.ofSeconds(300), 3).withHealthConfirmations(3))
        .latencySource(() -> Optional.of(Duration.ofSeconds(1)))
        .healthProbe(
            () -> {
              healthCalls.incrementAndGet();
              return health.get();
            })
        .activity(activity)
        .listener(listener)
        .clock(time)
        .scheduler(time)
        .probeExecutor(Runnable::run)
        .checkInterval(Duration.ofSeconds(60))
        .probeTimeout(Duration.ofSeconds(2))
        .healthCheckInterval(Duration.ofSeconds(5));
  }

  @Test
  void cancelledJob_confirmedByThreeProbes_triggersWithin15s_notAfterThreeChecks() {
    FallbackSupervisor supervisor = builder().build();
    supervisor.start();
    time.runDue(); // the check at T0, healthy
    time.advance(Duration.ofSeconds(7)); // probe at 5 s, healthy
    health.set(Health.unhealthy("job status CANCELED"));
    Instant fault = time.instant();

    time.advance(Duration.ofSeconds(15)); // probes at 10, 15, 20 s

    Transition t = transitions.get(0);
    assertThat(t.to()).isEqualTo(Mode.FALLBACK);
    assertThat(Duration.between(fault, t.at())).isLessThanOrEqualTo(Duration.ofSeconds(15));
    assertThat(t.at()).isEqualTo(T0.plusSeconds(20));
    assertThat(t.detail()).startsWith("3 consecutive unhealthy health probes: job status CANCELED");
    assertThat(activity.starts).isEqualTo(1);
    assertThat(probes).containsSubsequence("PROBE_UNHEALTHY 1/3", "PROBE_UNHEALTHY 2/3");
  }

  @Test
  void oneProbeBlip_jobRestartedWithinOneInterval_triggersNothing() {
    FallbackSupervisor supervisor = builder().build();
    supervisor.start();
    time.runDue();
    time.advance(Duration.ofSeconds(7)); // healthy probe at 5 s
    health.set(Health.unhealthy("job status RESTARTING"));
    time.advance(Duration.ofSeconds(5)); // one unhealthy probe at 10 s
    health.set(Health.healthy("job RUNNING"));

    time.advance(Duration.ofSeconds(300));

    assertThat(transitions).isEmpty();
    assertThat(supervisor.state().mode()).isEqualTo(Mode.PRIMARY);
    assertThat(probes).contains("PROBE_UNHEALTHY 1/3").doesNotContain("PROBE_UNHEALTHY 2/3");
  }

  @Test
  void hungProbe_isNotCalledAgainWhileInFlight_andCountsAsUnhealthyAtItsTimeout() {
    List<Runnable> parked = new ArrayList<>();
    AtomicInteger submitted = new AtomicInteger();
    FallbackSupervisor supervisor =
        builder()
            .probeExecutor(
                task -> {
                  submitted.incrementAndGet();
                  parked.add(task); // hangs forever
                })
            .build();
    supervisor.start();
    time.runDue(); // check: latency and health both hang

    time.advance(Duration.ofSeconds(59));

    assertThat(submitted).as("latency + health of the check; the probes skip").hasValue(2);
    assertThat(probes).isEmpty();
  }

  @Test
  void probesStopWithTheSupervisor() {
    FallbackSupervisor supervisor = builder().build();
    supervisor.start();
    time.advance(Duration.ofSeconds(30));
    int before = healthCalls.get();
    supervisor.close();

    time.advance(Duration.ofSeconds(60));

    assertThat(before).isEqualTo(7); // the check at 0 s, probes at 5..30 s
    assertThat(healthCalls).hasValue(before);
  }

  @Test
  void healthInterval_mustBeShorterThanTheCheckInterval_andNeedsConfirmations() {
    assertThatThrownBy(() -> builder().healthCheckInterval(Duration.ofSeconds(60)).build())
        .hasMessageContaining("monitoring.health_check_interval_seconds must be > 0 and < ");
    assertThatThrownBy(() -> builder().policy(ModePolicy.ofDefaults()).build())
        .hasMessageContaining("needs monitoring.health_confirmations >= 1");
  }

  @Test
  void aCheckFindingAProbeInFlight_takesItsAnswer_countedOnce_notATimeout() {
    List<Runnable> queued = new ArrayList<>();
    List<String> checks = new ArrayList<>();
    FallbackSupervisor supervisor =
        builder()
            .healthCheckInterval(Duration.ofSeconds(7)) // probes at 7, 14, ..., 56, 63, 70
            .probeTimeout(Duration.ofSeconds(5)) // the probe of 56 s is not timed out at 60 s
            .probeExecutor(queued::add) // calls answer when the test runs them
            .listener(
                new FallbackListener() {
                  @Override
                  public void checkCompleted(
                      io.fallback.core.mode.Observation o, CheckVerdict v, ModeState s) {
                    checks.add(v.kind() + ": " + v.reason());
                  }

                  @Override
                  public void transitioned(Transition t) {
                    transitions.add(t);
                  }
                })
            .build();
    supervisor.start();
    for (int second = 0; second <= 55; second++) {
      time.advance(second == 0 ? Duration.ZERO : Duration.ofSeconds(1));
      runAll(queued);
    }
    health.set(Health.unhealthy("job status CANCELED"));
    time.advance(Duration.ofSeconds(1)); // the probe of 56 s is called and still in flight ...
    time.advance(Duration.ofSeconds(4)); // ... when the check of 60 s starts
    runAll(queued); // the probe answers: unhealthy
    for (int second = 61; second <= 70; second++) {
      time.advance(Duration.ofSeconds(1));
      runAll(queued);
    }

    assertThat(checks).hasSize(2).noneMatch(c -> c.contains("timed out"));
    assertThat(transitions)
        .singleElement()
        .satisfies(
            t ->
                assertThat(t.at())
                    .as("56 s (taken by the check of 60 s, counted once), 63, 70")
                    .isEqualTo(T0.plusSeconds(70)));
    assertThat(healthCalls).as("0 s, eight probes to 56 s, 63 and 70 s").hasValue(11);
  }

  private static void runAll(List<Runnable> queued) {
    List<Runnable> now = new ArrayList<>(queued);
    queued.clear();
    now.forEach(Runnable::run);
  }
}
