package io.fallback.core.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.FallbackListener;
import io.fallback.core.Health;
import io.fallback.core.HealthProbe;
import io.fallback.core.PartitionListener;
import io.fallback.core.loop.FallbackLoop;
import io.fallback.core.loop.LoopSettings;
import io.fallback.core.mode.CheckVerdict;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeOverride;
import io.fallback.core.mode.ModePolicy;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Observation;
import io.fallback.core.mode.Transition;
import io.fallback.core.testing.ForwardingBatchSource;
import io.fallback.core.testing.InMemoryBatchSource;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.core.window.WindowStage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The supervisor in virtual time: a manual scheduler and clock, probes run inline. No threads, no
 * sleeps.
 */
class FallbackSupervisorTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final ManualScheduler time = new ManualScheduler(T0);
  private final AtomicReference<Optional<Duration>> latency =
      new AtomicReference<>(Optional.of(Duration.ZERO));
  private final AtomicReference<Health> health =
      new AtomicReference<>(Health.healthy("job RUNNING"));
  private final FakeActivity activity = new FakeActivity();
  private final List<Transition> transitions = new ArrayList<>();
  private final List<String> checks = new ArrayList<>();
  private final FallbackListener listener =
      new FallbackListener() {
        @Override
        public void checkCompleted(Observation o, CheckVerdict v, ModeState s) {
          checks.add(v.kind() + " " + v.count() + "/" + v.limit() + ": " + v.reason());
        }

        @Override
        public void transitioned(Transition t) {
          transitions.add(t);
        }
      };

  static class FakeActivity implements FallbackActivity {
    int starts;
    int stops;
    boolean running;

    @Override
    public void start() {
      starts++;
      running = true;
    }

    @Override
    public void stop() {
      stops++;
      running = false;
    }

    @Override
    public boolean isRunning() {
      return running;
    }
  }

  /**
   * Virtual time, inline probes, the fake activity and the recording listener; tests override
   * parts.
   */
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

  private FallbackSupervisor supervisor(
      HealthProbe probe, Executor probeExecutor, ModePolicy policy) {
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
    assertThat(transitions)
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.at()).isEqualTo(T0.plusSeconds(120));
              assertThat(t.observations())
                  .extracting(Observation::at)
                  .containsExactly(T0, T0.plusSeconds(60), T0.plusSeconds(120));
            });
    assertThat(checks)
        .containsExactly(
            "VIOLATION 1/3: 312.45s > 300s",
            "VIOLATION 2/3: 312.45s > 300s",
            "VIOLATION 3/3: 312.45s > 300s");
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

    assertThat(checks)
        .singleElement()
        .asString()
        .startsWith("VIOLATION 1/3")
        .contains("timed out after 10.0s");
    time.advance(Duration.ofSeconds(120));
    assertThat(calls).as("each probe called once, then skipped while hung").hasValue(2);
    assertThat(supervisor.state().mode()).isEqualTo(Mode.FALLBACK);
  }

  @Test
  void failingLatencySource_isNoEvidence_andLeavesTheCount() {
    FallbackSupervisor supervisor =
        builder()
            .latencySource(
                () -> {
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
        supervisor(
            () -> {
              throw new IllegalStateException("connection refused");
            },
            Runnable::run,
            ModePolicy.ofDefaults());
    supervisor.start();

    time.runDue();

    assertThat(checks)
        .singleElement()
        .asString()
        .isEqualTo("VIOLATION 1/3: probe failed: connection refused");
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

    supervisor.override(ModeOverride.FORCE_FALLBACK);
    time.advance(Duration.ofSeconds(600));

    assertThat(supervisor.state().mode()).isEqualTo(Mode.FALLBACK);
    assertThat(activity.starts).isEqualTo(1);
    assertThat(transitions)
        .singleElement()
        .satisfies(t -> assertThat(t.detail()).isEqualTo("manual FORCE_FALLBACK"));
  }

  @Test
  void throwingListener_doesNotStopTheChecks() {
    AtomicInteger seen = new AtomicInteger();
    FallbackSupervisor supervisor =
        builder()
            .listener(
                new FallbackListener() {
                  @Override
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
    supervisor.override(ModeOverride.FORCE_FALLBACK);

    supervisor.close();
    supervisor.close();
    time.advance(Duration.ofSeconds(600));

    assertThat(activity.stops).isEqualTo(1);
    assertThat(time.pendingTasks()).isZero();
    assertThat(checks).isEmpty();
  }

  @Test
  void activationThrowingError_isReportedAndRetriedWithBackoff_notSilentlyRestartedEachCheck() {
    // issue 11: the shipped jar threw NoClassDefFoundError while building the Kafka source; nothing
    // was reported, and every check logged "Starting Dask fallback processor..." again while
    // nothing ran
    NoClassDefFoundError missing = new NoClassDefFoundError("org/apache/avro/SchemaParseException");
    List<String> events = new ArrayList<>();
    FallbackListener recording =
        new FallbackListener() {
          @Override
          public void fallbackStarting() {
            events.add(seconds() + " starting");
          }

          @Override
          public void activationFailed(Throwable error, int attempt, Duration retryIn) {
            assertThat(error).isSameAs(missing);
            events.add(
                seconds() + " failed " + attempt + ", retry in " + retryIn.toSeconds() + "s");
          }
        };
    LoopRunner runner =
        runnerInVirtualTime(
                () -> {
                  throw missing;
                },
                recording)
            .build();
    health.set(Health.unhealthy("job nurse-stress is CANCELED"));
    FallbackSupervisor supervisor = builder().activity(runner).listener(recording).build();
    supervisor.start();

    time.advance(Duration.ofSeconds(120)); // third violating check: fallback
    time.advance(Duration.ofSeconds(300)); // five more checks

    assertThat(events)
        .containsExactly(
            "120 starting",
            "120 failed 1, retry in 1s",
            "121 failed 2, retry in 2s",
            "123 failed 3, retry in 4s",
            "127 failed 4, retry in 8s",
            "135 failed 5, retry in 16s",
            "151 failed 6, retry in 32s",
            "183 failed 7, retry in 60s",
            "243 failed 8, retry in 60s",
            "303 failed 9, retry in 60s",
            "363 failed 10, retry in 60s");
    assertThat(supervisor.state().mode()).isEqualTo(Mode.FALLBACK);
    assertThat(runner.isRunning()).isFalse();
    assertThat(runner.status().state()).isEqualTo(FallbackActivity.State.FAILING);
    assertThat(runner.status().lastFailure())
        .hasValueSatisfying(
            f -> {
              assertThat(f.phase()).isEqualTo(FallbackActivity.Phase.ACTIVATION);
              assertThat(f.error()).isSameAs(missing);
              assertThat(f.at()).isEqualTo(T0.plusSeconds(363));
            });
  }

  @Test
  void loopThrowingError_isReportedAndRestartedByTheRunner_notByEachCheck() {
    List<String> events = new ArrayList<>();
    FallbackListener recording =
        new FallbackListener() {
          @Override
          public void fallbackStarting() {
            events.add(seconds() + " starting");
          }

          @Override
          public void fallbackFailed(Throwable error, int attempt, Duration retryIn) {
            events.add(seconds() + " failed " + attempt + ": " + error);
          }
        };
    LoopRunner runner =
        runnerInVirtualTime(
                () ->
                    new FallbackLoop<WindowResult>(
                        new ForwardingBatchSource<Reading>(
                            new InMemoryBatchSource<>(
                                new InMemoryBatchSource.Log<>(1), 10, d -> {})) {
                          @Override
                          public void open(PartitionListener partitions) {
                            throw new NoClassDefFoundError("org/apache/avro/SchemaParseException");
                          }
                        },
                        new WindowStage(
                            new WindowSpec(Duration.ofSeconds(5), Duration.ZERO, List.of("A"))),
                        windows -> windows,
                        outputs -> {},
                        recording,
                        time,
                        LoopSettings.ofDefaults()),
                recording)
            .restartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4))
            .build();
    FallbackSupervisor supervisor = builder().activity(runner).listener(recording).build();
    supervisor.start();
    time.runDue();

    supervisor.override(ModeOverride.FORCE_FALLBACK);
    time.advance(Duration.ofSeconds(10));

    String error = "java.lang.NoClassDefFoundError: org/apache/avro/SchemaParseException";
    assertThat(events)
        .containsExactly(
            "0 starting",
            "0 failed 1: " + error,
            "1 failed 2: " + error,
            "3 failed 3: " + error,
            "7 failed 4: " + error);
    assertThat(runner.status().state()).isEqualTo(FallbackActivity.State.FAILING);
  }

  @Test
  void probeThrowingError_countsAsUnhealthy_andIsReported() {
    NoClassDefFoundError missing =
        new NoClassDefFoundError("com/fasterxml/jackson/databind/JsonNode");
    List<String> failures = new ArrayList<>();
    FallbackSupervisor supervisor =
        builder()
            .healthProbe(
                new HealthProbe() {
                  @Override
                  public Health check() {
                    throw missing;
                  }

                  @Override
                  public String name() {
                    return "flink_rest";
                  }
                })
            .listener(
                new FallbackListener() {
                  @Override
                  public void checkCompleted(Observation o, CheckVerdict v, ModeState s) {
                    listener.checkCompleted(o, v, s);
                  }

                  @Override
                  public void probeFailed(String probe, Throwable error) {
                    assertThat(error).isSameAs(missing);
                    failures.add(probe);
                  }
                })
            .build();
    supervisor.start();

    time.runDue();

    assertThat(checks)
        .singleElement()
        .asString()
        .isEqualTo(
            "VIOLATION 1/3: probe failed: java.lang.NoClassDefFoundError: com/fasterxml/jackson/databind/JsonNode");
    assertThat(failures).containsExactly("flink_rest");
  }

  @Test
  void latencySourceThrowingError_isNoEvidence_andIsReported() {
    List<Throwable> failures = new ArrayList<>();
    FallbackSupervisor supervisor =
        builder()
            .latencySource(
                () -> {
                  throw new ExceptionInInitializerError("static init failed");
                })
            .listener(
                new FallbackListener() {
                  @Override
                  public void checkCompleted(Observation o, CheckVerdict v, ModeState s) {
                    listener.checkCompleted(o, v, s);
                  }

                  @Override
                  public void probeFailed(String probe, Throwable error) {
                    failures.add(error);
                  }
                })
            .build();
    supervisor.start();

    time.runDue();

    assertThat(checks).singleElement().asString().startsWith("NO_EVIDENCE");
    assertThat(failures).singleElement().isInstanceOf(ExceptionInInitializerError.class);
  }

  @Test
  void activityWhoseStartThrows_isReportedAsFailedActivation_andStartedAgainAtTheNextCheck() {
    List<String> events = new ArrayList<>();
    FakeActivity throwing =
        new FakeActivity() {
          @Override
          public void start() {
            starts++;
            throw new NoClassDefFoundError("org/apache/avro/SchemaParseException");
          }
        };
    FallbackSupervisor supervisor =
        builder()
            .activity(throwing)
            .listener(
                new FallbackListener() {
                  @Override
                  public void fallbackStarting() {
                    events.add("starting");
                  }

                  @Override
                  public void activationFailed(Throwable error, int attempt, Duration retryIn) {
                    events.add("failed " + attempt + ", retry in " + retryIn.toSeconds() + "s");
                  }
                })
            .build();
    supervisor.start();
    time.runDue();

    supervisor.override(ModeOverride.FORCE_FALLBACK);
    time.advance(Duration.ofSeconds(120));

    assertThat(events)
        .containsExactly(
            "starting",
            "failed 1, retry in 60s",
            "failed 2, retry in 60s",
            "failed 3, retry in 60s");
    assertThat(throwing.starts).isEqualTo(3);
  }

  @Test
  void checkThatThrowsAnError_isReported_andChecksContinue() {
    List<Throwable> failures = new ArrayList<>();
    AtomicInteger seen = new AtomicInteger();
    FallbackSupervisor supervisor =
        builder()
            .probeExecutor(
                task -> {
                  if (seen.incrementAndGet() == 1) {
                    throw new StackOverflowError("deep");
                  }
                  task.run();
                })
            .listener(
                new FallbackListener() {
                  @Override
                  public void checkCompleted(Observation o, CheckVerdict v, ModeState s) {
                    listener.checkCompleted(o, v, s);
                  }

                  @Override
                  public void checkFailed(Throwable error) {
                    failures.add(error);
                  }
                })
            .build();
    supervisor.start();

    time.advance(Duration.ofSeconds(60));

    assertThat(failures).singleElement().isInstanceOf(StackOverflowError.class);
    assertThat(checks).hasSize(1);
  }

  /** A runner that runs its loops inline on the test thread and its retries on {@link #time}. */
  private LoopRunner.Builder runnerInVirtualTime(
      Supplier<FallbackLoop<?>> loops, FallbackListener listener) {
    return LoopRunner.builder(loops).listener(listener).clock(time).executor(Runnable::run, time);
  }

  private long seconds() {
    return Duration.between(T0, time.instant()).toSeconds();
  }
}
