package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The launcher's own line about an unreachable dependency, in virtual time: once at once, then at
 * most once per interval, and once when it answers again (issue 12: with Kafka unreachable, 143 of
 * 152 lines were the client's warnings and none of the launcher's).
 */
class ReachabilityTest {

  private static final Duration INTERVAL = Duration.ofSeconds(30);

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2025-03-01T12:00:00Z"));
  private final InstantSource clock = now::get;
  private final Reachability kafka = new Reachability("Kafka at 127.0.0.1:9092", clock, INTERVAL);
  private final CapturedLog log = CapturedLog.of(Reachability.class);

  @AfterEach
  void detach() {
    log.close();
  }

  private void advance(Duration d) {
    now.updateAndGet(t -> t.plus(d));
  }

  private List<String> lines() {
    return log.events().stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
  }

  @Test
  void firstFailure_isOneWarnLineAtOnce_withTheReasonAndWhatItMeans() {
    kafka.unreachable("connection refused", "latency kafka_lag: no evidence");

    assertThat(lines())
        .containsExactly(
            "WARN Kafka at 127.0.0.1:9092 unreachable: connection refused (latency kafka_lag: no evidence)");
    assertThat(kafka.isUnreachable()).isTrue();
  }

  @Test
  void failuresWithinTheInterval_areHeldBack_thenOneLineSaysHowLongAndHowMany() {
    kafka.unreachable("connection refused", "latency kafka_lag: no evidence");
    for (int i = 0; i < 5; i++) {
      advance(Duration.ofSeconds(5));
      kafka.unreachable(
          "connection refused", i % 2 == 0 ? "backlog unknown" : "latency kafka_lag: no evidence");
    }
    assertThat(lines()).hasSize(1);

    advance(Duration.ofSeconds(5));
    kafka.unreachable("connection refused", "backlog unknown");

    assertThat(lines())
        .hasSize(2)
        .last()
        .isEqualTo(
            "WARN Kafka at 127.0.0.1:9092 unreachable for 30 s: connection refused (backlog unknown; latency kafka_lag:"
                + " no evidence; 6 failures since the last line)");
  }

  @Test
  void longOutage_isOneLinePerInterval_notOnePerFailedRead() {
    kafka.unreachable("connection refused", "backlog unknown");
    for (int i = 0; i < 80; i++) { // 80 s of reads every second, as with check_interval_seconds: 1
      advance(Duration.ofSeconds(1));
      kafka.unreachable("connection refused", "backlog unknown");
    }

    assertThat(lines())
        .containsExactly(
            "WARN Kafka at 127.0.0.1:9092 unreachable: connection refused (backlog unknown)",
            "WARN Kafka at 127.0.0.1:9092 unreachable for 30 s: connection refused (backlog unknown; 30 failures since"
                + " the last line)",
            "WARN Kafka at 127.0.0.1:9092 unreachable for 60 s: connection refused (backlog unknown; 30 failures since"
                + " the last line)");
  }

  @Test
  void answerAfterAnOutage_isOneInfoLineWithItsLength_andTheNextOutageIsReportedAtOnce() {
    kafka.unreachable("connection refused", "backlog unknown");
    advance(Duration.ofSeconds(47));

    kafka.reachable();
    kafka.reachable();
    advance(Duration.ofSeconds(1));
    kafka.unreachable("connect timed out after 2 s", "backlog unknown");

    assertThat(lines())
        .containsExactly(
            "WARN Kafka at 127.0.0.1:9092 unreachable: connection refused (backlog unknown)",
            "INFO Kafka at 127.0.0.1:9092 reachable again after 47 s",
            "WARN Kafka at 127.0.0.1:9092 unreachable: connect timed out after 2 s (backlog unknown)");
    assertThat(log.events().get(1).getLevel()).isEqualTo(Level.INFO);
  }

  @Test
  void answersWithoutAnOutage_sayNothing() {
    kafka.reachable();
    advance(INTERVAL);
    kafka.reachable();

    assertThat(lines()).isEmpty();
    assertThat(kafka.isUnreachable()).isFalse();
  }
}
