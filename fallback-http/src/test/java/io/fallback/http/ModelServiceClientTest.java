package io.fallback.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.failsafe.CircuitBreaker;
import io.fallback.core.Health;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.http.StubServer.Reply;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ModelServiceClientTest {

  private StubServer server;
  private ModelServiceClient client;
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void startServer() throws Exception {
    server = StubServer.start();
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    if (client != null) {
      client.close();
    }
    server.close();
  }

  private ModelServiceSettings.Builder settings() {
    return ModelServiceSettings.builder(server.uri("/model/api/predict"))
        .timeout(Duration.ofSeconds(2))
        .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50));
  }

  private ModelServiceClient client(ModelServiceSettings settings) {
    client = ModelServiceClient.of(settings, WindowSpec.NURSE_FIELDS);
    return client;
  }

  static WindowResult window(String key, float x) {
    return new WindowResult(
        key,
        1_700_000_000_000L,
        1_700_000_005_000L,
        160,
        new float[] {x, -0.25f, 1.0E-4f, 0.31415927f, 72.5f, 36.6f});
  }

  @Test
  void success_returnsPredictionAndSendsMeansAsFloatToString() {
    server.handler(exchange -> Reply.ok("{\"stress_level_prediction\": \"2\"}"));
    ModelServiceClient c = client(settings().build());

    int prediction = c.predict(window("nurse-1", 0.1f));

    assertThat(prediction).isEqualTo(2);
    assertThat(server.queries())
        .containsExactly("x=0.1&y=-0.25&z=1.0E-4&eda=0.31415927&hr=72.5&temp=36.6");
    assertThat(server.hits()).isEqualTo(1);
  }

  @Test
  void batched_sendsOnePostPerChunk_withTheInstancesInOrder_andMapsThePredictionsBack() {
    List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
    server.handler(
        exchange -> {
          assertThat(exchange.getRequestMethod()).isEqualTo("POST");
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          bodies.add(body);
          // the prediction is the window's x: which window got which answer is visible
          List<String> xs = new ArrayList<>();
          java.util.regex.Matcher m =
              java.util.regex.Pattern.compile("\"x\":([0-9.]+)").matcher(body);
          while (m.find()) {
            xs.add("\"" + (int) Float.parseFloat(m.group(1)) + "\"");
          }
          return Reply.ok("{\"predictions\": [" + String.join(",", xs) + "]}");
        });
    ModelServiceClient c =
        client(settings().batch(2, server.uri("/model/api/predict-batch")).build());
    List<WindowResult> windows = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      windows.add(window("nurse-" + i, i));
    }

    List<ScoredWindow> scored = c.scoreAll(windows);

    assertThat(scored).extracting(ScoredWindow::stressLevel).containsExactly(0, 1, 2, 3, 4);
    assertThat(scored)
        .extracting(w -> w.window().key())
        .containsExactly("nurse-0", "nurse-1", "nurse-2", "nurse-3", "nurse-4");
    assertThat(server.hits()).isEqualTo(3);
    assertThat(bodies)
        .contains(
            "{\"instances\":[{\"x\":0.0,\"y\":-0.25,\"z\":1.0E-4,\"eda\":0.31415927,\"hr\":72.5,"
                + "\"temp\":36.6},{\"x\":1.0,\"y\":-0.25,\"z\":1.0E-4,\"eda\":0.31415927,"
                + "\"hr\":72.5,\"temp\":36.6}]}");
  }

  @Test
  void batched_anAnswerWithTheWrongCount_isMalformed_andNotRetried() {
    server.handler(exchange -> Reply.ok("{\"predictions\": [1]}"));
    ModelServiceClient c = client(settings().batch(2, null).build());

    assertThatThrownBy(() -> c.scoreAll(List.of(window("a", 1), window("b", 2))))
        .isInstanceOf(ModelServiceException.class)
        .hasMessageContaining("window a")
        .hasMessageContaining("and 1 more in one call")
        .hasMessageContaining("1 predictions for 2 windows");
    assertThat(server.hits()).isEqualTo(1);
  }

  @Test
  void batchSizeBelowOne_isRefusedByName() {
    assertThatThrownBy(() -> settings().batch(0, null).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ml_service.batch_size must be >= 1");
  }

  @Test
  void numericPrediction_isAccepted() {
    server.handler(exchange -> Reply.ok("{\"stress_level_prediction\": 1, \"other\": true}"));
    ModelServiceClient c = client(settings().build());

    int prediction = c.predict(window("nurse-1", 0.1f));

    assertThat(prediction).isEqualTo(1);
  }

  @Test
  void customQueryParameters_areSentInConfiguredOrder() {
    server.handler(exchange -> Reply.ok("{\"stress_level_prediction\": \"0\"}"));
    Map<String, String> mapping = new LinkedHashMap<>();
    mapping.put("heart rate", "HR");
    mapping.put("eda", "EDA");
    ModelServiceClient c = client(settings().queryParameters(mapping).build());

    c.predict(window("nurse-1", 0.1f));

    assertThat(server.queries()).containsExactly("heart+rate=72.5&eda=0.31415927");
  }

  @Test
  void serverError_thenSuccess_isRetried() {
    AtomicInteger calls = new AtomicInteger();
    server.handler(
        exchange ->
            calls.incrementAndGet() == 1
                ? new Reply(500, "boom")
                : Reply.ok("{\"stress_level_prediction\": \"3\"}"));
    ModelServiceClient c = client(settings().build());

    int prediction = c.predict(window("nurse-1", 0.1f));

    assertThat(prediction).isEqualTo(3);
    assertThat(server.hits()).isEqualTo(2);
  }

  @Test
  void persistentServerError_failsAfterRetryAttemptsTotalTries() {
    server.handler(exchange -> new Reply(503, "{\"error\": \"model not loaded\"}"));
    ModelServiceClient c = client(settings().retryAttempts(3).build());

    assertThatThrownBy(() -> c.predict(window("nurse-1", 0.1f)))
        .isInstanceOf(ModelServiceException.class)
        .hasMessageContaining("window nurse-1 [1700000000000, 1700000005000) failed after 3 tries")
        .hasMessageContaining("HTTP 503: '{\"error\": \"model not loaded\"}'");
    assertThat(server.hits()).isEqualTo(3);
  }

  @Test
  void slowService_timesOutWithinTheTimeout() {
    server.handler(
        exchange -> {
          release.await(30, TimeUnit.SECONDS);
          return Reply.ok("{\"stress_level_prediction\": \"2\"}");
        });
    ModelServiceClient c =
        client(settings().timeout(Duration.ofMillis(300)).retryAttempts(1).build());
    long startNanos = System.nanoTime();

    assertThatThrownBy(() -> c.predict(window("nurse-1", 0.1f)))
        .isInstanceOf(ModelServiceException.class)
        .hasMessageContaining("failed after 1 try: timed out after 300ms");
    assertThat(Duration.ofNanos(System.nanoTime() - startNanos)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void unreachableService_failsWithCause() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    ModelServiceClient c =
        client(
            ModelServiceSettings.builder(URI.create("http://127.0.0.1:" + closedPort + "/p"))
                .retryAttempts(2)
                .retryBackoff(Duration.ofMillis(5), Duration.ofMillis(5))
                .build());

    assertThatThrownBy(() -> c.predict(window("nurse-1", 0.1f)))
        .isInstanceOf(ModelServiceException.class)
        .hasMessageContaining(
            "failed after 2 tries: unreachable at http://127.0.0.1:" + closedPort + "/p")
        .hasMessageContaining("ConnectException");
  }

  @Test
  void repeatedFailures_openTheCircuit_thenItHalfOpensAndCloses() {
    AtomicInteger mode = new AtomicInteger(500);
    server.handler(
        exchange ->
            mode.get() == 500
                ? new Reply(500, "down")
                : Reply.ok("{\"stress_level_prediction\": \"4\"}"));
    ModelServiceClient c =
        client(settings().retryAttempts(1).circuitBreaker(3, Duration.ofMillis(500)).build());
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> c.predict(window("nurse-1", 0.1f))).hasMessageContaining("HTTP 500");
    }

    assertThat(c.circuitState()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThatThrownBy(() -> c.predict(window("nurse-1", 0.1f)))
        .isInstanceOf(ModelServiceException.class)
        .hasMessageContaining(
            "window nurse-1 [1700000000000, 1700000005000) not sent: "
                + "circuit breaker open after 3 consecutive failures (last: HTTP 500: 'down'); next trial within 500ms");
    assertThat(server.hits()).as("an open breaker does not call the service").isEqualTo(3);

    mode.set(200);
    await("the breaker lets a trial call through and closes")
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .ignoreException(ModelServiceException.class)
        .until(() -> c.predict(window("nurse-1", 0.1f)) == 4);
    assertThat(c.circuitState()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(server.hits()).isEqualTo(4);
  }

  @Test
  void failedTrialCall_reopensTheCircuit() {
    server.handler(exchange -> new Reply(500, "still down"));
    ModelServiceClient c =
        client(settings().retryAttempts(1).circuitBreaker(1, Duration.ofMillis(200)).build());
    assertThatThrownBy(() -> c.predict(window("nurse-1", 0.1f))).hasMessageContaining("HTTP 500");

    await("the breaker half-opens and lets one trial call through")
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              try {
                c.predict(window("nurse-1", 0.1f));
                return false;
              } catch (ModelServiceException e) {
                return server.hits() == 2;
              }
            });

    assertThat(c.circuitState()).isEqualTo(CircuitBreaker.State.OPEN);
  }

  @Test
  void malformedJson_isAnErrorWithBodyExcerpt_notRetried() {
    server.handler(exchange -> Reply.ok("<html>Internal proxy page</html>"));
    ModelServiceClient c = client(settings().retryAttempts(3).build());

    assertThatThrownBy(() -> c.predict(window("nurse-1", 0.1f)))
        .isInstanceOf(ModelServiceException.class)
        .hasMessageContaining("malformed response (not JSON): '<html>Internal proxy page</html>'");
    assertThat(server.hits()).isEqualTo(1);
  }

  @Test
  void clientError_isNotRetried() {
    server.handler(exchange -> new Reply(404, "Not Found"));
    ModelServiceClient c = client(settings().retryAttempts(3).build());

    assertThatThrownBy(() -> c.predict(window("nurse-1", 0.1f)))
        .hasMessageContaining("failed after 1 try: HTTP 404: 'Not Found'");
    assertThat(server.hits()).isEqualTo(1);
  }

  @Test
  void parsePrediction_rejectsAnythingButAnIntegerPrediction() {
    assertThat(ModelRequests.parsePrediction("{\"stress_level_prediction\": \" 2 \"}"))
        .isEqualTo(2);
    assertThat(ModelRequests.parsePrediction("{\"stress_level_prediction\": 2.0}")).isEqualTo(2);
    assertThat(ModelRequests.parsePrediction("{\"stress_level_prediction\": \"0\"}")).isZero();

    assertThatThrownBy(() -> ModelRequests.parsePrediction("{\"prediction\": \"2\"}"))
        .hasMessage("malformed response (no stress_level_prediction): '{\"prediction\": \"2\"}'");
    assertThatThrownBy(
            () -> ModelRequests.parsePrediction("{\"stress_level_prediction\": \"high\"}"))
        .hasMessageContaining("stress_level_prediction is not numeric");
    assertThatThrownBy(() -> ModelRequests.parsePrediction("{\"stress_level_prediction\": 2.5}"))
        .hasMessageContaining("stress_level_prediction is not an integer");
    assertThatThrownBy(() -> ModelRequests.parsePrediction("{\"stress_level_prediction\": null}"))
        .hasMessageContaining("no stress_level_prediction");
    assertThatThrownBy(() -> ModelRequests.parsePrediction("{\"stress_level_prediction\": [2]}"))
        .hasMessageContaining("is not a number");
    assertThatThrownBy(() -> ModelRequests.parsePrediction("[2]"))
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> ModelRequests.parsePrediction(""))
        .hasMessageContaining("<empty body>");
    assertThatThrownBy(
            () -> ModelRequests.parsePrediction("{\"stress_level_prediction\": \"2\"} trailing"))
        .hasMessageContaining("not JSON");
    assertThatThrownBy(() -> ModelRequests.parsePrediction("x".repeat(1000)))
        .hasMessageContaining("...' (1000 chars)");
  }

  @Test
  void scoreAll_keepsAtMostMaxConcurrencyCallsInFlight() throws Exception {
    java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
    server.handler(
        exchange -> {
          gate.await(); // hold every call until the test has seen how many are in flight at once
          return Reply.ok("{\"stress_level_prediction\": \"1\"}");
        });
    ModelServiceClient c = client(settings().maxConcurrency(4).build());
    List<WindowResult> windows = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      windows.add(window("nurse-" + i, i));
    }

    java.util.concurrent.CompletableFuture<List<ScoredWindow>> scoring =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> c.scoreAll(windows));
    org.awaitility.Awaitility.await("4 calls held at the server")
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> server.maxInFlight() == 4);
    org.awaitility.Awaitility.await("no fifth call while 4 are held")
        .during(java.time.Duration.ofMillis(300))
        .atMost(java.time.Duration.ofSeconds(2))
        .until(() -> server.maxInFlight() == 4 && server.hits() == 4);
    gate.countDown();
    List<ScoredWindow> scored = scoring.get(30, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(scored).extracting(ScoredWindow::window).containsExactlyElementsOf(windows);
    assertThat(server.hits()).isEqualTo(40);
    assertThat(server.maxInFlight()).isEqualTo(4);
  }

  @Test
  void scoreAll_failure_throwsNamingTheWindow_andLeavesTheOneLogLineToTheCaller() {
    server.handler(exchange -> new Reply(500, "down"));
    ModelServiceClient c = client(settings().retryAttempts(1).build());
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      assertThatThrownBy(() -> c.scoreAll(List.of(window("nurse-1", 0.1f))))
          .isInstanceOf(ModelServiceException.class)
          .hasMessageContaining("window nurse-1")
          .hasMessageContaining("HTTP 500");
    } finally {
      System.setErr(original);
    }

    // issue 11: each held retry logged an ERROR line with a stack trace here and another in the
    // launcher
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .doesNotContain("ERROR io.fallback.http.ModelServiceClient")
        .doesNotContain("\tat io.fallback");
  }

  @Test
  void health_byDefault_sendsOnePredictRequestWithZeroes_healthyOnAPrediction() {
    server.handler(
        exchange ->
            exchange.getRequestURI().getPath().equals("/model/api/predict")
                ? Reply.ok("{\"stress_level_prediction\": \"1\"}")
                : new Reply(404, "nope"));
    ModelServiceClient c = client(settings().build());

    Health health = c.health();

    assertThat(c.settings().healthCheck()).isEqualTo(ModelHealthCheck.predict());
    assertThat(server.queries()).containsExactly("x=0.0&y=0.0&z=0.0&eda=0.0&hr=0.0&temp=0.0");
    assertThat(health.isHealthy()).isTrue();
    assertThat(health.reason())
        .isEqualTo(
            "GET "
                + server.uri("/model/api/predict")
                + "?x=0.0&y=0.0&z=0.0&eda=0.0&hr=0.0&temp=0.0 answered 200 with prediction 1");
  }

  @Test
  void health_byDefault_usesTheConfiguredQueryParameters() {
    server.handler(exchange -> Reply.ok("{\"stress_level_prediction\": 0}"));
    Map<String, String> params = new LinkedHashMap<>();
    params.put("heart rate", "HR");
    params.put("eda", "EDA");
    ModelServiceClient c = client(settings().queryParameters(params).build());

    assertThat(c.health().isHealthy()).isTrue();
    assertThat(server.queries()).containsExactly("heart+rate=0.0&eda=0.0");
  }

  @Test
  void health_byDefault_serviceThereButRefusingTheProbe_isHealthyAndSaysSo() {
    server.handler(exchange -> new Reply(422, "hr must be > 0"));
    ModelServiceClient c = client(settings().build());

    Health health = c.health();

    assertThat(health.isHealthy()).isTrue();
    assertThat(health.reason())
        .endsWith(
            "answered 422: the service is there but refused the probe's values: 'hr must be > 0'");
  }

  @Test
  void health_byDefault_wrongPathErrorOrNoPrediction_isUnhealthy() {
    ModelServiceClient c = client(settings().build());
    String get =
        "GET " + server.uri("/model/api/predict") + "?x=0.0&y=0.0&z=0.0&eda=0.0&hr=0.0&temp=0.0";

    server.handler(exchange -> new Reply(404, "nope"));
    assertThat(c.health())
        .isEqualTo(
            Health.unhealthy(
                get + " answered 404 (is the path of ml_service.endpoint right?): 'nope'"));

    server.handler(exchange -> new Reply(503, "loading"));
    assertThat(c.health()).isEqualTo(Health.unhealthy(get + " answered 503: 'loading'"));

    server.handler(exchange -> Reply.ok("<html>hello</html>"));
    assertThat(c.health())
        .isEqualTo(
            Health.unhealthy(
                get
                    + " answered 200 without a prediction: malformed response (not JSON): '<html>hello</html>'"));
  }

  @Test
  void health_byDefault_nothingListening_isUnhealthyNamingTheUrl() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ModelServiceClient c =
        client(
            ModelServiceSettings.builder(URI.create("http://127.0.0.1:" + port + "/predict"))
                .timeout(Duration.ofSeconds(2))
                .build());

    Health health = c.health();

    assertThat(health.isHealthy()).isFalse();
    assertThat(health.reason())
        .startsWith(
            "GET http://127.0.0.1:"
                + port
                + "/predict?x=0.0&y=0.0&z=0.0&eda=0.0&hr=0.0&temp=0.0 unreachable: ConnectException");
  }

  @Test
  void health_withAHealthPath_getsItOnTheEndpointsHost_healthyOn2xx() {
    server.handler(
        exchange ->
            exchange.getRequestURI().getPath().equals("/ready")
                ? Reply.ok("{\"status\": \"ok\"}")
                : new Reply(404, "nope"));
    ModelServiceClient c = client(settings().healthEndpoint("/ready").build());

    assertThat(c.settings().healthCheck()).isEqualTo(ModelHealthCheck.get(server.uri("/ready")));
    assertThat(c.health())
        .isEqualTo(Health.healthy("GET " + server.uri("/ready") + " answered 200"));
    assertThat(server.queries()).isEmpty();

    server.handler(exchange -> new Reply(503, "loading"));
    assertThat(c.health().reason())
        .isEqualTo("GET " + server.uri("/ready") + " answered 503: 'loading'");
  }

  @Test
  void health_none_sendsNothing() {
    ModelServiceClient c = client(settings().healthEndpoint("none").build());

    Health health = c.health();

    assertThat(health)
        .isEqualTo(Health.healthy("not checked (ml_service.health_endpoint is none)"));
    assertThat(server.hits()).isZero();
  }

  @Test
  void closedClient_refusesCalls() {
    ModelServiceClient c = client(settings().build());
    c.close();
    c.close();

    assertThatThrownBy(() -> c.predict(window("nurse-1", 0.1f)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void unknownField_inQueryParameters_isRejectedNamingTheKey() {
    ModelServiceSettings s = settings().queryParameters(Map.of("bpm", "PULSE")).build();

    assertThatThrownBy(() -> ModelServiceClient.of(s, WindowSpec.NURSE_FIELDS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "ml_service.query_parameters maps 'bpm' to field 'PULSE', which is not one of the window fields "
                + "[X, Y, Z, EDA, HR, TEMP]");
  }
}
