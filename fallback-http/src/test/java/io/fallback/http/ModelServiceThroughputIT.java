package io.fallback.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.http.StubServer.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Throughput of {@link WindowedModelProcessor} against a local model server that answers every call
 * in 5 ms: how many windows per second one batch is scored at, for a given {@code
 * ml_service.max_concurrency}.
 *
 * <p>Run alone: {@code ./mvnw -B -pl fallback-http verify -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ModelServiceThroughputIT}; the figure is
 * printed as {@code THROUGHPUT ...}. Other concurrencies: {@code -Dthroughput.concurrency=8,32,64},
 * more windows: {@code -Dthroughput.windows=20000}.
 */
class ModelServiceThroughputIT {

  private static final Duration MODEL_LATENCY = Duration.ofMillis(5);

  @Test
  void scoresWindowsInParallel_atTheModelServicesPace() throws Exception {
    int windows = Integer.getInteger("throughput.windows", 5000);
    String concurrencies = System.getProperty("throughput.concurrency", "32");
    for (String c : concurrencies.split(",")) {
      double perSecond = measure(windows, Integer.parseInt(c.strip()));
      // not a performance gate (shared machine): the figure is what matters, and that all were
      // scored
      assertThat(perSecond).isPositive();
    }
  }

  static double measure(int windows, int concurrency) throws Exception {
    try (StubServer server = StubServer.start()) {
      server.handler(
          exchange -> {
            Thread.sleep(MODEL_LATENCY.toMillis());
            return Reply.ok("{\"stress_level_prediction\": \"1\"}");
          });
      ModelServiceSettings settings =
          ModelServiceSettings.builder(server.uri("/model/api/predict"))
              .maxConcurrency(concurrency)
              .build();
      try (ModelServiceClient client = ModelServiceClient.of(settings, WindowSpec.NURSE_FIELDS)) {
        WindowedModelProcessor processor = WindowedModelProcessor.of(client);
        processor.process(windows(Math.min(1000, windows))); // warm-up: JIT, connections
        List<WindowResult> batch = windows(windows);

        long start = System.nanoTime();
        List<ScoredWindow> scored = processor.process(batch);
        double seconds = (System.nanoTime() - start) / 1e9;

        assertThat(scored)
            .hasSize(windows)
            .allSatisfy(s -> assertThat(s.stressLevel()).isEqualTo(1));
        double perSecond = windows / seconds;
        System.out.printf(
            "THROUGHPUT %d windows scored in %.2f s = %.0f windows/s (max_concurrency %d, model latency %d ms,"
                + " max in flight at the server %d, ideal %d/s)%n",
            windows,
            seconds,
            perSecond,
            concurrency,
            MODEL_LATENCY.toMillis(),
            server.maxInFlight(),
            concurrency * 1000 / MODEL_LATENCY.toMillis());
        return perSecond;
      }
    }
  }

  private static List<WindowResult> windows(int n) {
    List<WindowResult> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(
          new WindowResult(
              "nurse-" + i % 17,
              5000L * i,
              5000L * i + 5000,
              160,
              new float[] {i * 0.001f, 0.5f, -1.25f, 0.1f, 80f, 36.5f}));
    }
    return out;
  }

  /**
   * Runs the measurement outside Maven.
   *
   * @param args windows, then concurrencies (comma-separated)
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    int windows = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    String concurrencies = args.length > 1 ? args[1] : "32";
    for (String c : concurrencies.split(",")) {
      measure(windows, Integer.parseInt(c.strip()));
    }
  }
}
