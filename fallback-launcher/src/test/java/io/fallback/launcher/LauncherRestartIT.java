package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.fallback.testkit.InfluxDbExtension;
import io.fallback.testkit.InfluxDbServer;
import io.fallback.testkit.KafkaBroker;
import io.fallback.testkit.KafkaBrokerExtension;
import io.fallback.testkit.LauncherProcess;
import io.fallback.testkit.Ports;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped jar killed with SIGKILL and started again, as an operator's process supervisor would
 * (issue 11, defect 4): the restarted process rejoins the fallback group as the same static member,
 * so it resumes from the committed offsets within seconds instead of waiting for the dead member's
 * session to expire (45 s), and the seed's 30 s batch timeout does not delay its first point.
 */
class LauncherRestartIT {

  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(45);

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();

  private static Path jar;
  private static HttpServer model;

  @TempDir Path dir;

  @BeforeAll
  static void startServers() throws IOException {
    jar = LauncherProcess.locate(); // the runnable jar, built by package
    model = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    model.createContext(
        "/model/api/predict",
        ex -> {
          byte[] body = "{\"stress_level_prediction\": \"1\"}".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
          }
        });
    model.start();
  }

  @AfterAll
  static void stopModel() {
    if (model != null) {
      model.stop(0);
    }
  }

  @Test
  void killedAndRestarted_resumesAsTheSameStaticMember_withinSeconds_notAfterTheSessionTimeout()
      throws Exception {
    KafkaBroker kafka = KAFKA.broker();
    InfluxDbServer influx = INFLUX.server();
    String database = "flink_sink_restart";
    influx.createDatabase(database);
    long start = Instant.now().minusSeconds(600).toEpochMilli() / 5_000 * 5_000;
    NurseTopic nurses =
        NurseTopic.create(kafka, "restart-topic", start); // two nurses on partition 0, one on 1
    nurses.produce(0, 1_200); // 3 nurses x 120 s at 10 Hz
    Path config = dir.resolve("config.yaml");
    Files.writeString(config, config(nurses.name(), database));
    int port = Ports.freePort(); // the same for both processes: the static member id includes it

    LauncherProcess first = launch(config, port, dir.resolve("first.log"));
    try {
      await("the first process writes points")
          .atMost(Duration.ofSeconds(90))
          .until(() -> NurseTopic.countPoints(influx, database) > 0);
      await("and commits")
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  !kafka
                      .admin()
                      .listConsumerGroupOffsets("restart-fallback")
                      .partitionsToOffsetAndMetadata()
                      .get(10, TimeUnit.SECONDS)
                      .isEmpty());
    } finally {
      first.kill(); // SIGKILL: no close, no leave-group, the member stays registered
    }
    int before = NurseTopic.countPoints(influx, database);
    nurses.produce(1_200, 1_500); // 30 s more per nurse: new windows only a restart can write

    long restartedAt = System.nanoTime();
    try (LauncherProcess second = launch(config, port, dir.resolve("second.log"))) {
      await("the restarted process writes a window")
          .atMost(SESSION_TIMEOUT.plusSeconds(30))
          .until(() -> NurseTopic.countPoints(influx, database) > before);
      Duration restartToPoint = Duration.ofNanos(System.nanoTime() - restartedAt);
      System.out.printf("restart -> first new point: %.1f s%n", restartToPoint.toMillis() / 1000.0);
      await("every complete window, across both processes")
          .atMost(Duration.ofSeconds(90))
          .until(() -> NurseTopic.countPoints(influx, database) == nurses.expectedWindows(1_500));

      String log = second.logText();
      assertThat(log)
          .contains("static member restart-fallback-")
          .contains("resuming from own committed offset");
      assertThat(restartToPoint)
          .as("restart -> first new point, with a 45 s session timeout and a 30 s batch timeout")
          .isLessThan(SESSION_TIMEOUT.minusSeconds(15));
    }
  }

  private String config(String topic, String database) {
    return String.join(
        "\n",
        "kafka:",
        "  bootstrap_servers: \"" + KAFKA.bootstrapServers() + "\"",
        "  topic: \"" + topic + "\"",
        "  group_id: restart-fallback",
        "  auto_offset_reset: earliest",
        "processing:",
        "  batch_size: 500",
        "  batch_timeout_seconds: 30",
        "monitoring:",
        "  latency_threshold_seconds: 0",
        "  check_interval_seconds: 1",
        "  health_probe: none",
        "  primary_group_id: no-primary-here",
        "ml_service:",
        "  endpoint: \"http://127.0.0.1:" + model.getAddress().getPort() + "/model/api/predict\"",
        "influxdb:",
        "  url: \"" + INFLUX.server().url() + "\"",
        "  database: " + database,
        "");
  }

  /** The shipped jar, as operators start it, on a fixed status port. */
  private static LauncherProcess launch(Path config, int port, Path log) {
    return LauncherProcess.builder(jar, config)
        .port(port)
        .logFile(log)
        .stopGrace(Duration.ofSeconds(60))
        .start();
  }
}
