package io.fallback.launcher;

import io.fallback.core.Health;
import io.fallback.core.supervisor.FallbackActivity;
import io.fallback.core.supervisor.FallbackSupervisor;
import io.fallback.core.supervisor.ManualScheduler;
import io.fallback.launcher.config.ConfigLoader;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** What the launcher's tests share: closed ports, plain HTTP GETs, an inert supervisor. */
final class LauncherFixtures {

  private LauncherFixtures() {}

  /**
   * @return a local port that nothing listens on (bound once, then released)
   */
  static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static HttpResponse<String> get(HttpClient http, String uri) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(uri)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * An activity that does nothing.
   *
   * @param running what {@link FallbackActivity#isRunning()} answers
   * @param status what {@link FallbackActivity#status()} answers, or null for the default
   */
  static FallbackActivity inertActivity(boolean running, Supplier<FallbackActivity.Status> status) {
    return new FallbackActivity() {
      @Override
      public void start() {}

      @Override
      public void stop() {}

      @Override
      public boolean isRunning() {
        return running;
      }

      @Override
      public Status status() {
        return status == null ? FallbackActivity.super.status() : status.get();
      }
    };
  }

  /**
   * A supervisor in virtual time whose primary is healthy with no latency, probed on the caller's
   * thread; the caller adds the rest.
   */
  static FallbackSupervisor.Builder supervisorBuilder(
      ManualScheduler time, FallbackActivity activity) {
    return FallbackSupervisor.builder()
        .latencySource(() -> Optional.of(Duration.ZERO))
        .healthProbe(() -> Health.healthy("job RUNNING"))
        .activity(activity)
        .clock(time)
        .scheduler(time)
        .probeExecutor(Runnable::run);
  }

  /**
   * The application as {@code run} wires it, with Kafka, InfluxDB and the model service at closed
   * local ports, checks every second, no health probe and the status endpoint on an ephemeral port.
   *
   * @param kafkaPort the closed port Kafka is at
   * @param kafkaLines more lines of the {@code kafka:} block, indented
   */
  static FallbackApplication startWithDependenciesUnreachable(int kafkaPort, String... kafkaLines)
      throws Exception {
    List<String> yaml = new ArrayList<>();
    yaml.add("kafka:");
    yaml.add("  bootstrap_servers: \"127.0.0.1:" + kafkaPort + "\"");
    yaml.addAll(List.of(kafkaLines));
    yaml.addAll(
        List.of(
            "monitoring:",
            "  check_interval_seconds: 1",
            "  probe_timeout_seconds: 1",
            "  health_probe: none",
            "ml_service:",
            "  endpoint: \"http://127.0.0.1:" + closedPort() + "/predict\"",
            "influxdb:",
            "  url: \"http://127.0.0.1:" + closedPort() + "\"",
            "server:",
            "  port: 0",
            ""));
    return FallbackApplication.start(
        new ConfigLoader(Map.of()).loadYaml(String.join("\n", yaml), null), Map.of());
  }
}
