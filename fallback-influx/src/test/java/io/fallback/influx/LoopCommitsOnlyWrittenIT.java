package io.fallback.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fallback.core.Checkpoint;
import io.fallback.core.FallbackListener;
import io.fallback.core.loop.FallbackLoop;
import io.fallback.core.loop.LoopSettings;
import io.fallback.core.testing.ForwardingBatchSource;
import io.fallback.core.testing.InMemoryBatchSource;
import io.fallback.core.window.Reading;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.core.window.WindowStage;
import io.fallback.testkit.InfluxDbExtension;
import io.fallback.testkit.InfluxDbServer;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The core loop with the real InfluxSink while influxd goes down mid-stream: at every commit, every
 * window the commit claims as written is in InfluxDB (offsets checked against points), and in the
 * end every window is there exactly once.
 */
class LoopCommitsOnlyWrittenIT {

  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();

  private static final WindowSpec SPEC = WindowSpec.ofDefaults();
  private static final long T0 = 1_700_000_000_000L;
  private static final int KEYS = 3;
  private static final int SECONDS = 120;

  /** Forwards to the in-memory source; before each commit checks its claims against InfluxDB. */
  private static final class CheckingSource extends ForwardingBatchSource<Reading> {
    final InfluxDbServer server;
    final List<String> violations = new CopyOnWriteArrayList<>();
    final AtomicInteger commits = new AtomicInteger();

    CheckingSource(InMemoryBatchSource<Reading> delegate, InfluxDbServer server) {
      super(delegate);
      this.server = server;
    }

    @Override
    public void commit(Map<Integer, Checkpoint> checkpoints) {
      Checkpoint c = checkpoints.get(0);
      if (c != null && c.emittedThrough() != Checkpoint.NONE) {
        long claimed = expectedWindowsEndingBy(c.emittedThrough());
        long present = countPoints(server, c.emittedThrough());
        if (present < claimed) {
          violations.add(
              "commit through "
                  + c.emittedThrough()
                  + " claims "
                  + claimed
                  + " windows, InfluxDB has "
                  + present);
        }
      }
      commits.incrementAndGet();
      super.commit(checkpoints);
    }
  }

  /**
   * Windows of the produced stream (KEYS keys, one record per 100 ms) that end at or before {@code
   * end}.
   */
  private static long expectedWindowsEndingBy(long end) {
    long windows = Math.max(0, (end - T0) / SPEC.size().toMillis());
    return windows * KEYS;
  }

  private static long countPoints(InfluxDbServer server, long before) {
    try {
      String where = before == Long.MAX_VALUE ? "" : " WHERE time < " + before + "ms";
      List<InfluxQueryClient.Series> series =
          InfluxSinkIT.query(
              server, "loop", "SELECT count(\"stress_level\") FROM \"nurse_stress\"" + where);
      return series.isEmpty() ? 0 : series.get(0).rows().get(0).get(1).asLong();
    } catch (RuntimeException e) {
      return -1; // influxd down: the commit must not have happened, checked by the caller
    }
  }

  @Test
  void influxDownMidStream_loopCommitsOnlyWhatInfluxAcknowledged_andLosesNothing() {
    InfluxDbServer server = INFLUX.server();
    server.createDatabase("loop");
    InfluxSettings settings =
        InfluxSettings.builder()
            .url(server.url())
            .database("loop")
            .timeout(Duration.ofSeconds(1))
            .maxRetries(3)
            .maxRetryDuration(Duration.ofSeconds(2))
            .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
            .build();
    InMemoryBatchSource.Log<Reading> log = new InMemoryBatchSource.Log<>(1);
    CheckingSource source =
        new CheckingSource(
            new InMemoryBatchSource<>(
                log, 200, d -> LockSupport.parkNanos(Math.min(d.toNanos(), 50_000_000))),
            server);
    AtomicInteger failures = new AtomicInteger();
    FallbackListener listener =
        new FallbackListener() {
          @Override
          public void batchFailed(Stage stage, Throwable cause, int attempt, Duration retryIn) {
            failures.incrementAndGet();
          }
        };
    try (InfluxSink sink = InfluxSink.of(settings, SPEC)) {
      FallbackLoop<ScoredWindow> loop =
          new FallbackLoop<>(
              source,
              new WindowStage(SPEC),
              windows -> score(windows),
              sink,
              listener,
              InstantSource.system(),
              new LoopSettings(Duration.ZERO, Duration.ofMillis(200), Duration.ofSeconds(1)));
      Thread thread = new Thread(loop, "loop-under-test");
      thread.start();

      produce(log, 0, SECONDS / 2);
      await("first half written")
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  countPoints(server, Long.MAX_VALUE)
                      >= expectedWindowsEndingBy(T0 + (SECONDS / 2 - 10) * 1000L));
      server.stop();
      produce(log, SECONDS / 2, SECONDS);
      await("the loop fails and holds while influxd is down")
          .atMost(Duration.ofSeconds(30))
          .until(() -> failures.get() >= 2);
      int commitsWhileDown = source.commits.get();
      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(5))
          .until(() -> source.commits.get() == commitsWhileDown);
      server.restart();
      await("everything written after the restart")
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  countPoints(server, Long.MAX_VALUE)
                      == expectedWindowsEndingBy(T0 + (SECONDS - 10) * 1000L));
      loop.requestStop();
      await().atMost(Duration.ofSeconds(30)).until(() -> !thread.isAlive());
    }

    assertThat(source.violations).isEmpty();
    // the watermark (last event time - 5 s out-of-orderness) has passed the end of all but the last
    // 2 windows
    assertThat(log.committed().get(0).emittedThrough()).isEqualTo(T0 + (SECONDS - 10) * 1000L);
    assertThat(countPoints(server, Long.MAX_VALUE)).isEqualTo((long) (SECONDS / 5 - 2) * KEYS);
  }

  private static List<ScoredWindow> score(List<WindowResult> windows) {
    List<ScoredWindow> out = new ArrayList<>(windows.size());
    windows.forEach(w -> out.add(new ScoredWindow(w, 1)));
    return out;
  }

  private static void produce(InMemoryBatchSource.Log<Reading> log, int fromSecond, int toSecond) {
    for (int tenth = fromSecond * 10; tenth < toSecond * 10; tenth++) {
      for (int k = 0; k < KEYS; k++) {
        log.append(
            0,
            new Reading(
                "nurse-" + k, T0 + tenth * 100L, new float[] {k, tenth % 7, 1, 2, 70 + k, 33}));
      }
    }
  }
}
