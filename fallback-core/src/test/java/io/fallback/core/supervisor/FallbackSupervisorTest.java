package io.fallback.core.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.FallbackListener;
import io.fallback.core.Health;
import io.fallback.core.HealthProbe;
import io.fallback.core.mode.CheckVerdict;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModePolicy;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Observation;
import io.fallback.core.mode.Override;
import io.fallback.core.mode.Transition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The supervisor in virtual time: a manual scheduler and clock, probes run inline. No threads, no sleeps. */
class FallbackSupervisorTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final ManualScheduler time = new ManualScheduler(T0);
  private final AtomicReference<Optional<Duration>> latency = new AtomicReference<>(Optional.of(Duration.ZERO));
  private final AtomicReference<Health> health = new AtomicReference<>(Health.healthy("job RUNNING"));
  private final FakeActivity activity = new FakeActivity();
  private final List<Transition> transitions = new ArrayList<>();
  private final List<String> checks = new ArrayList<>();
  private final FallbackListener listener =
      new FallbackListener() {
        @java.lang.Override
        public void checkCompleted(Observation o, CheckVerdict v, ModeState s) {
          checks.add(v.kind() + " " + v.count() + "/" + v.limit() + ": " + v.reason());
        }

        @java.lang.Override
        public void transitioned(Transition t) {
          transitions.add(t);
        }
      };

  static final class FakeActivity implements FallbackActivity {
    int starts;
    int stops;
    boolean running;

    @java.lang.Override
    public void start() {
      starts++;
      running = true;
    }

    @java.lang.Override
    public void stop() {
      stops++;
      running = false;
    }

    @java.lang.Override
    public boolean isRunning() {
      return running;
    }
  }

  /** Virtual time, inline probes, the fake activity and the recording listener; tests override parts. */
  private FallbackSupervisor.Builder builder() {
    return FallbackSupervisor.builder()
        .latencySource(latency::get)
        .healthProbe(health::get)
        .activity(activity)
        .listener(listener)
        .clock(time)
        .scheduler(time)
        .probeExecutor(Runnable::run)
        .checkInterval(Duration.ofSeconds(60))
        .probeTimeout(Duration.ofSeconds(10));
  }

  private FallbackSupervisor supervisor(HealthProbe probe, Executor probeExecutor, ModePolicy policy) {
    return builder().policy(policy).healthProbe(probe).probeExecutor(probeExecutor).build();
  }

  private FallbackSupervisor supervisor() {
    return supervisor(health::get, Runnable::run, ModePolicy.ofDefaults());
  }

  @Test
  void seedDefaults_switchExactlyAtThirdViolatingCheck_120sAfterTheFirst() {
    latency.set(Optional.of(Duration.ofMillis(312_450)));
    FallbackSupervisor supervisor = supervisor();
    supervisor.start();

    time.runDue(); // check 1 at T0
    time.advance(Duration.ofSeconds(60)); // check 2
    assertThat(supervisor.state().mode()).isEqualTo(Mode.PRIMARY);
    time.advance(Duration.ofSeconds(59));
    assertThat(activity.starts).isZero();
    time.advance(Duration.ofSeconds(1)); // check 3 at T0 + 120 s

    assertThat(supervisor.state().mode()).isEqualTo(Mode.FALLBACK);
    assertThat(activity.starts).isEqualTo(1);
    assertThat(transitions).singleElement().satisfies(t -> {
      assertThat(t.at()).isEqualTo(T0.plusSeconds(120));
      assertThat(t.observations()).extracting(Observation::at)
          .containsExactly(T0, T0.plusSeconds(60), T0.plusSeconds(120));
    });
    assertThat(checks).containsExactly(
        "VIOLATION 1/3: 312.45s > 300s", "VIOLATION 2/3: 312.45s > 300s", "VIOLATION 3/3: 312.45s > 300s");
  }

  @Test
  void recovery_handsBackAndStopsTheActivity() {
    health.set(Health.unhealthy("job nurse-stress is CANCELED"));
    FallbackSupervisor supervisor = supervisor();
    supervisor.start();
    time.advance(Duration.ofSeconds(120));
    assertThat(activity.starts).isEqualTo(1);

    health.set(Health.healthy("job RUNNING"));
    latency.set(Optional.of(Duration.ofSeconds(10)));
    time.advance(Duration.ofSeconds(60));

    assertThat(supervisor.state().mode()).isEqualTo(Mode.PRIMARY);
    assertThat(activity.stops).isEqualTo(1);
    assertThat(transitions).extracting(t -> t.to()).containsExactly(Mode.FALLBACK, Mode.PRIMARY);
  }

  @Test
  void hungHealthProbe_countsAsUnhealthyAtTheTimeout_andIsNotCalledAgainWhileHung() {
    AtomicInteger calls = new AtomicInteger();
    List<Runnable> parked = new ArrayList<>();
    Executor executor =
        task -> {
          calls.incrementAndGet();
          parked.add(task); // never runs: a probe that hangs forever
        };
    FallbackSupervisor supervisor = supervisor(health::get, executor, ModePolicy.ofDefaults());
    supervisor.start();

    time.runDue();
    assertThat(checks).isEmpty();
    time.advance(Duration.ofSeconds(10));

    assertThat(checks).singleElement().asString().startsWith("VIOLATION 1/3").contains("timed out after 10.0s");
    time.advance(Duration.ofSeconds(120));
    assertThat(calls).as("each probe called once, then skipped while hung").hasValue(2);
    assertThat(supervisor.state().mode()).isEqualTo(Mode.FALLBACK);
  }

  @Test
  void failingLatencySource_isNoEvidence_andLeavesTheCount() {
    FallbackSupervisor supervisor =
        builder()
            .latencySource(() -> {
              throw new IllegalStateException("kafka unreachable");
            })
            .build();
    supervisor.start();

    time.advance(Duration.ofSeconds(300));

    assertThat(checks).hasSize(6).allSatisfy(c -> assertThat(c).startsWith("NO_EVIDENCE"));
    assertThat(supervisor.state().mode()).isEqualTo(Mode.PRIMARY);
  }

  @Test
  void throwingHealthProbe_isUnhealthyWithItsMessage() {
    FallbackSupervisor supervisor =
        supervisor(() -> {
          throw new IllegalStateException("connection refused");
        }, Runnable::run, ModePolicy.ofDefaults());
    supervisor.start();

    time.runDue();

    assertThat(checks).singleElement().asString().isEqualTo("VIOLATION 1/3: probe failed: connection refused");
  }

  @Test
  void activityThatEndedOnItsOwn_isRestartedAtTheNextCheck() {
    health.set(Health.unhealthy("down"));
    FallbackSupervisor supervisor = supervisor();
    supervisor.start();
    time.advance(Duration.ofSeconds(120));
    assertThat(activity.starts).isEqualTo(1);

    activity.running = false; // the loop died
    time.advance(Duration.ofSeconds(60));

    assertThat(activity.starts).isEqualTo(2);
  }

  @Test
  void override_forcesModeAtOnce_withManualCause() {
    FallbackSupervisor supervisor = supervisor();
    supervisor.start();
    time.runDue();

    supervisor.override(Override.FORCE_FALLBACK);
    time.advance(Duration.ofSeconds(600));

    assertThat(supervisor.state().mode()).isEqualTo(Mode.FALLBACK);
    assertThat(activity.starts).isEqualTo(1);
    assertThat(transitions).singleElement().satisfies(t -> assertThat(t.detail()).isEqualTo("manual FORCE_FALLBACK"));
  }

  @Test
  void throwingListener_doesNotStopTheChecks() {
    AtomicInteger seen = new AtomicInteger();
    FallbackSupervisor supervisor =
        builder()
            .listener(new FallbackListener() {
              @java.lang.Override
              public void checkCompleted(Observation o, CheckVerdict v, ModeState s) {
                seen.incrementAndGet();
                throw new IllegalStateException("broken listener");
              }
            })
            .build();
    supervisor.start();

    time.advance(Duration.ofSeconds(180));

    assertThat(seen).hasValue(4);
  }

  @Test
  void close_cancelsChecks_andStopsARunningFallback() {
    FallbackSupervisor supervisor = supervisor();
    supervisor.start();
    supervisor.override(Override.FORCE_FALLBACK);

    supervisor.close();
    supervisor.close();
    time.advance(Duration.ofSeconds(600));

    assertThat(activity.stops).isEqualTo(1);
    assertThat(time.pendingTasks()).isZero();
    assertThat(checks).isEmpty();
  }
}
