package io.fallback.launcher;

import static io.fallback.launcher.LauncherProcesses.awaitLauncher;
import static io.fallback.launcher.LauncherProcesses.mode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fallback.testkit.FlinkCluster;
import io.fallback.testkit.FlinkClusterExtension;
import io.fallback.testkit.InfluxDbExtension;
import io.fallback.testkit.InfluxDbServer;
import io.fallback.testkit.KafkaBroker;
import io.fallback.testkit.KafkaBrokerExtension;
import io.fallback.testkit.LauncherProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped jar against real servers: an in-JVM Kafka broker, a real influxd, a Flink MiniCluster
 * and a local model service. Each test starts {@code java -jar target/fallback-launcher.jar run
 * --config <file>} as its own process, exactly as operators do (Failsafe runs after {@code
 * package}, so the jar is the one the build ships), and observes it only from outside: {@code
 * /status}, {@code /metrics}, {@code POST /mode}, its log file, InfluxDB and Kafka. The Flink job
 * is cancelled, the launcher takes over and writes the windows (Avro, the default format: a jar
 * without Avro fails here, issue 11), the job comes back, the launcher hands back; then the
 * override endpoint; then SIGTERM.
 */
class LauncherIT {

  private static final String TOKEN = LauncherProcesses.TOKEN;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Records per nurse: 30 s at 10 Hz. */
  private static final int RECORDS = 300;

  private static final Pattern FATAL = LauncherProcesses.FATAL;

  // closed after the tests in reverse order: Flink, influxd, Kafka
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();
  @RegisterExtension static final StubModelExtension MODEL = new StubModelExtension();
  @RegisterExtension static final FlinkClusterExtension FLINK = new FlinkClusterExtension();

  private static Path jar;
  private static KafkaBroker kafka;
  private static InfluxDbServer influx;
  private static FlinkCluster flink;

  @TempDir Path dir;

  @BeforeAll
  static void startServers() throws IOException {
    jar = LauncherProcess.locate(); // the runnable jar, built by mvn package before Failsafe runs
    kafka = KAFKA.broker();
    influx = INFLUX.server();
    flink = FLINK.cluster();
  }

  /**
   * Submits the stand-in primary job and returns once the job and every one of its vertices are
   * RUNNING, as the launcher's Flink REST probe requires: a vertex still INITIALIZING is an
   * unhealthy check, and two of those at the launcher's start triggered the fallback before the
   * test's cancel (a flaky failure).
   */
  private static JobID submitPrimaryJob() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    env.fromSequence(0, Long.MAX_VALUE)
        .name("sequence")
        .sinkTo(new DiscardingSink<>())
        .name("discard");
    JobID job = flink.submit(env, "nurse-stress");
    flink.awaitStatus(job, JobStatus.RUNNING, Duration.ofSeconds(60));
    await("job " + job + " and all its vertices RUNNING (Flink REST /jobs/<id>)")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> allVerticesRunning(job));
    return job;
  }

  private static boolean allVerticesRunning(JobID job) throws Exception {
    JsonNode details = JSON.readTree(get(flink.restUrl() + "/jobs/" + job));
    JsonNode vertices = details.path("vertices");
    if (!"RUNNING".equals(details.path("state").asText())
        || !vertices.isArray()
        || vertices.isEmpty()) {
      return false;
    }
    for (JsonNode v : vertices) {
      if (!"RUNNING".equals(v.path("status").asText())) {
        return false;
      }
    }
    return true;
  }

  private String config(String topic, String database, int checkInterval) {
    influx.createDatabase(database);
    return String.join(
        "\n",
        "kafka:",
        "  bootstrap_servers: \"" + kafka.bootstrapServers() + "\"",
        "  topic: \"" + topic + "\"",
        "  group_id: \"fallback-" + topic + "\"",
        "  auto_offset_reset: earliest",
        "  enable_auto_commit: true",
        "processing:",
        "  batch_size: 500",
        "  batch_timeout_seconds: 1",
        "monitoring:",
        "  latency_threshold_seconds: 30",
        "  consecutive_violations: 2",
        "  check_interval_seconds: " + checkInterval,
        "  probe_timeout_seconds: 5",
        "  flink_rest_url: \"" + flink.restUrl() + "\"",
        "  flink_job_name: nurse-stress",
        "  max_checkpoint_age_seconds: 0",
        "  primary_group_id: \"flink-" + topic + "\"",
        "ml_service:",
        "  endpoint: \"" + MODEL.endpoint() + "\"",
        "  timeout_seconds: 2",
        "influxdb:",
        "  url: \"" + influx.url() + "\"",
        "  database: " + database,
        "");
  }

  /** {@code GET} on Flink's REST API. */
  private static String get(String url) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  private static void commitGroupAtEnd(String group, String topic) {
    Map<String, Object> config = new HashMap<>(kafka.clientConfig());
    config.put("group.id", group);
    config.put("key.deserializer", ByteArrayDeserializer.class.getName());
    config.put("value.deserializer", ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
      List<TopicPartition> partitions =
          List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      Map<TopicPartition, OffsetAndMetadata> ends = new HashMap<>();
      consumer
          .endOffsets(partitions)
          .forEach((tp, end) -> ends.put(tp, new OffsetAndMetadata(end)));
      consumer.assign(partitions);
      consumer.commitSync(ends);
    }
  }

  @Test
  void cancelledFlinkJob_triggersFallback_writesWindows_thenHandsBackWhenJobReturns()
      throws Exception {
    String topic = "stress-topic-handover";
    NurseTopic nurses =
        NurseTopic.create(kafka, topic, Instant.now().minusSeconds(120).toEpochMilli());
    nurses.produce(0, RECORDS);
    int expectedWindows = nurses.expectedWindows(RECORDS);
    JobID job = submitPrimaryJob();
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, config(topic, "flink_sink_handover", 1));

    try (LauncherProcess launcher = launch(file, Path.of("target", "launcher-it-handover.log"))) {
      awaitLauncher(
          launcher,
          "a healthy check",
          Duration.ofSeconds(90),
          () -> launcher.logText().contains("Flink is healthy"));
      assertThat(mode(launcher)).isEqualTo("PRIMARY");

      flink.cancel(job);

      awaitLauncher(
          launcher, "fallback", Duration.ofSeconds(60), () -> mode(launcher).equals("FALLBACK"));
      assertThat(launcher.messages())
          .anyMatch(
              m ->
                  m.matches(
                      "Latency violation [12]/2: .*job nurse-stress is CANCEL.*")) // CANCELLING or
          // CANCELED
          .contains("TRIGGERING DASK FALLBACK MODE")
          .contains("Starting Dask fallback processor...");
      awaitLauncher(
          launcher,
          "every complete window written by the fallback",
          Duration.ofSeconds(60),
          () ->
              NurseTopic.countPoints(influx, "flink_sink_handover", "dask-fallback")
                  == expectedWindows);
      assertThat(launcher.messages())
          .anyMatch(m -> m.startsWith("Wrote ") && m.endsWith(" points to InfluxDB"));
      JsonNode status = launcher.status();
      assertThat(status.path("mode").asText()).isEqualTo("FALLBACK");
      assertThat(status.path("last_transition").path("cause").asText()).isEqualTo("unhealthy");
      assertThat(status.path("last_transition").path("detail").asText()).contains("CANCELED");
      assertThat(launcher.metrics())
          .contains(
              "fallback_points_written_total",
              "fallback_dead_letters_total{reason=\"late\"}",
              "fallback_mode{mode=\"fallback\"} 1.0");

      commitGroupAtEnd("flink-" + topic, topic); // the restarted job catches up and commits
      JobID restarted = submitPrimaryJob();

      awaitLauncher(
          launcher, "hand-back", Duration.ofSeconds(60), () -> mode(launcher).equals("PRIMARY"));
      awaitLauncher(
          launcher,
          "loop stopped",
          Duration.ofSeconds(30),
          () -> launcher.messages().contains("Returned to primary processing path"));
      assertThat(launcher.messages())
          .contains("RESUMING PRIMARY PROCESSING MODE", "Stopping Dask fallback processor...");
      assertThat(NurseTopic.countPoints(influx, "flink_sink_handover", "dask-fallback"))
          .isEqualTo(expectedWindows);

      assertThat(launcher.request("POST", "/mode?mode=force-fallback", null).statusCode())
          .isEqualTo(401);
      assertThat(launcher.request("POST", "/mode?mode=force-fallback", "wrong").statusCode())
          .isEqualTo(401);
      assertThat(mode(launcher)).isEqualTo("PRIMARY");
      HttpResponse<String> forced = launcher.request("POST", "/mode?mode=force-fallback", TOKEN);
      assertThat(forced.statusCode()).isEqualTo(200);
      assertThat(mode(launcher)).isEqualTo("FALLBACK");
      assertThat(JSON.readTree(forced.body()).path("last_transition").path("cause").asText())
          .isEqualTo("manual");
      assertThat(launcher.logText()).doesNotContainPattern(FATAL);
      flink.cancel(restarted);
    }
  }

  @Test
  void sigterm_stopsCleanly_committingWhatWasWritten() throws Exception {
    String topic = "stress-topic-sigterm";
    NurseTopic nurses =
        NurseTopic.create(kafka, topic, Instant.now().minusSeconds(300).toEpochMilli());
    nurses.produce(0, RECORDS);
    int expectedWindows = nurses.expectedWindows(RECORDS);
    Path file = dir.resolve("config.yaml");
    Files.writeString(
        file,
        config(topic, "flink_sink_sigterm", 1)
            .replace("  flink_job_name: nurse-stress", "  health_probe: none")
            .replace("  latency_threshold_seconds: 30", "  latency_threshold_seconds: 0"));

    try (LauncherProcess launcher = launch(file, Path.of("target", "launcher-it-sigterm.log"))) {
      awaitLauncher(
          launcher,
          "fallback processing (threshold 0 forces it)",
          Duration.ofSeconds(90),
          () ->
              NurseTopic.countPoints(influx, "flink_sink_sigterm", "dask-fallback")
                  == expectedWindows);
      assertThat(mode(launcher)).isEqualTo("FALLBACK");

      int exitCode =
          launcher.terminate(); // SIGTERM, SIGKILL (137) only after the 60 s grace period

      assertThat(exitCode).as("launcher exits after SIGTERM (137: killed after 60 s)").isIn(0, 143);
      String output = launcher.logText();
      assertThat(output)
          .contains("latency_threshold_seconds is 0")
          .contains("TRIGGERING DASK FALLBACK MODE")
          .contains("Shutting down...")
          .contains("Stopping Dask fallback processor...")
          .contains("Shutdown complete")
          .doesNotContainPattern(FATAL);
      Map<TopicPartition, OffsetAndMetadata> committed =
          kafka
              .admin()
              .listConsumerGroupOffsets("fallback-" + topic)
              .partitionsToOffsetAndMetadata()
              .get(10, TimeUnit.SECONDS);
      assertThat(committed).as("offsets committed for both partitions").hasSize(2);
      assertThat(committed.values()).allSatisfy(o -> assertThat(o.metadata()).startsWith("fb1;"));
    }
  }

  private static LauncherProcess launch(Path config, Path logFile) {
    return LauncherProcesses.launch(jar, config, logFile);
  }
}
