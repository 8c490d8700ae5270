package io.fallback.launcher;

import static io.fallback.launcher.LauncherProcesses.awaitLauncher;
import static io.fallback.launcher.LauncherProcesses.mode;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fallback.testkit.InfluxDbExtension;
import io.fallback.testkit.InfluxDbServer;
import io.fallback.testkit.KafkaBroker;
import io.fallback.testkit.KafkaBrokerExtension;
import io.fallback.testkit.LauncherProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shadow mode in the shipped jar, against a real broker and a real influxd. The "primary" is a
 * second launcher process forced into fallback with {@code source_tag: flink}: it writes exactly
 * the windows a correct fallback computes, as Flink does in the drill. The shadow launcher runs
 * beside it in the fallback's group and is watched from outside only ({@code /status}, {@code
 * /metrics}, its log, InfluxDB, Kafka).
 */
class ShadowModeIT {

  /** Records per nurse: 30 s at 10 Hz. */
  private static final int RECORDS = 300;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();
  @RegisterExtension static final StubModelExtension MODEL = new StubModelExtension();

  private static Path jar;
  private static KafkaBroker kafka;
  private static InfluxDbServer influx;

  @TempDir Path dir;

  @BeforeAll
  static void startServers() throws IOException {
    jar = LauncherProcess.locate();
    kafka = KAFKA.broker();
    influx = INFLUX.server();
  }

  private String config(String topic, String group, String database, String sourceTag) {
    return String.join(
        "\n",
        "kafka:",
        "  bootstrap_servers: \"" + kafka.bootstrapServers() + "\"",
        "  topic: \"" + topic + "\"",
        "  group_id: \"" + group + "\"",
        "  auto_offset_reset: earliest",
        "processing:",
        "  batch_size: 500",
        "  batch_timeout_seconds: 1",
        "monitoring:",
        "  latency_threshold_seconds: 86400",
        "  check_interval_seconds: 1",
        "  probe_timeout_seconds: 5",
        "  health_probe: none",
        "  primary_group_id: \"flink-" + topic + "\"",
        "ml_service:",
        "  endpoint: \"" + MODEL.endpoint() + "\"",
        "  timeout_seconds: 2",
        "influxdb:",
        "  url: \"" + influx.url() + "\"",
        "  database: " + database,
        "  source_tag: " + sourceTag,
        "  primary_source: flink",
        "");
  }

  /** The stand-in primary: forced fallback (threshold 0), its own group, source tag flink. */
  private LauncherProcess startPrimary(String topic, String database) throws IOException {
    Path file = dir.resolve("primary.yaml");
    Files.writeString(
        file,
        config(topic, "primary-" + topic, database, "flink")
            .replace("latency_threshold_seconds: 86400", "latency_threshold_seconds: 0"));
    return LauncherProcesses.launch(jar, file, Path.of("target", "shadow-it-primary.log"));
  }

  private LauncherProcess startShadow(String name, String yaml) throws IOException {
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(file, yaml);
    return LauncherProcesses.launch(jar, file, Path.of("target", "shadow-it-" + name + ".log"));
  }

  private static String shadowSection(int sampleEvery) {
    return String.join(
        "\n",
        "shadow:",
        "  enabled: true",
        "  sample_every: " + sampleEvery,
        "  max_model_calls_per_second: 0",
        "  grace_seconds: 2",
        "");
  }

  @Test
  void correctConfig_everyWindowEqual_nothingWritten_thenTakesOverAtTheFirstWindowThePrimaryMissed()
      throws Exception {
    String topic = "stress-topic-shadow";
    String database = "shadow_it";
    influx.createDatabase(database);
    NurseTopic nurses =
        NurseTopic.create(kafka, topic, Instant.now().minusSeconds(600).toEpochMilli());
    nurses.produce(0, RECORDS);
    int first = nurses.expectedWindows(RECORDS);

    try (LauncherProcess primary = startPrimary(topic, database);
        LauncherProcess shadow =
            startShadow(
                "shadow",
                config(topic, "fallback-" + topic, database, "dask-fallback") + shadowSection(1))) {
      awaitLauncher(
          shadow,
          "the shadow compared every window the primary wrote",
          Duration.ofSeconds(90),
          () -> shadow.status().path("shadow").path("compared").asInt() == first);
      JsonNode s = shadow.status().path("shadow");
      assertThat(NurseTopic.countPoints(influx, database, "flink")).isEqualTo(first);
      assertThat(s.path("equal").asInt()).isEqualTo(first);
      assertThat(s.path("differing").asInt()).isZero();
      assertThat(s.path("missing").asInt()).isZero();
      assertThat(s.path("alerting").asBoolean()).isFalse();
      assertThat(mode(shadow)).isEqualTo("PRIMARY");
      assertThat(NurseTopic.countPoints(influx, database, "dask-fallback"))
          .as("the shadow writes nothing")
          .isZero();
      assertThat(shadow.metrics())
          .contains("fallback_shadow_windows_total{outcome=\"equal\"} " + first + ".0")
          .contains("fallback_shadow_alerting 0.0");

      // the primary stops; 10 s more input arrives: the shadow computes its windows and holds them
      primary.terminate();
      nurses.produce(RECORDS, RECORDS + 100);
      int all = nurses.expectedWindows(RECORDS + 100);
      awaitLauncher(
          shadow,
          "the shadow holding windows the primary has not written",
          Duration.ofSeconds(60),
          () -> shadow.status().path("shadow").path("pending").asInt() == all - first);
      assertThat(NurseTopic.countPoints(influx, database, "dask-fallback")).isZero();

      // take-over: the fallback starts where the shadow committed, the first unwritten window
      assertThat(
              shadow
                  .request("POST", "/mode?mode=force-fallback", LauncherProcesses.TOKEN)
                  .statusCode())
          .isEqualTo(200);
      awaitLauncher(
          shadow,
          "the fallback wrote the windows the primary missed",
          Duration.ofSeconds(60),
          () -> NurseTopic.countPoints(influx, database, "dask-fallback") == all - first);
      assertThat(NurseTopic.countPoints(influx, database))
          .as("no window written twice")
          .isEqualTo(all);
      assertThat(shadow.messages())
          .contains("Shadow stopped; the fallback takes over from its position")
          .anyMatch(m -> m.contains("resuming from own committed offset"))
          .noneMatch(m -> m.contains("rewinding to"));
    }
  }

  @Test
  void wrongWindowSize_isCaughtAtTheFirstComparedWindow_loggedAndAlerted() throws Exception {
    String topic = "stress-topic-shadow-wrong";
    String database = "shadow_it_wrong";
    influx.createDatabase(database);
    // the input starts on a 10 s boundary: a 10 s window that began before the first record would
    // hold the same records as the primary's 5 s window ending with it, and rightly be equal
    long start = Instant.now().minusSeconds(600).toEpochMilli() / 10_000 * 10_000;
    NurseTopic nurses = NurseTopic.create(kafka, topic, start);
    nurses.produce(0, RECORDS);
    int first = nurses.expectedWindows(RECORDS);

    try (LauncherProcess primary = startPrimary(topic, database)) {
      awaitLauncher(
          primary,
          "the primary wrote every window",
          Duration.ofSeconds(90),
          () -> NurseTopic.countPoints(influx, database, "flink") == first);
      try (LauncherProcess shadow =
          startShadow(
              "wrong",
              config(topic, "fallback-" + topic, database, "dask-fallback")
                      .replace("processing:\n", "processing:\n  window_seconds: 10\n")
                  + shadowSection(1))) {
        awaitLauncher(
            shadow,
            "a difference",
            Duration.ofSeconds(90),
            () -> shadow.status().path("shadow").path("differing").asInt() > 0);
        JsonNode s = shadow.status().path("shadow");
        assertThat(s.path("equal").asInt())
            .as("no window of a 10 s shadow equals a 5 s one")
            .isZero();
        assertThat(s.path("alerting").asBoolean()).isTrue();
        assertThat(s.path("first_differences").path(0).path("fields").toString())
            .contains("fallback=")
            .contains("primary=");
        awaitLauncher(
            shadow,
            "the warning lines",
            Duration.ofSeconds(10),
            () ->
                shadow.messages().stream().anyMatch(m -> m.startsWith("Shadow difference: key="))
                    && shadow.messages().stream()
                        .anyMatch(
                            m ->
                                m.startsWith(
                                    "Shadow: the fallback would not produce what the primary"
                                        + " produces")));
        assertThat(shadow.metrics()).contains("fallback_shadow_alerting 1.0");
      }
    }
  }
}
