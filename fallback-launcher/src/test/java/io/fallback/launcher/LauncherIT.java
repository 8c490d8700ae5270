package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.fallback.core.mode.Mode;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowSpec;
import io.fallback.core.window.WindowStage;
import io.fallback.launcher.config.ConfigLoader;
import io.fallback.launcher.config.FallbackConfig;
import io.fallback.testkit.FlinkCluster;
import io.fallback.testkit.InfluxDbServer;
import io.fallback.testkit.KafkaBroker;
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
import java.util.concurrent.TimeUnit;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The launcher against real servers: an in-JVM Kafka broker, a real influxd, a Flink MiniCluster and a
 * local model service. The Flink job is cancelled, the launcher takes over and writes the windows,
 * the job comes back, the launcher hands back; then the override endpoint; then SIGTERM to a real
 * launcher process.
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

  private static KafkaBroker kafka;
  private static InfluxDbServer influx;
  private static FlinkCluster flink;
  private static HttpServer model;

  @TempDir Path dir;

  @BeforeAll
  static void startServers() throws IOException {
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

  private static JobID submitPrimaryJob() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    env.fromSequence(0, Long.MAX_VALUE).name("sequence").sinkTo(new DiscardingSink<>()).name("discard");
    JobID job = flink.submit(env, "nurse-stress");
    flink.awaitStatus(job, JobStatus.RUNNING, Duration.ofSeconds(60));
    return job;
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

  private String config(String topic, String database, int checkInterval) throws IOException {
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
        "  port: 0",
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
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody());
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
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger("io.fallback")).addAppender(logs);
    FallbackConfig cfg = new ConfigLoader(Map.of()).loadYaml(config(topic, "flink_sink_handover", 1), dir);

    try (FallbackApplication app = FallbackApplication.start(cfg, Map.of("FALLBACK_ADMIN_TOKEN", TOKEN))) {
      await("a healthy check").atMost(Duration.ofSeconds(90))
          .until(() -> messages(logs).contains("Flink is healthy"));
      assertThat(app.state().mode()).isEqualTo(Mode.PRIMARY);

      flink.cancel(job);

      await("fallback").atMost(Duration.ofSeconds(60)).until(() -> app.state().mode() == Mode.FALLBACK);
      assertThat(messages(logs))
          .anyMatch(m -> m.matches("Latency violation [12]/2: .*job nurse-stress is CANCEL.*")) // CANCELLING or CANCELED
          .contains("TRIGGERING DASK FALLBACK MODE")
          .contains("Starting Dask fallback processor...");
      await("every complete window written by the fallback").atMost(Duration.ofSeconds(60))
          .until(() -> countPoints("flink_sink_handover", "dask-fallback") == expectedWindows);
      assertThat(messages(logs)).anyMatch(m -> m.startsWith("Wrote ") && m.endsWith(" points to InfluxDB"));
      String base = "http://127.0.0.1:" + app.statusPort();
      JsonNode status = JSON.readTree(http("GET", base + "/status", null).body());
      assertThat(status.path("mode").asText()).isEqualTo("FALLBACK");
      assertThat(status.path("last_transition").path("cause").asText()).isEqualTo("unhealthy");
      assertThat(status.path("last_transition").path("detail").asText()).contains("CANCELED");
      assertThat(http("GET", base + "/metrics", null).body())
          .contains("fallback_points_written_total", "fallback_dead_letters_total{reason=\"late\"}", "fallback_mode 1.0");

      commitGroupAtEnd("flink-" + topic, topic); // the restarted job catches up and commits
      JobID restarted = submitPrimaryJob();

      await("hand-back").atMost(Duration.ofSeconds(60)).until(() -> app.state().mode() == Mode.PRIMARY);
      await("loop stopped").atMost(Duration.ofSeconds(30))
          .until(() -> messages(logs).contains("Returned to primary processing path"));
      assertThat(messages(logs)).contains("RESUMING PRIMARY PROCESSING MODE", "Stopping Dask fallback processor...");
      assertThat(countPoints("flink_sink_handover", "dask-fallback")).isEqualTo(expectedWindows);

      assertThat(http("POST", base + "/mode?mode=force-fallback", null).statusCode()).isEqualTo(401);
      assertThat(http("POST", base + "/mode?mode=force-fallback", "wrong").statusCode()).isEqualTo(401);
      assertThat(app.state().mode()).isEqualTo(Mode.PRIMARY);
      HttpResponse<String> forced = http("POST", base + "/mode?mode=force-fallback", TOKEN);
      assertThat(forced.statusCode()).isEqualTo(200);
      assertThat(app.state().mode()).isEqualTo(Mode.FALLBACK);
      assertThat(JSON.readTree(forced.body()).path("last_transition").path("cause").asText()).isEqualTo("manual");
      flink.cancel(restarted);
    } finally {
      ((Logger) LoggerFactory.getLogger("io.fallback")).detachAppender(logs);
    }
  }

  @Test
  void sigterm_stopsCleanly_committingWhatWasWritten() throws Exception {
    String topic = "stress-topic-sigterm";
    kafka.createTopic(topic, 2);
    Map<String, Integer> expected = produce(topic, Instant.now().minusSeconds(300).toEpochMilli());
    int expectedWindows = expected.values().stream().mapToInt(Integer::intValue).sum();
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, config(topic, "flink_sink_sigterm", 1)
        .replace("  flink_job_name: nurse-stress", "  health_probe: none")
        .replace("  latency_threshold_seconds: 30", "  latency_threshold_seconds: 0"));
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "run", "--config", file.toString()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    Path log = dir.resolve("launcher.log");
    pb.redirectOutput(log.toFile());
    Process process = pb.start();
    try {
      await("fallback processing (threshold 0 forces it)").atMost(Duration.ofSeconds(90))
          .until(() -> countPoints("flink_sink_sigterm", "dask-fallback") == expectedWindows);

      process.destroy(); // SIGTERM

      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("launcher exits after SIGTERM").isTrue();
      assertThat(process.exitValue()).isIn(0, 143);
      String output = Files.readString(log);
      assertThat(output)
          .contains("latency_threshold_seconds is 0")
          .contains("TRIGGERING DASK FALLBACK MODE")
          .contains("Shutting down...")
          .contains("Stopping Dask fallback processor...")
          .contains("Shutdown complete")
          .doesNotContain("Exception in thread");
      Map<TopicPartition, OffsetAndMetadata> committed =
          kafka.admin().listConsumerGroupOffsets("fallback-" + topic).partitionsToOffsetAndMetadata()
              .get(10, TimeUnit.SECONDS);
      assertThat(committed).as("offsets committed for both partitions").hasSize(2);
      assertThat(committed.values()).allSatisfy(o -> assertThat(o.metadata()).startsWith("fb1;"));
    } finally {
      process.destroyForcibly();
    }
  }

  private static List<String> messages(ListAppender<ILoggingEvent> logs) {
    synchronized (logs.list) {
      return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

}
