package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.core.FallbackListener.Stage;
import io.fallback.core.Health;
import io.fallback.core.HealthProbe;
import io.fallback.core.LatencySource;
import io.fallback.kafka.GroupBacklog;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where the launcher learns that a dependency cannot be reached: the latency read, the health
 * probe, the backlog sampler (each dialled after a failed read) and the fallback loop's calls (by
 * their cause). The decorated reads answer exactly what they would without the decoration.
 */
class DependencyTest {

  private final AtomicReference<Optional<String>> dialFailure =
      new AtomicReference<>(Optional.empty());
  private final InstantSource clock = InstantSource.fixed(Instant.parse("2025-03-01T12:00:00Z"));
  private final Dependency kafka =
      new Dependency(
          new Reachability("Kafka at 127.0.0.1:9092", clock, Duration.ofSeconds(30)),
          dialFailure::get);
  private final CapturedLog log = CapturedLog.of(Reachability.class);

  @AfterEach
  void detach() {
    log.close();
  }

  private List<String> lines() {
    return log.messages();
  }

  @Test
  void latencyWithoutEvidence_andDialRefused_isReportedUnreachable_andTheReadingPassesUnchanged() {
    dialFailure.set(Optional.of("connection refused"));
    LatencySource lag = kafka.watch(named("kafka_lag", Optional::empty));

    Optional<Duration> reading = lag.currentLatency();

    assertThat(reading).isEmpty();
    assertThat(lag.name()).isEqualTo("kafka_lag");
    assertThat(lines())
        .containsExactly(
            "Kafka at 127.0.0.1:9092 unreachable: connection refused (latency kafka_lag: no evidence)");
  }

  @Test
  void latencyWithoutEvidence_butDialAccepted_isNotANetworkProblem() {
    LatencySource lag = kafka.watch(named("kafka_lag", Optional::empty));

    lag.currentLatency();

    assertThat(lines()).isEmpty();
  }

  @Test
  void latencyReading_afterAnOutage_isReportedReachableAgain() {
    dialFailure.set(Optional.of("connection refused"));
    List<Optional<Duration>> readings =
        new ArrayList<>(List.of(Optional.empty(), Optional.of(Duration.ofSeconds(2))));
    LatencySource lag = kafka.watch(named("kafka_lag", () -> readings.remove(0)));

    lag.currentLatency();
    Optional<Duration> second = lag.currentLatency();

    assertThat(second).contains(Duration.ofSeconds(2));
    assertThat(lines())
        .hasSize(2)
        .last()
        .isEqualTo("Kafka at 127.0.0.1:9092 reachable again after 0 s");
  }

  @Test
  void latencySourceThatThrows_isReported_andTheExceptionReachesTheSupervisorUnchanged() {
    dialFailure.set(Optional.of("connection refused"));
    IllegalStateException failure = new IllegalStateException("boom");
    LatencySource lag =
        kafka.watch(
            named(
                "kafka_lag",
                () -> {
                  throw failure;
                }));

    assertThatThrownBy(lag::currentLatency).isSameAs(failure);
    assertThat(lines()).singleElement().asString().contains("unreachable: connection refused");
  }

  @Test
  void unhealthyProbe_onAReachableApi_isNotANetworkProblem_butOnARefusedOneItIs() {
    Dependency api =
        new Dependency(
            new Reachability("Flink REST API at jobmanager:8081", clock, Duration.ofSeconds(30)),
            dialFailure::get);
    HealthProbe flink =
        api.watch(
            new HealthProbe() {
              @Override
              public Health check() {
                return Health.unhealthy("job nurse-stress is CANCELED");
              }

              @Override
              public String name() {
                return "flink_rest";
              }
            });

    Health first = flink.check();
    dialFailure.set(Optional.of("connection refused"));
    flink.check();

    assertThat(first.reason()).isEqualTo("job nurse-stress is CANCELED");
    assertThat(flink.name()).isEqualTo("flink_rest");
    assertThat(lines())
        .containsExactly(
            "Flink REST API at jobmanager:8081 unreachable: connection refused (health check flink_rest: unhealthy)");
  }

  @Test
  void failedBacklogSample_isPassedOnFirst_thenReported() {
    dialFailure.set(Optional.of("connection refused"));
    List<Backlog.Sample> received = new ArrayList<>();

    kafka
        .watchBacklog(received::add)
        .accept(new Backlog.Sample(Optional.empty(), Optional.empty()));

    assertThat(received).hasSize(1);
    assertThat(lines())
        .containsExactly(
            "Kafka at 127.0.0.1:9092 unreachable: connection refused (backlog unknown)");
  }

  @Test
  void backlogSampleWithCounts_isAnAnswer() {
    dialFailure.set(Optional.of("connection refused"));
    kafka.watchBacklog(s -> {}).accept(new Backlog.Sample(Optional.empty(), Optional.empty()));

    kafka
        .watchBacklog(s -> {})
        .accept(
            new Backlog.Sample(
                Optional.of(new GroupBacklog.Counts(0, 0, 0)), Optional.of(clock.instant())));

    assertThat(lines()).hasSize(2).last().asString().contains("reachable again");
  }

  @Test
  void loopCallRefused_isReported_butAnHttpErrorIsNot() {
    Dependency model =
        new Dependency(
            new Reachability("model service at ml:5000", clock, Duration.ofSeconds(30)),
            dialFailure::get);
    Dependency influx =
        new Dependency(
            new Reachability("InfluxDB at influxdb:8086", clock, Duration.ofSeconds(30)),
            dialFailure::get);
    ReachabilityListener listener = new ReachabilityListener(model, influx);

    listener.batchFailed(
        Stage.PROCESS, new IllegalStateException("ML service: HTTP 500"), 1, Duration.ofSeconds(1));
    Exception refused =
        new IllegalStateException(
            "InfluxDB write failed",
            new IOException("x", new ConnectException("Connection refused")));
    listener.batchFailed(Stage.WRITE, refused, 1, Duration.ofSeconds(1));

    assertThat(lines())
        .containsExactly(
            "InfluxDB at influxdb:8086 unreachable: connection refused (fallback batch held)");
  }

  @Test
  void dialToAClosedPort_saysConnectionRefused_andToAnOpenOneSaysNothing() throws Exception {
    int closed = LauncherFixtures.closedPort();
    try (ServerSocket open = new ServerSocket(0)) {
      TcpDial both =
          TcpDial.ofHostPorts("127.0.0.1:" + closed + ", 127.0.0.1:" + open.getLocalPort());

      assertThat(TcpDial.ofHostPorts("127.0.0.1:" + closed).failure())
          .contains("connection refused");
      assertThat(both.failure()).isEmpty();
      assertThat(both.addresses())
          .isEqualTo("127.0.0.1:" + closed + ",127.0.0.1:" + open.getLocalPort());
      assertThat(
              TcpDial.ofUrl(URI.create("http://127.0.0.1:" + open.getLocalPort() + "/predict"))
                  .failure())
          .isEmpty();
      assertThat(TcpDial.ofUrl(URI.create("http://jobmanager")).addresses())
          .isEqualTo("jobmanager:80");
    }
  }

  private static LatencySource named(
      String name, java.util.function.Supplier<Optional<Duration>> reading) {
    return new LatencySource() {
      @Override
      public Optional<Duration> currentLatency() {
        return reading.get();
      }

      @Override
      public String name() {
        return name;
      }
    };
  }
}
