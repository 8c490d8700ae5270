package io.fallback.launcher;

import static io.fallback.launcher.LauncherFixtures.inertActivity;
import static io.fallback.launcher.LauncherFixtures.supervisorBuilder;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeOverride;
import io.fallback.core.supervisor.FallbackActivity;
import io.fallback.core.supervisor.FallbackSupervisor;
import io.fallback.core.supervisor.ManualScheduler;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /health/live}, {@code /health/ready} and {@code /health} over HTTP, checks in virtual
 * time.
 */
class HealthEndpointTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration INTERVAL = Duration.ofSeconds(30);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

  private final ManualScheduler time = new ManualScheduler(T0);
  private final ActivationTracker tracker = new ActivationTracker(time);
  private final AtomicReference<FallbackActivity.Status> loop =
      new AtomicReference<>(
          new FallbackActivity.Status(
              FallbackActivity.State.NOT_STARTED, 0, Optional.empty(), Optional.empty()));
  private final HttpClient http = HttpClient.newHttpClient();
  private FallbackSupervisor supervisor;
  private StatusServer server;

  @BeforeEach
  void start() throws Exception {
    supervisor =
        supervisorBuilder(time, inertActivity(false, loop::get))
            .listener(new CompositeListener(List.of(tracker)))
            .checkInterval(INTERVAL)
            .probeTimeout(PROBE_TIMEOUT)
            .build();
    server =
        new StatusServer(
            "127.0.0.1",
            0,
            supervisor,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            Optional.empty(),
            () -> Backlog.Sample.NONE,
            tracker,
            loop::get,
            time,
            new InstanceHealth(INTERVAL, PROBE_TIMEOUT, InstanceHealth.DEFAULT_PROGRESS_BOUND));
  }

  @AfterEach
  void stop() {
    server.close();
    supervisor.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return LauncherFixtures.get(http, "http://127.0.0.1:" + server.port() + path);
  }

  @Test
  void checksRunning_liveAndReadyAre200() throws Exception {
    supervisor.start();
    time.advance(Duration.ofMinutes(10));

    HttpResponse<String> live = get("/health/live");
    HttpResponse<String> ready = get("/health/ready");

    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(ready.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(ready.body());
    assertThat(body.get("status").asText()).isEqualTo("UP");
    assertThat(body.get("mode").asText()).isEqualTo("PRIMARY");
    assertThat(body.get("last_check_at").asText()).isEqualTo("2026-01-01T00:10:00Z");
    assertThat(body.get("reasons")).isEmpty();
  }

  @Test
  void checksStalled_liveReadyAndHealthAre503WithTheReason() throws Exception {
    supervisor.start();
    time.advance(Duration.ofSeconds(60));
    supervisor.close(); // no more checks
    time.advance(Duration.ofSeconds(101));

    HttpResponse<String> live = get("/health/live");
    HttpResponse<String> ready = get("/health/ready");
    HttpResponse<String> alias = get("/health");

    assertThat(live.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(live.body()).get("status").asText()).isEqualTo("DOWN");
    assertThat(JSON.readTree(live.body()).get("reasons").get(0).asText())
        .startsWith("checks stalled: the last check completed 101 s ago");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(alias.statusCode()).isEqualTo(503);
    assertThat(alias.body()).isEqualTo(ready.body());
  }

  @Test
  void fallbackWithTheLoopFailing_readyIs503_liveIs200() throws Exception {
    supervisor.start();
    supervisor.override(ModeOverride.FORCE_FALLBACK);
    loop.set(
        new FallbackActivity.Status(
            FallbackActivity.State.FAILING,
            1,
            Optional.of(
                new FallbackActivity.Failure(
                    FallbackActivity.Phase.LOOP, new IllegalStateException("boom"), T0)),
            Optional.of(T0.plusSeconds(1))));

    HttpResponse<String> live = get("/health/live");
    HttpResponse<String> ready = get("/health/ready");

    assertThat(supervisor.state().mode()).isEqualTo(Mode.FALLBACK);
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(ready.statusCode()).isEqualTo(503);
    JsonNode body = JSON.readTree(ready.body());
    assertThat(body.get("mode").asText()).isEqualTo("FALLBACK");
    assertThat(body.get("loop").asText()).isEqualTo("failing");
    assertThat(body.get("reasons").get(0).asText())
        .isEqualTo(
            "fallback loop failing (loop: java.lang.IllegalStateException: boom), 1 failed attempts,"
                + " next attempt at 2026-01-01T00:00:01Z");
  }

  @Test
  void unknownHealthPath_is404_notAnAliasOfReady() throws Exception {
    HttpResponse<String> other = get("/health/other");

    assertThat(other.statusCode()).isEqualTo(404);
  }
}
