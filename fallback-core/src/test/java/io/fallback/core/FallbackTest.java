package io.fallback.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.core.mode.CheckVerdict;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeOverride;
import io.fallback.core.mode.ModePolicy;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Observation;
import io.fallback.core.mode.Transition;
import io.fallback.core.supervisor.FallbackActivity;
import io.fallback.core.supervisor.ManualScheduler;
import io.fallback.core.testing.InMemoryBatchSource;
import io.fallback.core.window.Reading;
import io.fallback.core.window.ScoredWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The front door in virtual time: a {@link ManualScheduler} as clock and scheduler, probes on the
 * calling thread, and a loop executor that only captures the activation (the loop itself is covered
 * by the launcher's tests and the embedding example, on real servers).
 */
class FallbackTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final ManualScheduler time = new ManualScheduler(T0);
  private final List<Runnable> activations = new ArrayList<>();
  private final InMemoryBatchSource.Log<Reading> log = new InMemoryBatchSource.Log<>(1);

  private Fallback.Builder<ScoredWindow> builder(HealthProbe probe) {
    return Fallback.builder()
        .latencySource(() -> Optional.of(Duration.ofSeconds(1)))
        .healthProbe(probe)
        .source(() -> new InMemoryBatchSource<>(log, 10, d -> {}))
        .processor(windows -> windows.stream().map(w -> new ScoredWindow(w, 0)).toList())
        .sink(outputs -> {})
        .policy(ModePolicy.of(Duration.ofSeconds(30), 2))
        .checkInterval(Duration.ofSeconds(10))
        .clock(time)
        .scheduler(time)
        .probeExecutor(Runnable::run)
        .loopExecutor(activations::add);
  }

  /** Runs captured activations; after a stop they end at once without building a loop. */
  private void runActivations() {
    List<Runnable> due = new ArrayList<>(activations);
    activations.clear();
    due.forEach(Runnable::run);
  }

  @Test
  void unhealthyPrimary_switchesAtTheConfiguredCheckAndActivatesTheLoop() {
    List<Transition> transitions = new CopyOnWriteArrayList<>();
    try (Fallback fallback =
        builder(() -> Health.unhealthy("job FAILED"))
            .listener(
                new FallbackListener() {
                  @Override
                  public void transitioned(Transition t) {
                    transitions.add(t);
                  }
                })
            .build()) {

      fallback.start();
      time.advance(Duration.ofSeconds(10));

      assertThat(fallback.state().mode()).isEqualTo(Mode.FALLBACK);
      assertThat(transitions)
          .singleElement()
          .extracting(Transition::at)
          .isEqualTo(T0.plusSeconds(10));
      assertThat(activations).hasSize(1);
      assertThat(fallback.loopStatus().state()).isEqualTo(FallbackActivity.State.RUNNING);

      fallback.override(ModeOverride.FORCE_PRIMARY);
      runActivations();
      assertThat(fallback.loopStatus().state()).isEqualTo(FallbackActivity.State.STOPPED);
    }
  }

  @Test
  void severalListeners_eachToldInOrder_evenWhenOneThrows() {
    List<String> told = new CopyOnWriteArrayList<>();
    FallbackListener throwing =
        new FallbackListener() {
          @Override
          public void checkCompleted(Observation o, CheckVerdict v, ModeState s) {
            told.add("first");
            throw new IllegalStateException("a faulty listener");
          }
        };
    FallbackListener second =
        new FallbackListener() {
          @Override
          public void checkCompleted(Observation o, CheckVerdict v, ModeState s) {
            told.add("second");
          }
        };
    try (Fallback fallback =
        builder(() -> Health.healthy("ok")).listener(throwing).listener(second).build()) {

      fallback.start();
      time.runDue(); // the first check, at once

      assertThat(told).containsExactly("first", "second");
      assertThat(fallback.lastObservation()).isPresent();
    }
  }

  @Test
  void supervisorOption_winsOverTheBuildersOwnSetting() {
    AtomicInteger checks = new AtomicInteger();
    try (Fallback fallback =
        builder(() -> Health.healthy("ok"))
            .checkInterval(Duration.ofSeconds(60))
            .supervisorOption(b -> b.checkInterval(Duration.ofSeconds(5)))
            .listener(
                new FallbackListener() {
                  @Override
                  public void checkCompleted(Observation o, CheckVerdict v, ModeState s) {
                    checks.incrementAndGet();
                  }
                })
            .build()) {

      fallback.start();
      time.advance(Duration.ofSeconds(20));

      assertThat(checks).hasValue(5); // at 0, 5, 10, 15, 20 s
    }
  }

  @Test
  void closed_stopsCheckingLeavesTheCallersSchedulerAndIsIdempotent() {
    Fallback fallback = builder(() -> Health.healthy("ok")).build();
    fallback.start();

    assertThat(fallback.close(Duration.ofSeconds(1))).isTrue();
    assertThat(fallback.close(Duration.ofSeconds(1))).isTrue();

    assertThat(time.pendingTasks()).isZero();
    time.advance(Duration.ofSeconds(60)); // the caller's scheduler still works
    assertThatThrownBy(fallback::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void startedTwice_refused() {
    try (Fallback fallback = builder(() -> Health.healthy("ok")).build()) {
      fallback.start();

      assertThatThrownBy(fallback::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already started");
    }
  }

  @Test
  void requiredComponentMissing_buildNamesIt() {
    assertThatThrownBy(() -> Fallback.builder().healthProbe(() -> Health.healthy("ok")).build())
        .isInstanceOf(NullPointerException.class)
        .hasMessage("latencySource");
    assertThatThrownBy(
            () -> builder(() -> Health.healthy("ok")).checkInterval(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("check_interval");
  }

  @Test
  void ownThreads_stoppedByClose() {
    Fallback fallback =
        Fallback.builder()
            .latencySource(Optional::empty)
            .healthProbe(() -> Health.healthy("ok"))
            .source(() -> new InMemoryBatchSource<>(log, 10, d -> {}))
            .processor(windows -> windows.stream().map(w -> new ScoredWindow(w, 0)).toList())
            .sink(outputs -> {})
            .build();

    fallback.close();

    assertThat(Thread.getAllStackTraces().keySet())
        .extracting(Thread::getName)
        .doesNotContain("fallback-supervisor", "fallback-probe", "fallback-loop");
  }
}
