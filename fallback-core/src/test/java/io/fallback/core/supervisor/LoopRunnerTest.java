package io.fallback.core.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.FallbackListener;
import io.fallback.core.loop.FallbackLoop;
import io.fallback.core.loop.LoopSettings;
import io.fallback.core.testing.InMemoryBatchSource;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.core.window.WindowStage;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The runner on its real thread: start, stop, restart, close. Waits on events, never sleeps. */
class LoopRunnerTest {

  private static final WindowSpec SPEC = new WindowSpec(Duration.ofSeconds(5), Duration.ZERO, List.of("A"));

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
    return new LoopRunner(
        () ->
            new FallbackLoop<WindowResult>(
                new InMemoryBatchSource<>(log, 100, d -> {}),
                new WindowStage(SPEC),
                windows -> windows,
                written::addAll,
                listener,
                InstantSource.system(),
                LoopSettings.ofDefaults()),
        listener);
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
    log.append(0, new Reading("n1", 0, new float[] {1, 2})); // wrong field count: a bug, not an I/O error
    LoopRunner runner = runner();

    runner.start();

    assertThat(events.poll(10, TimeUnit.SECONDS)).startsWith("failed reading has 2 fields");
    assertThat(runner.isRunning()).isFalse();
    runner.close(Duration.ofSeconds(5));
  }
}
