package io.fallback.core.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.FallbackListener;
import io.fallback.core.SourceRecord;
import io.fallback.core.loop.FallbackLoop;
import io.fallback.core.loop.LoopSettings;
import io.fallback.core.supervisor.FallbackActivity.Phase;
import io.fallback.core.supervisor.FallbackActivity.State;
import io.fallback.core.testing.ForwardingBatchSource;
import io.fallback.core.testing.InMemoryBatchSource;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.core.window.WindowStage;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The runner. Failure and retry tests run in virtual time (a {@link ManualScheduler} and a direct
 * executor, so loops run inline); the first two run it on its real thread and wait on events, never
 * sleeping.
 */
class LoopRunnerTest {

  private static final WindowSpec SPEC =
      new WindowSpec(Duration.ofSeconds(5), Duration.ZERO, List.of("A"));
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final InMemoryBatchSource.Log<Reading> log = new InMemoryBatchSource.Log<>(1);
  private final List<WindowResult> written = new CopyOnWriteArrayList<>();
  private final BlockingQueue<String> events = new ArrayBlockingQueue<>(100);

  private LoopRunner runner() {
    FallbackListener listener =
        new FallbackListener() {
          @Override
          public void batchWritten(int outputs, Duration took) {
            events.add("written");
          }

          @Override
          public void fallbackStopped(Throwable failure) {
            events.add(failure == null ? "stopped" : "failed " + failure.getMessage());
          }
        };
    return LoopRunner.builder(
            () ->
                new FallbackLoop<WindowResult>(
                    new InMemoryBatchSource<>(log, 100, d -> {}),
                    new WindowStage(SPEC),
                    windows -> windows,
                    written::addAll,
                    listener,
                    InstantSource.system(),
                    LoopSettings.ofDefaults()))
        .listener(listener)
        .restartBackoff(Duration.ofHours(1), Duration.ofHours(1)) // no restart races the assertions
        .build();
  }

  @Test
  void startStopStart_runsFreshLoops_andCloseWaitsForTheCommit() throws InterruptedException {
    for (int s = 0; s < 12; s++) {
      log.append(0, new Reading("n1", s * 1000L, new float[] {s}));
    }
    LoopRunner runner = runner();

    runner.start();
    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("written");
    assertThat(runner.isRunning()).isTrue();
    runner.stop();
    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("stopped");
    assertThat(runner.isRunning()).isFalse();
    assertThat(log.committed().get(0).offset()).isEqualTo(10);

    for (int s = 12; s < 16; s++) {
      log.append(0, new Reading("n1", s * 1000L, new float[] {s}));
    }
    runner.start();
    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("written");
    assertThat(runner.close(Duration.ofSeconds(10))).isTrue();

    assertThat(written).extracting(WindowResult::start).containsExactly(0L, 5000L, 10_000L);
    assertThat(log.committed().get(0).emittedThrough()).isEqualTo(15_000L);
  }

  @Test
  void loopThatThrows_isReportedAsFailed_andNotRunning() throws InterruptedException {
    log.append(
        0, new Reading("n1", 0, new float[] {1, 2})); // wrong field count: a bug, not an I/O error
    LoopRunner runner = runner();

    runner.start();

    assertThat(events.poll(10, TimeUnit.SECONDS)).startsWith("failed reading has 2 fields");
    assertThat(runner.isRunning()).isFalse();
    assertThat(runner.status().state()).isEqualTo(State.FAILING);
    runner.close(Duration.ofSeconds(5));
  }

  // ---- virtual time: a manual scheduler and clock, loops run inline on the test thread

  private final ManualScheduler time = new ManualScheduler(T0);
  private final List<String> seen = new ArrayList<>();
  private final List<Throwable> reported = new ArrayList<>();
  private final AtomicBoolean faulty = new AtomicBoolean(true);
  private final List<InMemoryBatchSource<Reading>> sources = new ArrayList<>();
  private LoopRunner virtual;

  /** Records events with their virtual second; stops the runner once a batch has been written. */
  private final FallbackListener recording =
      new FallbackListener() {
        @Override
        public void activationFailed(Throwable error, int attempt, Duration retryIn) {
          reported.add(error);
          seen.add(
              at() + " activation failed " + attempt + ", retry in " + retryIn.toSeconds() + "s");
        }

        @Override
        public void fallbackFailed(Throwable error, int attempt, Duration retryIn) {
          reported.add(error);
          seen.add(at() + " loop failed " + attempt + ", retry in " + retryIn.toSeconds() + "s");
        }

        @Override
        public void fallbackRestarted(int attempt) {
          seen.add(at() + " restarted, attempt " + attempt);
        }

        @Override
        public void fallbackStopped(Throwable failure) {
          seen.add(at() + " stopped" + (failure == null ? "" : " by " + failure));
        }

        @Override
        public void batchWritten(int outputs, Duration took) {
          seen.add(at() + " written " + outputs);
          virtual.stop();
        }
      };

  private long at() {
    return Duration.between(T0, time.instant()).toSeconds();
  }

  private LoopRunner virtualRunner(Supplier<FallbackLoop<?>> loops) {
    virtual =
        LoopRunner.builder(loops)
            .listener(recording)
            .clock(time)
            .executor(Runnable::run, time)
            .restartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60))
            .build();
    return virtual;
  }

  /** A loop whose source throws {@code error} from poll while {@link #faulty} is set. */
  private FallbackLoop<?> loopWhosePollThrows(Error error) {
    InMemoryBatchSource<Reading> memory = new InMemoryBatchSource<>(log, 100, d -> {});
    sources.add(memory);
    ForwardingBatchSource<Reading> source =
        new ForwardingBatchSource<>(memory) {
          @Override
          public List<SourceRecord<Reading>> poll() {
            if (faulty.get()) {
              throw error;
            }
            return super.poll();
          }

          @Override
          public List<SourceRecord<Reading>> poll(Duration maxWait) {
            if (faulty.get()) {
              throw error;
            }
            return super.poll(maxWait);
          }
        };
    return new FallbackLoop<WindowResult>(
        source,
        new WindowStage(SPEC),
        windows -> windows,
        written::addAll,
        recording,
        time,
        LoopSettings.ofDefaults());
  }

  @Test
  void
      supplierThrowingNoClassDefFoundError_isReportedOnceWithItsCause_andRetriedWithDoublingBackoff() {
    NoClassDefFoundError missing = new NoClassDefFoundError("org/apache/avro/SchemaParseException");
    LoopRunner runner =
        virtualRunner(
            () -> {
              throw missing;
            });

    runner.start();
    time.advance(Duration.ofSeconds(200));

    assertThat(seen)
        .containsExactly(
            "0 activation failed 1, retry in 1s",
            "1 activation failed 2, retry in 2s",
            "3 activation failed 3, retry in 4s",
            "7 activation failed 4, retry in 8s",
            "15 activation failed 5, retry in 16s",
            "31 activation failed 6, retry in 32s",
            "63 activation failed 7, retry in 60s",
            "123 activation failed 8, retry in 60s",
            "183 activation failed 9, retry in 60s");
    assertThat(reported).allSatisfy(e -> assertThat(e).isSameAs(missing));
    assertThat(runner.isRunning()).isFalse();
    FallbackActivity.Status status = runner.status();
    assertThat(status.state()).isEqualTo(State.FAILING);
    assertThat(status.failedAttempts()).isEqualTo(9);
    assertThat(status.nextAttemptAt()).contains(T0.plusSeconds(243));
    assertThat(status.lastFailure())
        .hasValueSatisfying(
            f -> {
              assertThat(f.phase()).isEqualTo(Phase.ACTIVATION);
              assertThat(f.error()).isSameAs(missing);
              assertThat(f.at()).isEqualTo(T0.plusSeconds(183));
            });
  }

  @Test
  void loopThrowingError_isReportedAndRestartedWithBackoff_andRunsAgainOnceTheFaultIsGone() {
    for (int s = 0; s < 12; s++) {
      log.append(0, new Reading("n1", s * 1000L, new float[] {s}));
    }
    NoClassDefFoundError missing = new NoClassDefFoundError("org/apache/avro/SchemaParseException");
    LoopRunner runner = virtualRunner(() -> loopWhosePollThrows(missing));

    runner.start();
    time.advance(Duration.ofSeconds(1));

    assertThat(runner.isRunning()).isFalse();
    assertThat(runner.status().state()).isEqualTo(State.FAILING);
    assertThat(runner.status().lastFailure())
        .hasValueSatisfying(
            f -> {
              assertThat(f.phase()).isEqualTo(Phase.LOOP);
              assertThat(f.error()).isSameAs(missing);
            });
    assertThat(sources).hasSize(2).allSatisfy(s -> assertThat(s.isClosed()).isTrue());

    faulty.set(false);
    time.advance(Duration.ofSeconds(2));

    assertThat(seen)
        .containsExactly(
            "0 loop failed 1, retry in 1s",
            "1 restarted, attempt 2",
            "1 loop failed 2, retry in 2s",
            "3 restarted, attempt 3",
            "3 written 2",
            "3 stopped");
    assertThat(reported).allSatisfy(e -> assertThat(e).isSameAs(missing));
    assertThat(written).extracting(WindowResult::start).containsExactly(0L, 5000L);
    assertThat(runner.status().state()).isEqualTo(State.STOPPED);
    assertThat(time.pendingTasks()).isZero();
  }

  @Test
  void stopWhileFailing_cancelsTheRetry_andReportsTheStopAtOnce() {
    LoopRunner runner =
        virtualRunner(
            () -> {
              throw new NoClassDefFoundError("org/apache/avro/SchemaParseException");
            });
    runner.start();

    runner.stop();
    time.advance(Duration.ofMinutes(10));

    assertThat(seen).containsExactly("0 activation failed 1, retry in 1s", "0 stopped");
    assertThat(runner.status().state()).isEqualTo(State.STOPPED);
    assertThat(runner.status().nextAttemptAt()).isEmpty();
    assertThat(time.pendingTasks()).isZero();
  }

  @Test
  void startAfterFailures_beginsTheBackoffAgain() {
    LoopRunner runner =
        virtualRunner(
            () -> {
              throw new NoClassDefFoundError("org/apache/avro/SchemaParseException");
            });
    runner.start();
    time.advance(Duration.ofSeconds(3));
    runner.stop();
    seen.clear();

    runner.start();

    assertThat(seen).containsExactly("3 activation failed 1, retry in 1s");
  }

  @Test
  void neverStarted_isNotStarted() {
    LoopRunner runner = virtualRunner(() -> loopWhosePollThrows(new AssertionError()));

    assertThat(runner.status().state()).isEqualTo(State.NOT_STARTED);
    assertThat(runner.isRunning()).isFalse();
  }
}
