package io.fallback.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.http.StubServer.Reply;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WindowedModelProcessorTest {

  private StubServer server;
  private ModelServiceClient client;

  @BeforeEach
  void start() throws Exception {
    server = StubServer.start();
    // the stub model predicts floor(x) mod 3: each window gets its own, checkable answer
    server.handler(
        exchange -> {
          String query = exchange.getRequestURI().getRawQuery();
          float x = Float.parseFloat(query.substring(2, query.indexOf('&')));
          return Reply.ok("{\"stress_level_prediction\": \"" + ((int) x) % 3 + "\"}");
        });
    client =
        ModelServiceClient.of(
            ModelServiceSettings.builder(server.uri("/model/api/predict"))
                .retryAttempts(2)
                .retryBackoff(Duration.ofMillis(5), Duration.ofMillis(10))
                .maxConcurrency(8)
                .circuitBreaker(5, Duration.ofMillis(300))
                .build(),
            WindowSpec.NURSE_FIELDS);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
  }

  private static List<WindowResult> windows(int n) {
    List<WindowResult> windows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      windows.add(
          new WindowResult(
              "nurse-" + i % 17,
              5000L * i,
              5000L * i + 5000,
              10,
              new float[] {i, 0.5f, -1.25f, 0.1f, 80f, 36.5f}));
    }
    return windows;
  }

  @Test
  void everyWindow_isScoredWithItsOwnPrediction() {
    List<WindowResult> windows = windows(50);

    List<ScoredWindow> scored = WindowedModelProcessor.of(client).process(windows);

    assertThat(scored).hasSize(50);
    for (int i = 0; i < 50; i++) {
      assertThat(scored.get(i).window()).isSameAs(windows.get(i));
      assertThat(scored.get(i).stressLevel()).isEqualTo(i % 3);
    }
    assertThat(server.hits()).isEqualTo(50);
  }

  @Test
  void oneWindowFailingPermanently_failsTheWholeBatch_andReturnsNothing() {
    server.handler(
        exchange -> {
          String query = exchange.getRequestURI().getRawQuery();
          return query.startsWith("x=13.0&")
              ? new Reply(500, "model crashed on this input")
              : Reply.ok("{\"stress_level_prediction\": \"1\"}");
        });
    AtomicReference<List<ScoredWindow>> result = new AtomicReference<>();

    assertThatThrownBy(() -> result.set(WindowedModelProcessor.of(client).process(windows(30))))
        .isInstanceOf(ModelServiceException.class)
        .hasMessageContaining(
            "window nurse-13 [65000, 70000) failed after 2 tries: HTTP 500: 'model crashed on this input'");
    assertThat(result.get()).as("no scored window without a real prediction").isNull();
  }

  @Test
  void serviceDown_failsTheBatch_neverInventsAPrediction() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (ModelServiceClient down =
        ModelServiceClient.of(
            ModelServiceSettings.builder(
                    URI.create("http://127.0.0.1:" + closedPort + "/model/api/predict"))
                .retryBackoff(Duration.ofMillis(5), Duration.ofMillis(10))
                .build(),
            WindowSpec.NURSE_FIELDS)) {
      AtomicReference<List<ScoredWindow>> result = new AtomicReference<>();

      assertThatThrownBy(() -> result.set(WindowedModelProcessor.of(down).process(windows(100))))
          .isInstanceOf(ModelServiceException.class)
          .hasMessageContaining("unreachable");
      assertThat(result.get()).isNull();
    }
  }

  @Test
  void retriedBatch_afterRecovery_isScoredCompletely() {
    server.handler(exchange -> new Reply(503, "warming up"));
    WindowedModelProcessor processor = WindowedModelProcessor.of(client);
    List<WindowResult> windows = windows(5);
    assertThatThrownBy(() -> processor.process(windows)).isInstanceOf(ModelServiceException.class);
    server.handler(exchange -> Reply.ok("{\"stress_level_prediction\": \"2\"}"));

    AtomicReference<List<ScoredWindow>> scored = new AtomicReference<>();
    await("the breaker half-opens and the same batch is scored")
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .ignoreException(ModelServiceException.class)
        .until(
            () -> {
              scored.set(processor.process(windows));
              return true;
            });

    assertThat(scored.get()).extracting(ScoredWindow::stressLevel).containsOnly(2).hasSize(5);
  }
}
