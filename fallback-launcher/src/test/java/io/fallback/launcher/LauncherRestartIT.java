package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowSpec;
import io.fallback.core.window.WindowStage;
import io.fallback.testkit.InfluxDbServer;
import io.fallback.testkit.KafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped jar killed with SIGKILL and started again, as an operator's process supervisor would
 * (issue 11, defect 4): the restarted process rejoins the fallback group as the same static member, so
 * it resumes from the committed offsets within seconds instead of waiting for the dead member's session
 * to expire (45 s), and the seed's 30 s batch timeout does not delay its first point.
 */
class LauncherRestartIT {

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
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(45);

  private static KafkaBroker kafka;
  private static InfluxDbServer influx;
  private static HttpServer model;

  @TempDir Path dir;

  @BeforeAll
  static void startServers() throws IOException {
    kafka = KafkaBroker.start();
    influx = InfluxDbServer.start();
    model = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    model.createContext(
        "/model/api/predict",
        ex -> {
          byte[] body = "{\"stress_level_prediction\": \"1\"}".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
          }
        });
    model.start();
  }

  @AfterAll
  static void stopServers() {
    if (model != null) {
      model.stop(0);
    }
    if (influx != null) {
      influx.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void killedAndRestarted_resumesAsTheSameStaticMember_withinSeconds_notAfterTheSessionTimeout() throws Exception {
    String topic = "restart-topic";
    String database = "flink_sink_restart";
    kafka.createTopic(topic, 2); // (3 nurses: two on partition 0, one on 1)
    influx.createDatabase(database);
    long start = Instant.now().minusSeconds(600).toEpochMilli() / 5_000 * 5_000;
    produce(topic, start, 0, 1_200); // 3 nurses x 120 s at 10 Hz
    Path config = dir.resolve("config.yaml");
    Files.writeString(config, config(topic, database, freePort()));

    Path firstLog = dir.resolve("first.log");
    Process first = launch(config, firstLog);
    try {
      await("the first process writes points").atMost(Duration.ofSeconds(90))
          .until(() -> countPoints(database) > 0);
      await("and commits").atMost(Duration.ofSeconds(30))
          .until(() -> !kafka.admin().listConsumerGroupOffsets("restart-fallback").partitionsToOffsetAndMetadata()
              .get(10, TimeUnit.SECONDS).isEmpty());
    } finally {
      first.destroyForcibly(); // SIGKILL: no close, no leave-group, the member stays registered
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    int before = countPoints(database);
    produce(topic, start, 1_200, 1_500); // 30 s more per nurse: new windows only a restart can write

    Path secondLog = dir.resolve("second.log");
    long restartedAt = System.nanoTime();
    Process second = launch(config, secondLog);
    try {
      await("the restarted process writes a window").atMost(SESSION_TIMEOUT.plusSeconds(30))
          .until(() -> countPoints(database) > before);
      Duration restartToPoint = Duration.ofNanos(System.nanoTime() - restartedAt);
      System.out.printf("restart -> first new point: %.1f s%n", restartToPoint.toMillis() / 1000.0);
      await("every complete window, across both processes").atMost(Duration.ofSeconds(90))
          .until(() -> countPoints(database) == expectedWindows(start, 1_500));

      String log = Files.readString(secondLog);
      assertThat(log).contains("static member restart-fallback-").contains("resuming from own committed offset");
      assertThat(restartToPoint)
          .as("restart -> first new point, with a 45 s session timeout and a 30 s batch timeout")
          .isLessThan(SESSION_TIMEOUT.minusSeconds(15));
    } finally {
      second.destroy();
      second.waitFor(60, TimeUnit.SECONDS);
      second.destroyForcibly();
    }
  }

  private String config(String topic, String database, int port) {
    return String.join(
        "\n",
        "kafka:",
        "  bootstrap_servers: \"" + kafka.bootstrapServers() + "\"",
        "  topic: \"" + topic + "\"",
        "  group_id: restart-fallback",
        "  auto_offset_reset: earliest",
        "processing:",
        "  batch_size: 500",
        "  batch_timeout_seconds: 30",
        "monitoring:",
        "  latency_threshold_seconds: 0",
        "  check_interval_seconds: 1",
        "  health_probe: none",
        "  primary_group_id: no-primary-here",
        "ml_service:",
        "  endpoint: \"http://127.0.0.1:" + model.getAddress().getPort() + "/model/api/predict\"",
        "influxdb:",
        "  url: \"" + influx.url() + "\"",
        "  database: " + database,
        "server:",
        "  port: " + port,
        "");
  }

  /** The shipped jar, as operators start it. */
  private static Process launch(Path config, Path log) throws IOException {
    Path jar = Path.of("target", "fallback-launcher.jar").toAbsolutePath();
    assertThat(jar).as("the runnable jar (built by package)").exists();
    return new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar", jar.toString(), "run", "--config", config.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static int countPoints(String database) {
    try {
      JsonNode root = JSON.readTree(influx.query(database, "SELECT count(\"stress_level\") FROM \"nurse_stress\""));
      JsonNode values = root.path("results").path(0).path("series").path(0).path("values");
      return values.isMissingNode() || values.isEmpty() ? 0 : values.path(0).path(1).asInt();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The windows the core's window stage fires over records 0 to {@code to} (exclusive). */
  private static int expectedWindows(long start, int to) {
    WindowSpec spec = WindowSpec.ofDefaults();
    Map<Integer, WindowStage> stages = new HashMap<>();
    long[] offsets = new long[2];
    int fired = 0;
    for (int i = 0; i < to; i++) {
      for (int n = 0; n < 3; n++) {
        int partition = n % 2;
        WindowStage stage = stages.computeIfAbsent(partition, p -> {
          WindowStage st = new WindowStage(spec);
          st.assigned(p, Optional.empty());
          return st;
        });
        stage.add(partition, offsets[partition]++, new Reading("nurse-" + n, start + i * 100L, values(i, n)));
      }
    }
    for (WindowStage stage : stages.values()) {
      fired += stage.drainFired().size();
    }
    return fired;
  }

  private static float[] values(int i, int n) {
    return new float[] {10 + n, 20 + i % 7, 30, 0.5f + n, 70 + (i % 40), 33 + n * 0.5f};
  }

  /** Records {@code from} to {@code to} (exclusive) of 3 nurses at 10 Hz from {@code start}. */
  private static void produce(String topic, long start, int from, int to) {
    Map<String, Object> config = new HashMap<>(kafka.clientConfig());
    config.put("key.serializer", ByteArraySerializer.class.getName());
    config.put("value.serializer", ByteArraySerializer.class.getName());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
      for (int i = from; i < to; i++) {
        long ts = start + i * 100L;
        for (int n = 0; n < 3; n++) {
          String id = "nurse-" + n;
          producer.send(
              new ProducerRecord<>(topic, n % 2, ts, id.getBytes(StandardCharsets.UTF_8), encode(id, ts, values(i, n))));
        }
      }
      producer.flush();
    }
  }

  private static byte[] encode(String id, long eventTime, float[] values) {
    GenericRecord r = new GenericData.Record(SCHEMA);
    List<String> fields = List.of("X", "Y", "Z", "EDA", "HR", "TEMP");
    for (int i = 0; i < fields.size(); i++) {
      r.put(fields.get(i), values[i]);
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
}
