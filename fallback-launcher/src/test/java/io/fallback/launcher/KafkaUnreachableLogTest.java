package io.fallback.launcher;

import static io.fallback.launcher.LauncherFixtures.closedPort;
import static io.fallback.launcher.LauncherFixtures.startWithDependenciesUnreachable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The application as {@code run} wires it, with the shipped Logback configuration, and Kafka at a
 * closed port. Regression (issue 12): in 80 s, 143 of 152 lines were the Kafka client's {@code
 * NetworkClient} warnings, and no line of the launcher's said that the latency could not be read.
 */
class KafkaUnreachableLogTest {

  @Test
  void kafkaAtAClosedPort_launcherSaysSoOnce_andTheKafkaClientSaysNothing() throws Exception {
    int kafkaPort = closedPort();
    String unreachable = "Kafka at 127.0.0.1:" + kafkaPort + " unreachable";
    try (CapturedLog log = CapturedLog.of(org.slf4j.Logger.ROOT_LOGGER_NAME)) {
      try (FallbackApplication app =
          startWithDependenciesUnreachable(
              kafkaPort,
              "  properties:",
              // the admin clients give up sooner than their 60 s default, so the first read fails
              // within seconds
              "    default.api.timeout.ms: 1500",
              "    request.timeout.ms: 1000")) {
        await("the launcher's own line about Kafka")
            .atMost(Duration.ofSeconds(30))
            .until(() -> !log.messages(unreachable).isEmpty());
        int checks = log.messages("Current processing latency").size();
        // keep running while the clients retry: three more checks
        await("three more checks")
            .atMost(Duration.ofSeconds(30))
            .until(() -> log.messages("Current processing latency").size() >= checks + 3);
      }

      assertThat(log.events())
          .filteredOn(e -> e.getLoggerName().startsWith("org.apache.kafka"))
          .as("Kafka client lines (held back by default)")
          .isEmpty();
      assertThat(log.messages(unreachable))
          .as("the launcher's unreachable line, once within its 30 s interval")
          .singleElement()
          .asString()
          .startsWith(unreachable + ": connection refused (");
    }
  }
}
