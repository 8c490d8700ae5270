package io.fallback.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fallback.core.window.ScoredWindow;
import io.fallback.testkit.InfluxDbExtension;
import io.fallback.testkit.InfluxDbServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** influxd stopped for 20 s in the middle of a stream of batches, then restarted. */
class InfluxSinkOutageIT {

  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();

  private static final int BATCHES = 30;
  private static final int POINTS_PER_BATCH = 400;
  private static final Duration OUTAGE = Duration.ofSeconds(20);

  @Test
  void influxDownFor20s_sinkBlocksAndRetries_thenNothingIsLost() throws Exception {
    InfluxDbServer server = INFLUX.server();
    server.createDatabase("outage");
    InfluxSettings settings =
        InfluxSettings.builder()
            .url(server.url())
            .database("outage")
            .chunkSize(150)
            .timeout(Duration.ofSeconds(2))
            .maxRetries(1000)
            .maxRetryDuration(Duration.ofSeconds(90))
            .backoff(Duration.ofMillis(100), Duration.ofSeconds(2))
            .build();
    List<ScoredWindow> all = TestWindows.many(BATCHES * POINTS_PER_BATCH, 17, 1_700_000_000_000L);
    CountingTransport[] counting = new CountingTransport[1];
    Semaphore permits = new Semaphore(0);
    AtomicInteger written = new AtomicInteger();
    ExecutorService loop = Executors.newSingleThreadExecutor();
    ScheduledExecutorService operator = Executors.newSingleThreadScheduledExecutor();
    try (InfluxSink sink = CountingTransport.sink(settings, counting)) {
      // the "loop": one batch per permit, like a consumer that polls, writes, then commits
      CompletableFuture<Void> stream =
          CompletableFuture.runAsync(
              () -> {
                for (int b = 0; b < BATCHES; b++) {
                  permits.acquireUninterruptibly();
                  sink.write(all.subList(b * POINTS_PER_BATCH, (b + 1) * POINTS_PER_BATCH));
                  written.incrementAndGet();
                }
              },
              loop);

      permits.release(10);
      await("first 10 batches written")
          .atMost(Duration.ofSeconds(30))
          .until(() -> written.get() == 10);

      server.stop();
      long stoppedAt = System.nanoTime();
      permits.release(10);
      CompletableFuture<Void> restarted =
          CompletableFuture.runAsync(
              server::restart,
              CompletableFuture.delayedExecutor(
                  OUTAGE.toMillis(), TimeUnit.MILLISECONDS, operator));

      // while influxd is down no batch is acknowledged, and the sink keeps trying
      await("no batch acknowledged while influxd is down")
          .during(OUTAGE.minusSeconds(3))
          .atMost(OUTAGE.minusSeconds(1))
          .until(() -> written.get() == 10 && !stream.isDone());
      assertThat(counting[0].failures.get())
          .as("failed attempts during the outage")
          .isGreaterThan(3);

      restarted.get(60, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).isGreaterThanOrEqualTo(OUTAGE);
      await("batches 11-20 written after the restart")
          .atMost(Duration.ofSeconds(30))
          .until(() -> written.get() == 20);

      permits.release(BATCHES - 20);
      stream.get(60, TimeUnit.SECONDS);
    } finally {
      loop.shutdownNow();
      operator.shutdownNow();
    }

    String count =
        server.query(
            "outage", "SELECT count(\"stress_level\") FROM \"nurse_stress\" GROUP BY \"id\"");
    long total =
        InfluxSinkIT.query(server, "outage", "SELECT count(\"stress_level\") FROM \"nurse_stress\"")
            .get(0)
            .rows()
            .get(0)
            .get(1)
            .asLong();
    assertThat(total).as(count).isEqualTo((long) BATCHES * POINTS_PER_BATCH);
    assertThat(counting[0].requests.get())
        .isGreaterThan(BATCHES * ((POINTS_PER_BATCH + 149) / 150));
  }
}
