package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fallback.launcher.config.ConfigLoader;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The application as {@code run} wires it, with the shipped Logback configuration, and Kafka at a
 * closed port. Regression (issue 12): in 80 s, 143 of 152 lines were the Kafka client's {@code
 * NetworkClient} warnings, and no line of the launcher's said that the latency could not be read.
 */
class KafkaUnreachableLogTest {

  @Test
  void kafkaAtAClosedPort_launcherSaysSoOnce_andTheKafkaClientSaysNothing() throws Exception {
    int kafkaPort = closedPort();
    String yaml =
        String.join(
            "\n",
            "kafka:",
            "  bootstrap_servers: \"127.0.0.1:" + kafkaPort + "\"",
            "  properties:",
            // the admin clients give up sooner than their 60 s default, so the first read fails
            // within seconds
            "    default.api.timeout.ms: 1500",
            "    request.timeout.ms: 1000",
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
            "");
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    root.addAppender(log);
    String unreachable = "Kafka at 127.0.0.1:" + kafkaPort + " unreachable";
    try (FallbackApplication app =
        FallbackApplication.start(new ConfigLoader(Map.of()).loadYaml(yaml, null), Map.of())) {
      await("the launcher's own line about Kafka")
          .atMost(Duration.ofSeconds(30))
          .until(() -> !lines(log, unreachable).isEmpty());
      int checks = lines(log, "Current processing latency").size();
      // keep running while the clients retry: three more checks
      await("three more checks")
          .atMost(Duration.ofSeconds(30))
          .until(() -> lines(log, "Current processing latency").size() >= checks + 3);
    } finally {
      root.detachAppender(log);
    }

    List<ILoggingEvent> events = List.copyOf(log.list);
    assertThat(events)
        .filteredOn(e -> e.getLoggerName().startsWith("org.apache.kafka"))
        .as("Kafka client lines (held back by default)")
        .isEmpty();
    assertThat(lines(log, unreachable))
        .as("the launcher's unreachable line, once within its 30 s interval")
        .singleElement()
        .asString()
        .startsWith(unreachable + ": connection refused (");
  }

  private static List<String> lines(ListAppender<ILoggingEvent> log, String text) {
    synchronized (log) {
      return List.copyOf(log.list).stream()
          .map(ILoggingEvent::getFormattedMessage)
          .filter(m -> m.contains(text))
          .toList();
    }
  }

  private static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
