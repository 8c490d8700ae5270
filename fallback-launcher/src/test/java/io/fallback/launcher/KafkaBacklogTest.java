package io.fallback.launcher;

import static io.fallback.launcher.LauncherFixtures.closedPort;
import static io.fallback.launcher.LauncherFixtures.get;
import static io.fallback.launcher.LauncherFixtures.inertActivity;
import static io.fallback.launcher.LauncherFixtures.supervisorBuilder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fallback.core.mode.ModeOverride;
import io.fallback.core.supervisor.FallbackActivity;
import io.fallback.core.supervisor.FallbackSupervisor;
import io.fallback.core.supervisor.ManualScheduler;
import io.fallback.kafka.GroupBacklog;
import io.fallback.kafka.KafkaSourceSettings;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The backlog is sampled on its own thread, so nothing that reads it waits for Kafka. */
class KafkaBacklogTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Regression: {@code /metrics} took 5.0 s per scrape while Kafka was unreachable (issue 12),
   * because the scrape itself queried Kafka with a 5 s admin timeout. The bound below is far above
   * a scrape's milliseconds and well under those 5 s: what it checks is "does not wait for Kafka",
   * not speed.
   */
  @Test
  void kafkaUnreachable_scrapeStatusAndReadyAnswerPromptly_withTheBacklogAbsent() throws Exception {
    Duration doesNotWaitForKafka = Duration.ofSeconds(2);
    KafkaSourceSettings settings =
        KafkaSourceSettings.builder()
            .bootstrapServers("127.0.0.1:" + closedPort())
            .topic("stress-topic")
            .build();
    InstantSource clock = InstantSource.system();
    FallbackSupervisor supervisor = supervisor();
    supervisor.override(ModeOverride.FORCE_FALLBACK);
    HttpClient http = HttpClient.newHttpClient();
    try (LauncherMetrics meters = new LauncherMetrics(clock);
        KafkaBacklog backlog =
            KafkaBacklog.start(
                settings, clock, Duration.ofMillis(200), meters.events()::backlogSampled);
        StatusServer server =
            new StatusServer(
                "127.0.0.1",
                0,
                supervisor,
                meters.registry(),
                Optional.empty(),
                backlog,
                new ActivationTracker(clock),
                KafkaBacklogTest::running,
                clock,
                new InstanceHealth(
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1),
                    InstanceHealth.DEFAULT_PROGRESS_BOUND))) {
      String base = "http://127.0.0.1:" + server.port();
      await("a backlog query in flight")
          .atMost(Duration.ofSeconds(10))
          .until(() -> backlog.queries() >= 1);

      for (int i = 0; i < 3; i++) {
        for (String path : List.of("/metrics", "/status", "/health/ready")) {
          long start = System.nanoTime();
          HttpResponse<String> answer = get(http, base + path);
          Duration took = Duration.ofNanos(System.nanoTime() - start);

          assertThat(took).as(path + " while Kafka is unreachable").isLessThan(doesNotWaitForKafka);
          assertThat(answer.body()).isNotBlank();
        }
      }
      PrometheusScrape scrape = PrometheusScrape.parse(get(http, base + "/metrics").body());
      JsonNode status = JSON.readTree(get(http, base + "/status").body());

      assertThat(scrape.families())
          .doesNotContainKeys(
              "fallback_backlog_records",
              "fallback_commit_lag_records",
              "fallback_backlog_sample_age_seconds");
      assertThat(status.get("mode").asText()).isEqualTo("FALLBACK");
      assertThat(status.get("backlog").get("unread_records").isNull()).isTrue();
      assertThat(backlog.latest()).isEqualTo(Backlog.Sample.NONE);
    } finally {
      supervisor.close();
    }
  }

  @Test
  void failedQuery_makesTheCountsUnknownUntilOneSucceeds_keepingTheTimeOfTheLastSuccess() {
    AtomicInteger calls = new AtomicInteger();
    GroupBacklog.Counts counts = new GroupBacklog.Counts(7, 3, 10);
    ManualScheduler time = new ManualScheduler(Instant.parse("2026-01-01T00:00:00Z"));
    List<Backlog.Sample> samples = new CopyOnWriteArrayList<>();

    try (KafkaBacklog backlog =
        new KafkaBacklog(
            () -> {
              int call = calls.incrementAndGet();
              time.advance(Duration.ofSeconds(1));
              if (call == 1 || call == 3) {
                throw new IllegalStateException("Kafka request timed out after PT5S");
              }
              return counts;
            },
            () -> {},
            "test",
            time,
            Duration.ofMillis(1),
            samples::add)) {
      await("four samples").atMost(Duration.ofSeconds(10)).until(() -> samples.size() >= 4);
    }

    assertThat(samples.subList(0, 4))
        .containsExactly(
            Backlog.Sample.NONE,
            new Backlog.Sample(
                Optional.of(counts), Optional.of(Instant.parse("2026-01-01T00:00:02Z"))),
            new Backlog.Sample(
                Optional.empty(), Optional.of(Instant.parse("2026-01-01T00:00:02Z"))),
            new Backlog.Sample(
                Optional.of(counts), Optional.of(Instant.parse("2026-01-01T00:00:04Z"))));
  }

  @Test
  void listenerThatThrows_doesNotStopSampling_andCloseStopsTheThreadAndClosesTheClient()
      throws Exception {
    AtomicInteger delivered = new AtomicInteger();
    AtomicBoolean clientClosed = new AtomicBoolean();
    KafkaBacklog backlog =
        new KafkaBacklog(
            () -> new GroupBacklog.Counts(0, 0, 0),
            () -> clientClosed.set(true),
            "test",
            InstantSource.system(),
            Duration.ofMillis(1),
            sample -> {
              if (delivered.incrementAndGet() == 1) {
                throw new IllegalStateException("listener bug");
              }
            });

    await("sampling goes on after a throwing listener")
        .atMost(Duration.ofSeconds(10))
        .until(() -> delivered.get() >= 3);
    backlog.close();
    backlog.close();

    assertThat(clientClosed).isTrue();
    await("the sampler thread ends")
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().equals("fallback-backlog")));
  }

  @Test
  void interval_isTheCheckInterval_atMostFifteenSeconds() {
    assertThat(KafkaBacklog.interval(Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5));
    assertThat(KafkaBacklog.interval(Duration.ofSeconds(60))).isEqualTo(KafkaBacklog.MAX_INTERVAL);
  }

  private static FallbackActivity.Status running() {
    return new FallbackActivity.Status(
        FallbackActivity.State.RUNNING, 0, Optional.empty(), Optional.empty());
  }

  private static FallbackSupervisor supervisor() {
    ManualScheduler time = new ManualScheduler(Instant.now());
    return supervisorBuilder(time, inertActivity(true, null))
        .latencySource(Optional::empty)
        .build();
  }
}
