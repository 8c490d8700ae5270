package io.fallback.launcher;

import static io.fallback.launcher.LauncherFixtures.inertActivity;
import static io.fallback.launcher.LauncherFixtures.supervisorBuilder;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fallback.core.FallbackListener;
import io.fallback.core.FallbackListener.Stage;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeOverride;
import io.fallback.core.mode.ModePolicy;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.ModeStateMachine;
import io.fallback.core.supervisor.FallbackActivity;
import io.fallback.core.supervisor.FallbackSupervisor;
import io.fallback.core.supervisor.ManualScheduler;
import io.fallback.kafka.GroupBacklog;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code /status}, its tracker and the error metrics, in virtual time. */
class StatusServerTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final InstanceHealth HEALTH =
      new InstanceHealth(
          Duration.ofSeconds(30), Duration.ofSeconds(10), InstanceHealth.DEFAULT_PROGRESS_BOUND);

  private final ManualScheduler time = new ManualScheduler(T0);
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final MetricsListener metrics = new MetricsListener(registry, time);
  private final ActivationTracker tracker = new ActivationTracker(time);
  private final CompositeListener listener =
      new CompositeListener(List.of(new SeedLogListener(() -> Mode.FALLBACK), metrics, tracker));

  private static ModeState fallback() {
    return new ModeStateMachine(ModePolicy.ofDefaults())
        .override(ModeState.initial(T0), ModeOverride.FORCE_FALLBACK, T0)
        .state();
  }

  private double errors(String stage) {
    return registry.get("fallback_errors").tag("stage", stage).counter().count();
  }

  @Test
  void activationThrowingError_isLoggedCountedAndShownAsFailing_notAsAFallbackThatRuns() {
    NoClassDefFoundError missing = new NoClassDefFoundError("org/apache/avro/SchemaParseException");
    listener.fallbackStarting();
    listener.activationFailed(missing, 1, Duration.ofSeconds(1));
    time.advance(Duration.ofSeconds(1));
    listener.activationFailed(missing, 2, Duration.ofSeconds(2));
    FallbackActivity.Status loop =
        new FallbackActivity.Status(
            FallbackActivity.State.FAILING,
            2,
            Optional.of(
                new FallbackActivity.Failure(
                    FallbackActivity.Phase.ACTIVATION, missing, T0.plusSeconds(1))),
            Optional.of(T0.plusSeconds(3)));

    ObjectNode status =
        StatusServer.statusJson(
            fallback(), Optional.empty(), tracker.snapshot(), loop, Optional::empty, () -> 0);

    assertThat(errors("activation")).isEqualTo(2);
    assertThat(status.get("mode").asText()).isEqualTo("FALLBACK");
    assertThat(status.get("errors_total").asLong()).isEqualTo(2);
    JsonNode activation = status.get("activation");
    assertThat(activation.get("loop").asText()).isEqualTo("failing");
    assertThat(activation.get("started_at").asText()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(activation.get("first_batch_at").isNull()).isTrue();
    assertThat(activation.get("first_write_at").isNull()).isTrue();
    assertThat(activation.get("failed_attempts").asInt()).isEqualTo(2);
    assertThat(activation.get("next_attempt_at").asText()).isEqualTo("2026-01-01T00:00:03Z");
    JsonNode error = activation.get("last_error");
    assertThat(error.get("stage").asText()).isEqualTo("activation");
    assertThat(error.get("message").asText())
        .isEqualTo("java.lang.NoClassDefFoundError: org/apache/avro/SchemaParseException");
    assertThat(error.get("at").asText()).isEqualTo("2026-01-01T00:00:01Z");
    assertThat(status.get("last_error")).isEqualTo(error);
  }

  @Test
  void activation_hasItsTimingsAndCounts_resetByTheNextActivation() {
    listener.fallbackStarting();
    time.advance(Duration.ofMillis(300));
    listener.batchCollected(1000, Duration.ofMillis(250));
    time.advance(Duration.ofMillis(900));
    listener.batchWritten(0, Duration.ZERO);
    time.advance(Duration.ofMillis(100));
    listener.batchWritten(15, Duration.ofMillis(40));
    listener.batchCollected(500, Duration.ofMillis(10));
    listener.batchFailed(
        Stage.WRITE, new IllegalStateException("InfluxDB down"), 1, Duration.ofSeconds(1));
    FallbackActivity.Status running =
        new FallbackActivity.Status(
            FallbackActivity.State.RUNNING, 0, Optional.empty(), Optional.empty());

    JsonNode first =
        StatusServer.statusJson(
                fallback(), Optional.empty(), tracker.snapshot(), running, Optional::empty, () -> 0)
            .get("activation");
    listener.fallbackStopping();
    listener.fallbackStopped(null);
    time.advance(Duration.ofSeconds(60));
    listener.fallbackStarting();
    JsonNode second =
        StatusServer.statusJson(
                fallback(), Optional.empty(), tracker.snapshot(), running, Optional::empty, () -> 0)
            .get("activation");

    assertThat(first.get("started_at").asText()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(first.get("first_batch_at").asText()).isEqualTo("2026-01-01T00:00:00.300Z");
    assertThat(first.get("first_write_at").asText()).isEqualTo("2026-01-01T00:00:01.300Z");
    assertThat(first.get("records_read").asLong()).isEqualTo(1500);
    assertThat(first.get("points_written").asLong()).isEqualTo(15);
    assertThat(first.get("loop").asText()).isEqualTo("running");
    assertThat(first.get("last_error").get("stage").asText()).isEqualTo("write");
    assertThat(errors("write")).isEqualTo(1);
    assertThat(second.get("started_at").asText()).isEqualTo("2026-01-01T00:01:01.300Z");
    assertThat(second.get("first_batch_at").isNull()).isTrue();
    assertThat(second.get("records_read").asLong()).isZero();
    assertThat(second.get("last_error").isNull()).isTrue();
  }

  @Test
  void backlog_inFallback_splitsUnreadFromOpenWindows_withRateAndEta() {
    FallbackActivity.Status running =
        new FallbackActivity.Status(
            FallbackActivity.State.RUNNING, 0, Optional.empty(), Optional.empty());

    JsonNode behind =
        StatusServer.statusJson(
                fallback(),
                Optional.empty(),
                tracker.snapshot(),
                running,
                () -> Optional.of(new GroupBacklog.Counts(40_000, 984, 40_984)),
                () -> 20_000.4)
            .get("backlog");
    JsonNode caughtUp =
        StatusServer.statusJson(
                fallback(),
                Optional.empty(),
                tracker.snapshot(),
                running,
                () -> Optional.of(new GroupBacklog.Counts(0, 984, 984)),
                () -> 0)
            .get("backlog");
    JsonNode unknown =
        StatusServer.statusJson(
                fallback(), Optional.empty(), tracker.snapshot(), running, Optional::empty, () -> 0)
            .get("backlog");

    assertThat(behind.get("unread_records").asLong()).isEqualTo(40_000);
    assertThat(behind.get("open_window_records").asLong()).isEqualTo(984);
    assertThat(behind.get("commit_lag_records").asLong()).isEqualTo(40_984);
    assertThat(behind.get("records").asLong()).isEqualTo(40_984);
    assertThat(behind.get("drain_records_per_second").asLong()).isEqualTo(20_000);
    assertThat(behind.get("eta_seconds").asLong()).isEqualTo(2);
    assertThat(caughtUp.get("unread_records").asLong()).isZero();
    assertThat(caughtUp.get("eta_seconds").asLong()).isZero();
    assertThat(unknown.get("unread_records").isNull()).isTrue();
    assertThat(unknown.get("eta_seconds").isNull()).isTrue();
  }

  @Test
  void backlog_inPrimary_isNotQueried() {
    FallbackActivity.Status stopped =
        new FallbackActivity.Status(
            FallbackActivity.State.NOT_STARTED, 0, Optional.empty(), Optional.empty());

    ObjectNode status =
        StatusServer.statusJson(
            ModeState.initial(T0),
            Optional.empty(),
            tracker.snapshot(),
            stopped,
            () -> {
              throw new AssertionError("Kafka queried in primary mode");
            },
            () -> 0);

    assertThat(status.has("backlog")).isFalse();
    assertThat(status.get("activation").get("loop").asText()).isEqualTo("not_started");
    assertThat(status.get("activation").get("started_at").isNull()).isTrue();
    assertThat(status.get("last_error").isNull()).isTrue();
    assertThat(status.get("errors_total").asLong()).isZero();
  }

  @Test
  void drainRate_isRecordsReadPerSecondOverTheLastMinute_whateverTheRequestRate() {
    DrainRate rate = new DrainRate();
    listener.fallbackStarting();
    time.advance(Duration.ofSeconds(2));
    listener.batchCollected(10_000, Duration.ZERO);

    double first =
        rate.perSecond(
            time.instant(), tracker.snapshot()); // no earlier request: the activation's average
    time.advance(Duration.ofMillis(100));
    double tooSoon = rate.perSecond(time.instant(), tracker.snapshot());
    for (int i = 0; i < 12; i++) {
      time.advance(Duration.ofSeconds(10));
      listener.batchCollected(30_000, Duration.ZERO);
      rate.perSecond(time.instant(), tracker.snapshot());
    }
    time.advance(Duration.ofSeconds(10));
    double idle = rate.perSecond(time.instant(), tracker.snapshot());

    assertThat(first).isEqualTo(5_000);
    assertThat(tooSoon).isEqualTo(10_000 / 2.1);
    assertThat(idle).isEqualTo(5 * 30_000 / 60.0); // since the newest request at least 60 s earlier
  }

  @Test
  void everyListenerEvent_isForwardedByTheComposite() {
    List<String> forwarded =
        Arrays.stream(CompositeListener.class.getDeclaredMethods()).map(Method::getName).toList();

    assertThat(
            Arrays.stream(FallbackListener.class.getMethods())
                .filter(m -> m.isDefault() && !Modifier.isStatic(m.getModifiers()))
                .map(Method::getName))
        .allSatisfy(name -> assertThat(forwarded).contains(name));
  }

  @Test
  void liveEndpoint_servesTheActivationAndTheErrorMetrics() throws Exception {
    FallbackSupervisor supervisor =
        supervisorBuilder(time, inertActivity(false, null)).listener(listener).build();
    metrics.watchLoop(
        () ->
            new FallbackActivity.Status(
                FallbackActivity.State.FAILING, 1, Optional.empty(), Optional.empty()));
    metrics.backlogSampled(
        new Backlog.Sample(Optional.of(new GroupBacklog.Counts(7, 3, 10)), Optional.of(T0)));
    listener.probeFailed(
        "flink_rest", new NoClassDefFoundError("com/fasterxml/jackson/databind/JsonNode"));
    HttpClient http = HttpClient.newHttpClient();
    try (StatusServer server =
        new StatusServer(
            "127.0.0.1",
            0,
            supervisor,
            registry,
            Optional.empty(),
            () -> Backlog.Sample.NONE,
            tracker,
            () ->
                new FallbackActivity.Status(
                    FallbackActivity.State.FAILING, 1, Optional.empty(), Optional.empty()),
            time,
            HEALTH)) {
      String base = "http://127.0.0.1:" + server.port();

      JsonNode status = JSON.readTree(get(http, base + "/status"));
      String scrape = get(http, base + "/metrics");

      assertThat(status.get("activation").get("loop").asText()).isEqualTo("failing");
      assertThat(status.get("last_error").get("stage").asText()).isEqualTo("probe");
      assertThat(status.get("errors_total").asLong()).isEqualTo(1);
      assertThat(scrape)
          .contains("fallback_errors_total{stage=\"probe\"} 1.0")
          .contains("fallback_errors_total{stage=\"activation\"} 0.0")
          .contains("fallback_loop_state{state=\"failing\"} 1.0")
          .contains("fallback_loop_state{state=\"running\"} 0.0")
          .contains("fallback_backlog_records{state=\"unread\"} 7.0")
          .contains("fallback_backlog_records{state=\"open_windows\"} 3.0")
          .contains("fallback_commit_lag_records 10.0");
    }
  }

  private static String get(HttpClient http, String uri) throws Exception {
    return LauncherFixtures.get(http, uri).body();
  }
}
