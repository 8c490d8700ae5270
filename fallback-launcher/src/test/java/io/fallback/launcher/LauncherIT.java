package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowSpec;
import io.fallback.core.window.WindowStage;
import io.fallback.testkit.FlinkCluster;
import io.fallback.testkit.InfluxDbServer;
import io.fallback.testkit.KafkaBroker;
import io.fallback.testkit.Ports;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped jar against real servers: an in-JVM Kafka broker, a real influxd, a Flink MiniCluster and a
 * local model service. Each test starts {@code java -jar target/fallback-launcher.jar run --config <file>}
 * as its own process, exactly as operators do (Failsafe runs after {@code package}, so the jar is the one
 * the build ships), and observes it only from outside: {@code /status}, {@code /metrics}, {@code POST
 * /mode}, its log file, InfluxDB and Kafka. The Flink job is cancelled, the launcher takes over and writes
 * the windows (Avro, the default format: a jar without Avro fails here, issue 11), the job comes back, the
 * launcher hands back; then the override endpoint; then SIGTERM.
 */
class LauncherIT {

  private static final String TOKEN = "s3cret-token";
  private static final String SCHEMA_JSON =
      "{\"type\":\"record\",\"name\":\"SensorRecord\",\"namespace\":\"com.nurse.stress.prediction\",\"fields\":["
          + "{\"name\":\"X\",\"type\":[\"null\",\"float\"],\"default\":null},"
          + "{\"name\":\"Y\",\"type\":[\"null\",\"float\"],\"default\":null},"
          + "{\"name\":\"Z\",\"type\":[\"null\",\"float\"],\"default\":null},"
          + "{\"name\":\"EDA\",\"type\":[\"null\",\"float\"],\"default\":null},"
          + "{\"name\":\"HR\",\"type\":[\"null\",\"float\"],\"default\":null},"
          + "{\"name\":\"TEMP\",\"type\":[\"null\",\"float\"],\"default\":null},"
          + "{\"name\":\"id\",\"type\":[\"null\",\"string\"],\"default\":null},"
          + "{\"name\":\"datetime\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
  private static final Schema SCHEMA = new Schema.Parser().parse(SCHEMA_JSON);
  private static final DateTimeFormatter DATETIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The runnable jar, relative to the module directory (Failsafe's working directory). */
  private static final Path JAR = Path.of("target", "fallback-launcher.jar");
  /** Lines that mean the jar is broken (issue 11: no Avro classes in it) or a thread died. */
  private static final Pattern FATAL = Pattern.compile("NoClassDefFoundError|ClassNotFoundException|Exception in thread");

  private static KafkaBroker kafka;
  private static InfluxDbServer influx;
  private static FlinkCluster flink;
  private static HttpServer model;

  @TempDir Path dir;

  @BeforeAll
  static void startServers() throws IOException {
    assertThat(JAR).as("the runnable jar (built by mvn package before Failsafe runs)").isRegularFile();
    kafka = KafkaBroker.start();
    influx = InfluxDbServer.start();
    flink = FlinkCluster.start();
    model = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    model.createContext("/model/api/predict", ex -> {
      String q = ex.getRequestURI().getQuery();
      // a small deterministic model: stress 2 when hr > 90
      float hr = Float.parseFloat(q.replaceAll(".*hr=([^&]+).*", "$1"));
      respond(ex.getResponseBody(), ex, "{\"stress_level_prediction\": \"" + (hr > 90 ? 2 : 1) + "\"}");
    });
    model.createContext("/health", ex -> respond(ex.getResponseBody(), ex, "{\"status\":\"ok\"}"));
    model.start();
  }

  private static void respond(OutputStream body, com.sun.net.httpserver.HttpExchange ex, String text)
      throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(200, bytes.length);
    try (body) {
      body.write(bytes);
    }
  }

  @AfterAll
  static void stopServers() throws Exception {
    if (model != null) {
      model.stop(0);
    }
    if (flink != null) {
      flink.close();
    }
    if (influx != null) {
      influx.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  /**
   * Submits the stand-in primary job and returns once the job and every one of its vertices are RUNNING,
   * as the launcher's Flink REST probe requires: a vertex still INITIALIZING is an unhealthy check, and two
   * of those at the launcher's start triggered the fallback before the test's cancel (a flaky failure).
   */
  private static JobID submitPrimaryJob() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    env.fromSequence(0, Long.MAX_VALUE).name("sequence").sinkTo(new DiscardingSink<>()).name("discard");
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
    JsonNode details = JSON.readTree(http("GET", flink.restUrl() + "/jobs/" + job, null).body());
    JsonNode vertices = details.path("vertices");
    if (!"RUNNING".equals(details.path("state").asText()) || !vertices.isArray() || vertices.isEmpty()) {
      return false;
    }
    for (JsonNode v : vertices) {
      if (!"RUNNING".equals(v.path("status").asText())) {
        return false;
      }
    }
    return true;
  }

  private static byte[] encode(String id, long eventTime, float[] values) {
    GenericRecord r = new GenericData.Record(SCHEMA);
    String[] fields = {"X", "Y", "Z", "EDA", "HR", "TEMP"};
    for (int i = 0; i < fields.length; i++) {
      r.put(fields[i], values[i]);
    }
    r.put("id", id);
    r.put("datetime", DATETIME.format(Instant.ofEpochMilli(eventTime)));
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      new GenericDatumWriter<GenericRecord>(SCHEMA).write(r, encoder);
      encoder.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Produces 3 nurses x 30 s at 10 Hz, returns the windows a complete run must write. */
  private static Map<String, Integer> produce(String topic, long start) {
    WindowSpec spec = WindowSpec.ofDefaults();
    Map<Integer, WindowStage> stages = new HashMap<>();
    Map<String, Integer> expected = new HashMap<>();
    Map<String, Object> config = new HashMap<>(kafka.clientConfig());
    config.put("key.serializer", ByteArraySerializer.class.getName());
    config.put("value.serializer", ByteArraySerializer.class.getName());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
      long[] offsets = new long[2];
      for (int i = 0; i < 300; i++) {
        long ts = start + i * 100L;
        for (int n = 0; n < 3; n++) {
          String id = "nurse-" + n;
          float[] v = {10 + n, 20 + i % 7, 30, 0.5f + n, 70 + (i % 40), 33 + n * 0.5f};
          int partition = n % 2;
          producer.send(new ProducerRecord<>(topic, partition, ts, id.getBytes(StandardCharsets.UTF_8), encode(id, ts, v)));
          WindowStage stage = stages.computeIfAbsent(partition, p -> {
            WindowStage s = new WindowStage(spec);
            s.assigned(p, Optional.empty());
            return s;
          });
          stage.add(partition, offsets[partition]++, new Reading(id, ts, v));
        }
      }
      producer.flush();
    }
    stages.values().forEach(s -> s.drainFired().forEach(w -> expected.merge(w.key(), 1, Integer::sum)));
    return expected;
  }

  private String config(String topic, String database, int checkInterval, int port) {
    influx.createDatabase(database);
    return String.join("\n",
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
        "  endpoint: \"http://127.0.0.1:" + model.getAddress().getPort() + "/model/api/predict\"",
        "  timeout_seconds: 2",
        "influxdb:",
        "  url: \"" + influx.url() + "\"",
        "  database: " + database,
        "server:",
        "  port: " + port,
        "");
  }

  private static int countPoints(String database, String source) {
    try {
      JsonNode root = JSON.readTree(influx.query(database,
          "SELECT count(\"stress_level\") FROM \"nurse_stress\" WHERE \"source\" = '" + source + "'"));
      JsonNode values = root.path("results").path(0).path("series").path(0).path("values");
      return values.isMissingNode() || values.isEmpty() ? 0 : values.path(0).path(1).asInt();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static HttpResponse<String> http(String method, String url, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void commitGroupAtEnd(String group, String topic) {
    Map<String, Object> config = new HashMap<>(kafka.clientConfig());
    config.put("group.id", group);
    config.put("key.deserializer", ByteArrayDeserializer.class.getName());
    config.put("value.deserializer", ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
      List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      Map<TopicPartition, OffsetAndMetadata> ends = new HashMap<>();
      consumer.endOffsets(partitions).forEach((tp, end) -> ends.put(tp, new OffsetAndMetadata(end)));
      consumer.assign(partitions);
      consumer.commitSync(ends);
    }
  }

  @Test
  void cancelledFlinkJob_triggersFallback_writesWindows_thenHandsBackWhenJobReturns() throws Exception {
    String topic = "stress-topic-handover";
    kafka.createTopic(topic, 2);
    Map<String, Integer> expected = produce(topic, Instant.now().minusSeconds(120).toEpochMilli());
    int expectedWindows = expected.values().stream().mapToInt(Integer::intValue).sum();
    JobID job = submitPrimaryJob();
    Path file = dir.resolve("config.yaml");
    int port = Ports.freePort();
    Files.writeString(file, config(topic, "flink_sink_handover", 1, port));
    String base = "http://127.0.0.1:" + port;

    try (Launched launcher = Launched.start(file, Path.of("target", "launcher-it-handover.log"))) {
      launcher.await("a healthy check", Duration.ofSeconds(90), () -> launcher.log().contains("Flink is healthy"));
      assertThat(mode(base)).isEqualTo("PRIMARY");

      flink.cancel(job);

      launcher.await("fallback", Duration.ofSeconds(60), () -> mode(base).equals("FALLBACK"));
      assertThat(launcher.messages())
          .anyMatch(m -> m.matches("Latency violation [12]/2: .*job nurse-stress is CANCEL.*")) // CANCELLING or CANCELED
          .contains("TRIGGERING DASK FALLBACK MODE")
          .contains("Starting Dask fallback processor...");
      launcher.await("every complete window written by the fallback", Duration.ofSeconds(60),
          () -> countPoints("flink_sink_handover", "dask-fallback") == expectedWindows);
      assertThat(launcher.messages()).anyMatch(m -> m.startsWith("Wrote ") && m.endsWith(" points to InfluxDB"));
      JsonNode status = JSON.readTree(http("GET", base + "/status", null).body());
      assertThat(status.path("mode").asText()).isEqualTo("FALLBACK");
      assertThat(status.path("last_transition").path("cause").asText()).isEqualTo("unhealthy");
      assertThat(status.path("last_transition").path("detail").asText()).contains("CANCELED");
      assertThat(http("GET", base + "/metrics", null).body())
          .contains("fallback_points_written_total", "fallback_dead_letters_total{reason=\"late\"}", "fallback_mode 1.0");

      commitGroupAtEnd("flink-" + topic, topic); // the restarted job catches up and commits
      JobID restarted = submitPrimaryJob();

      launcher.await("hand-back", Duration.ofSeconds(60), () -> mode(base).equals("PRIMARY"));
      launcher.await("loop stopped", Duration.ofSeconds(30),
          () -> launcher.messages().contains("Returned to primary processing path"));
      assertThat(launcher.messages()).contains("RESUMING PRIMARY PROCESSING MODE", "Stopping Dask fallback processor...");
      assertThat(countPoints("flink_sink_handover", "dask-fallback")).isEqualTo(expectedWindows);

      assertThat(http("POST", base + "/mode?mode=force-fallback", null).statusCode()).isEqualTo(401);
      assertThat(http("POST", base + "/mode?mode=force-fallback", "wrong").statusCode()).isEqualTo(401);
      assertThat(mode(base)).isEqualTo("PRIMARY");
      HttpResponse<String> forced = http("POST", base + "/mode?mode=force-fallback", TOKEN);
      assertThat(forced.statusCode()).isEqualTo(200);
      assertThat(mode(base)).isEqualTo("FALLBACK");
      assertThat(JSON.readTree(forced.body()).path("last_transition").path("cause").asText()).isEqualTo("manual");
      assertThat(launcher.log()).doesNotContainPattern(FATAL);
      flink.cancel(restarted);
    }
  }

  @Test
  void sigterm_stopsCleanly_committingWhatWasWritten() throws Exception {
    String topic = "stress-topic-sigterm";
    kafka.createTopic(topic, 2);
    Map<String, Integer> expected = produce(topic, Instant.now().minusSeconds(300).toEpochMilli());
    int expectedWindows = expected.values().stream().mapToInt(Integer::intValue).sum();
    Path file = dir.resolve("config.yaml");
    int port = Ports.freePort();
    Files.writeString(file, config(topic, "flink_sink_sigterm", 1, port)
        .replace("  flink_job_name: nurse-stress", "  health_probe: none")
        .replace("  latency_threshold_seconds: 30", "  latency_threshold_seconds: 0"));

    try (Launched launcher = Launched.start(file, Path.of("target", "launcher-it-sigterm.log"))) {
      launcher.await("fallback processing (threshold 0 forces it)", Duration.ofSeconds(90),
          () -> countPoints("flink_sink_sigterm", "dask-fallback") == expectedWindows);
      assertThat(mode("http://127.0.0.1:" + port)).isEqualTo("FALLBACK");

      launcher.process.destroy(); // SIGTERM

      assertThat(launcher.process.waitFor(60, TimeUnit.SECONDS)).as("launcher exits after SIGTERM").isTrue();
      assertThat(launcher.process.exitValue()).isIn(0, 143);
      String output = launcher.log();
      assertThat(output)
          .contains("latency_threshold_seconds is 0")
          .contains("TRIGGERING DASK FALLBACK MODE")
          .contains("Shutting down...")
          .contains("Stopping Dask fallback processor...")
          .contains("Shutdown complete")
          .doesNotContainPattern(FATAL);
      Map<TopicPartition, OffsetAndMetadata> committed =
          kafka.admin().listConsumerGroupOffsets("fallback-" + topic).partitionsToOffsetAndMetadata()
              .get(10, TimeUnit.SECONDS);
      assertThat(committed).as("offsets committed for both partitions").hasSize(2);
      assertThat(committed.values()).allSatisfy(o -> assertThat(o.metadata()).startsWith("fb1;"));
    }
  }

  private static String mode(String base) throws Exception {
    return JSON.readTree(http("GET", base + "/status", null).body()).path("mode").asText();
  }

  /**
   * {@code java -jar target/fallback-launcher.jar run --config <file>}, its output in a log file under
   * {@code target/} (kept for a failed run), the admin token in its environment. {@link #close()} stops it
   * by PID: SIGTERM, then SIGKILL after a grace period.
   */
  private static final class Launched implements AutoCloseable {
    final Process process;
    final Path logFile;

    private Launched(Process process, Path logFile) {
      this.process = process;
      this.logFile = logFile;
    }

    static Launched start(Path config, Path logFile) throws IOException {
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-jar", JAR.toString(), "run", "--config", config.toString()));
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.to(logFile.toFile()));
      // only the file configures the launcher: no override from the environment Maven runs in
      pb.environment().keySet().removeIf(k -> k.startsWith("FALLBACK_")
          || List.of("KAFKA_BOOTSTRAP_SERVERS", "LATENCY_THRESHOLD", "BATCH_SIZE").contains(k));
      pb.environment().put("FALLBACK_ADMIN_TOKEN", TOKEN);
      return new Launched(pb.start(), logFile);
    }

    /** The whole log so far. */
    String log() throws IOException {
      return Files.readString(logFile, StandardCharsets.UTF_8);
    }

    /** The messages of the log (the text after {@code "<time> <level> <logger> - "}). */
    List<String> messages() throws IOException {
      return log().lines().map(l -> {
        int dash = l.indexOf(" - ");
        return dash < 0 ? l : l.substring(dash + 3);
      }).toList();
    }

    /**
     * Polls until the condition holds; fails at once when the process exited or its log shows a broken
     * jar, and in any failure shows the last lines of the log.
     */
    void await(String what, Duration timeout, Callable<Boolean> condition) throws IOException {
      try {
        org.awaitility.Awaitility.await(what)
            .atMost(timeout)
            .pollInterval(Duration.ofMillis(200))
            .failFast("the launcher process exited or its log shows a fatal error",
                () -> !process.isAlive() || FATAL.matcher(log()).find())
            .until(condition);
      } catch (ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
        List<String> lines = log().lines().toList();
        throw new AssertionError(e.getMessage() + (process.isAlive() ? "" : " (exit code " + process.exitValue() + ")")
            + "; last lines of " + logFile.toAbsolutePath() + ":\n"
            + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())), e);
      }
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(45, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }
}
