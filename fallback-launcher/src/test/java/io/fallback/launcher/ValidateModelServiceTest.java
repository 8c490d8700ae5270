package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code validate --only ml_service} against a real local HTTP server, run as operators run it
 * (picocli {@link Main}). The model service here serves only what each test registers: like the
 * seed's service, by default nothing but its predict path.
 */
class ValidateModelServiceTest {

  private static final String PREDICT = "/model/api/predict";
  private static final String PROBE_QUERY = "?x=0.0&y=0.0&z=0.0&eda=0.0&hr=0.0&temp=0.0";

  @TempDir Path dir;

  private HttpServer server;
  private String base;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final StringWriter out = new StringWriter();

  @BeforeEach
  void startModelService() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext(
        PREDICT, exchange -> answer(exchange, 200, "{\"stress_level_prediction\": \"1\"}"));
    server.createContext("/", exchange -> answer(exchange, 404, "not found"));
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void answer(HttpExchange exchange, int status, String body) throws IOException {
    requests.add(exchange.getRequestURI().toString());
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream o = exchange.getResponseBody()) {
      o.write(bytes);
    }
  }

  private int validate(String mlServiceYaml, Map<String, String> environment) throws IOException {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, "ml_service:\n" + mlServiceYaml);
    return Main.execute(
        new String[] {"validate", "--config", file.toString(), "--only", "ml_service"},
        environment,
        new PrintWriter(out, true),
        new PrintWriter(out, true));
  }

  @Test
  void validate_modelServiceWithoutHealthPath_reportsReachable() throws IOException {
    int code = validate("  endpoint: " + base + PREDICT + "\n", Map.of());

    assertThat(code).as(out.toString()).isZero();
    assertThat(out.toString())
        .contains(
            "model service: OK, GET "
                + base
                + PREDICT
                + PROBE_QUERY
                + " answered 200 with prediction 1")
        .doesNotContain("unreachable");
    assertThat(requests).containsExactly(PREDICT + PROBE_QUERY);
  }

  @Test
  void validate_healthEndpointPath_getsThatPathOnTheModelHost() throws IOException {
    server.createContext("/ready", exchange -> answer(exchange, 200, "{\"status\": \"ready\"}"));

    int code =
        validate("  endpoint: " + base + PREDICT + "\n  health_endpoint: /ready\n", Map.of());

    assertThat(code).as(out.toString()).isZero();
    assertThat(out.toString()).contains("model service: OK, GET " + base + "/ready answered 200");
    assertThat(requests).containsExactly("/ready");
  }

  @Test
  void validate_healthEndpointNotServed_exits1NamingTheUrl() throws IOException {
    int code =
        validate("  endpoint: " + base + PREDICT + "\n  health_endpoint: /ready\n", Map.of());

    assertThat(code).isEqualTo(1);
    assertThat(out.toString())
        .contains("unreachable: model service: GET " + base + "/ready answered 404: 'not found'");
  }

  @Test
  void validate_healthEndpointFromEnvironment_isChecked() throws IOException {
    server.createContext("/ready", exchange -> answer(exchange, 200, "ok"));

    int code =
        validate(
            "  endpoint: " + base + PREDICT + "\n",
            Map.of("FALLBACK_ML_SERVICE_HEALTH_ENDPOINT", base + "/ready"));

    assertThat(code).as(out.toString()).isZero();
    assertThat(out.toString()).contains("model service: OK, GET " + base + "/ready answered 200");
  }

  @Test
  void validate_healthEndpointNone_skipsTheCheckAndSaysSo() throws IOException {
    int code = validate("  endpoint: " + base + PREDICT + "\n  health_endpoint: none\n", Map.of());

    assertThat(code).isZero();
    assertThat(out.toString())
        .contains(
            "model service "
                + base
                + PREDICT
                + ": not checked (ml_service.health_endpoint is none)");
    assertThat(requests).isEmpty();
  }

  @Test
  void validate_nothingListening_exits1NamingTheModelServiceAndTheUrl() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + port + PREDICT;

    int code = validate("  endpoint: " + endpoint + "\n", Map.of());

    assertThat(code).isEqualTo(1);
    assertThat(out.toString())
        .contains(
            "unreachable: model service: GET "
                + endpoint
                + PROBE_QUERY
                + " unreachable: ConnectException");
  }

  @Test
  void validate_modelServiceFailing_exits1() throws IOException {
    server.removeContext(PREDICT);
    server.createContext(PREDICT, exchange -> answer(exchange, 503, "model not loaded"));

    int code = validate("  endpoint: " + base + PREDICT + "\n", Map.of());

    assertThat(code).isEqualTo(1);
    assertThat(out.toString())
        .contains(
            "unreachable: model service: GET "
                + base
                + PREDICT
                + PROBE_QUERY
                + " answered 503: 'model not loaded'");
  }

  @Test
  void validate_onlyAnUnknownDependency_exits2() throws IOException {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, "");

    int code =
        Main.execute(
            new String[] {
              "validate", "--config", file.toString(), "--only", "ml_service,zookeeper"
            },
            Map.of(),
            new PrintWriter(out, true),
            new PrintWriter(out, true));

    assertThat(code).isEqualTo(2);
    assertThat(out.toString())
        .contains(
            "--only: unknown dependency 'zookeeper'; known: kafka, influxdb, flink, ml_service");
  }
}
