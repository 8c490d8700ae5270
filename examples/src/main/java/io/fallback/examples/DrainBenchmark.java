package io.fallback.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeOverride;
import io.fallback.launcher.FallbackApplication;
import io.fallback.launcher.config.ConfigLoader;
import io.fallback.testkit.FlinkCluster;
import io.fallback.testkit.InfluxDbServer;
import io.fallback.testkit.KafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backlog drain benchmark (DESIGN §9: "our fallback drains a backlog at least twice as fast as
 * Flink"), measured as a ratio of peers in one run on the same data. Not run by {@code ./mvnw
 * verify}.
 *
 * <p>Starts the test kit's Kafka broker, {@code influxd}, a Flink MiniCluster and the {@link
 * ModelService} (no added latency unless {@code --model-latency-ms}) once; writes a backlog of
 * {@code --records} (default 1 000 000) raw Avro records, 17 nurses at 32 Hz with past event times,
 * to the 2-partition topic {@code bench-topic}; then, one after the other:
 *
 * <ol>
 *   <li>raw consumer: a {@code KafkaConsumer<byte[], byte[]>} reads the whole topic (no decoding);
 *       clock from the first record to the last;
 *   <li>Flink: {@link FlinkPrimaryJob} (group {@code bench-flink}, no committed offsets so
 *       earliest, database {@code bench_flink}); clock from before the job submission (job graph,
 *       deployment, split assignment, group handling, model calls and InfluxDB writes included)
 *       until the number of {@code source=flink} points equals {@link Reference}'s due windows
 *       (polled every 100 ms); the job is cancelled afterwards;
 *   <li>fallback: {@link FallbackApplication} in-process (group {@code bench-fallback}, {@code
 *       auto_offset_reset: earliest}, {@code latency_threshold_seconds: 0} and a force-fallback
 *       override, {@code health_probe: none}, {@code batch_size} 10 000, database {@code
 *       bench_fallback}); clock from before {@code FallbackApplication.start} (config, group join,
 *       start-position lookup, model calls and InfluxDB writes included) until all due windows are
 *       in its database.
 * </ol>
 *
 * <p>Both outputs are then compared with the reference (missing and differing windows must be 0,
 * else exit 1). Printed: records/s and windows/s of each, the ratio fallback / Flink, and the raw
 * consumer's rate. Run, after {@code ./mvnw -B install -DskipTests} of the reactor:
 *
 * <pre>
 * ./mvnw -q -B -pl examples exec:exec@drain-benchmark                               # 1 000 000 records
 * ./mvnw -q -B -pl examples exec:exec@drain-benchmark -Dbench.args="--records=500000 --model-latency-ms=0"
 * </pre>
 */
public final class DrainBenchmark {

  private static final Logger LOG = LoggerFactory.getLogger("drain-benchmark");
  private static final String TOPIC = "bench-topic";
  private static final String MEASUREMENT = "nurse_stress";
  private static final String FLINK_DB = "bench_flink";
  private static final String FALLBACK_DB = "bench_fallback";
  private static final String FLINK_SOURCE = "flink";
  private static final String FALLBACK_SOURCE = "bench-fallback";
  private static final int NURSES = 17;
  private static final int HZ = 32;
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  private long records = 1_000_000;
  private long modelLatencyMs;
  private int batchSize = 10_000;
  private Duration deadline = Duration.ofMinutes(10);
  private final Deque<AutoCloseable> closers = new ArrayDeque<>();

  private DrainBenchmark() {}

  /**
   * Runs the benchmark.
   *
   * @param args {@code --records=N} (default 1000000), {@code --model-latency-ms=N} (0), {@code
   *     --batch-size=N} (10000), {@code --deadline-s=N} (600 per pipeline)
   */
  public static void main(String[] args) {
    DrainBenchmark b = new DrainBenchmark();
    for (String a : args) {
      if (a.isBlank()) {
        continue;
      }
      String[] kv = a.split("=", 2);
      long v = kv.length == 2 ? Long.parseLong(kv[1].replace("_", "")) : -1;
      switch (kv[0]) {
        case "--records" -> b.records = v;
        case "--model-latency-ms" -> b.modelLatencyMs = v;
        case "--batch-size" -> b.batchSize = (int) v;
        case "--deadline-s" -> b.deadline = Duration.ofSeconds(v);
        default -> {
          System.err.println(
              "usage: DrainBenchmark [--records=N] [--model-latency-ms=N] [--batch-size=N]"
                  + " [--deadline-s=N]");
          System.exit(a.equals("--help") ? 0 : 2);
        }
      }
    }
    int status;
    try {
      status = b.run();
    } catch (Exception e) {
      LOG.error("[bench] failed", e);
      status = 1;
    } finally {
      b.closeAll();
    }
    System.out.flush();
    System.exit(status);
  }

  private int run() throws Exception {
    LOG.info("[bench] starting Kafka, influxd, Flink and the model service");
    CompletableFuture<KafkaBroker> k = CompletableFuture.supplyAsync(KafkaBroker::start);
    CompletableFuture<InfluxDbServer> i = CompletableFuture.supplyAsync(InfluxDbServer::start);
    CompletableFuture<FlinkCluster> f = CompletableFuture.supplyAsync(FlinkCluster::start);
    KafkaBroker kafka = closing(k.join());
    InfluxDbServer influx = closing(i.join());
    FlinkCluster flink = closing(f.join());
    ModelService model = closing(ModelService.start());
    if (modelLatencyMs > 0) {
      model.faults(ModelService.Faults.latency(Duration.ofMillis(modelLatencyMs)));
    }
    Path workDir = Files.createTempDirectory("drain-bench-");
    closers.push(() -> delete(workDir));
    kafka.createTopic(TOPIC, 2);
    influx.createDatabase(FLINK_DB);
    influx.createDatabase(FALLBACK_DB);

    // the backlog: whole 1/32 s ticks of 17 nurses, event times in the past
    long ticks = (records + NURSES - 1) / NURSES;
    long spanMillis = ticks * 1000 / HZ;
    long now = System.currentTimeMillis();
    long origin = now - spanMillis - 60_000;
    Reference reference;
    long produceStart = System.nanoTime();
    try (SensorProducer producer =
        SensorProducer.builder(kafka.bootstrapServers())
            .topic(TOPIC)
            .nurses(NURSES)
            .hz(HZ)
            .seed(42)
            .origin(origin)
            .build()) {
      producer.produceUntil(origin + spanMillis);
      if (producer.failures() > 0) {
        throw new IllegalStateException(
            "producer failures: " + producer.failures(), producer.firstFailure());
      }
      reference = Reference.ofDefaults(producer.sent());
    }
    long total = reference.records();
    int due = reference.due().size();
    LOG.info(
        String.format(
            Locale.ROOT,
            "[bench] backlog: %,d records (%d nurses x %d Hz, %d s of event time),"
                + " %,d due windows, produced in %.1f s",
            total,
            NURSES,
            HZ,
            spanMillis / 1000,
            due,
            (System.nanoTime() - produceStart) / 1e9));

    // 0. the raw consumer (peer of DESIGN §9's "half the raw consumer")
    double rawSeconds = rawConsume(kafka.bootstrapServers(), total);
    LOG.info(String.format(Locale.ROOT, "[bench] raw consumer: %.2f s", rawSeconds));

    // 1. Flink
    FlinkPrimaryJob.Settings fs =
        new FlinkPrimaryJob.Settings(
            "drain-bench-flink",
            kafka.bootstrapServers(),
            TOPIC,
            "bench-flink",
            model.predictUrl(),
            influx.url(),
            FLINK_DB,
            MEASUREMENT,
            FLINK_SOURCE,
            Duration.ofSeconds(5),
            Duration.ofSeconds(5),
            Duration.ofSeconds(5),
            workDir.resolve("checkpoints"),
            1,
            null);
    long flinkStart = System.nanoTime();
    FlinkPrimaryJob job = FlinkPrimaryJob.start(flink, fs);
    double flinkRunning = (System.nanoTime() - flinkStart) / 1e9;
    double flinkSeconds =
        awaitCount(() -> count(influx.url(), FLINK_DB, FLINK_SOURCE), due, flinkStart, "flink");
    job.cancel();
    LOG.info(
        String.format(
            Locale.ROOT,
            "[bench] flink: %.2f s (RUNNING after %.2f s)",
            flinkSeconds,
            flinkRunning));

    // 2. the fallback
    String yaml =
        String.join(
            "\n",
            "kafka:",
            "  bootstrap_servers: \"" + kafka.bootstrapServers() + "\"",
            "  topic: " + TOPIC,
            "  group_id: bench-fallback",
            "  auto_offset_reset: earliest",
            "processing:",
            "  batch_size: " + batchSize,
            "  batch_timeout_seconds: 0.2",
            "monitoring:",
            "  latency_threshold_seconds: 0",
            "  resume_threshold_seconds: 0",
            "  check_interval_seconds: 1",
            "  consecutive_violations: 1",
            "  primary_group_id: bench-no-primary",
            "  health_probe: none",
            "ml_service:",
            "  endpoint: \"" + model.predictUrl() + "\"",
            "influxdb:",
            "  url: \"" + influx.url() + "\"",
            "  database: " + FALLBACK_DB,
            "  measurement: " + MEASUREMENT,
            "  source_tag: " + FALLBACK_SOURCE,
            "server:",
            "  port: 0",
            "");
    long fallbackStart = System.nanoTime();
    FallbackApplication fallback =
        closing(
            FallbackApplication.start(
                new ConfigLoader(Map.of()).loadYaml(yaml, workDir), Map.of()));
    fallback.override(ModeOverride.FORCE_FALLBACK);
    long[] modeAt = {-1};
    double fallbackSeconds =
        awaitCount(
            () -> {
              if (modeAt[0] < 0 && fallback.state().mode() == Mode.FALLBACK) {
                modeAt[0] = System.nanoTime();
              }
              return count(influx.url(), FALLBACK_DB, FALLBACK_SOURCE);
            },
            due,
            fallbackStart,
            "fallback");
    double fallbackMode = modeAt[0] < 0 ? Double.NaN : (modeAt[0] - fallbackStart) / 1e9;
    LOG.info(
        String.format(
            Locale.ROOT,
            "[bench] fallback: %.2f s (mode FALLBACK seen after %.2f s)",
            fallbackSeconds,
            fallbackMode));

    // the outputs must be right for the rates to mean anything
    OutputCheck flinkCheck =
        OutputCheck.of(reference, InfluxPoints.read(influx.url(), FLINK_DB, MEASUREMENT));
    OutputCheck fallbackCheck =
        OutputCheck.of(reference, InfluxPoints.read(influx.url(), FALLBACK_DB, MEASUREMENT));

    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "%nBacklog drain: %,d records, %,d due windows (%d nurses x %d Hz,"
                + " 2 partitions), model latency %d ms, fallback batch_size %d%n",
            total,
            due,
            NURSES,
            HZ,
            modelLatencyMs,
            batchSize));
    out.append(
        String.format(
            Locale.ROOT,
            "%-10s %9s %14s %12s  %s%n",
            "pipeline",
            "seconds",
            "records/s",
            "windows/s",
            "check"));
    out.append(
        String.format(
            Locale.ROOT,
            "%-10s %9.2f %14s %12s  %s%n",
            "raw",
            rawSeconds,
            rate(total, rawSeconds),
            "-",
            "first to last record, no decoding"));
    out.append(
        line(
            "flink",
            flinkSeconds,
            total,
            due,
            flinkCheck,
            String.format(Locale.ROOT, "; RUNNING after %.2f s", flinkRunning)));
    out.append(
        line(
            "fallback",
            fallbackSeconds,
            total,
            due,
            fallbackCheck,
            String.format(Locale.ROOT, "; FALLBACK after %.2f s", fallbackMode)));
    out.append(
        String.format(
            Locale.ROOT,
            "ratio fallback / flink: %.2fx (DESIGN §9 target >= 2x);"
                + " fallback / raw: %.2f (target >= 0.5)%n",
            flinkSeconds / fallbackSeconds,
            rawSeconds / fallbackSeconds));
    out.append(String.format(Locale.ROOT, "model predictions: %,d%n", model.predictions()));
    System.out.println(out);
    boolean ok =
        flinkCheck.missing() == 0
            && flinkCheck.mismatches() == 0
            && fallbackCheck.missing() == 0
            && fallbackCheck.mismatches() == 0;
    return ok ? 0 : 1;
  }

  private static String line(
      String name, double seconds, long total, int due, OutputCheck check, String extra) {
    return String.format(
        Locale.ROOT,
        "%-10s %9.2f %14s %12s  missing %d, differing %d%s%n",
        name,
        seconds,
        rate(total, seconds),
        rate(due, seconds),
        check.missing(),
        check.mismatches(),
        extra);
  }

  private static String rate(long n, double seconds) {
    return String.format(Locale.ROOT, "%,.0f", n / seconds);
  }

  /**
   * Reads every record of the topic with a plain consumer; seconds from the first record to the
   * last.
   */
  private static double rawConsume(String bootstrap, long total) {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false,
            ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
            10_000);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long seen = 0;
      long bytes = 0;
      long first = 0;
      long end = System.nanoTime() + Duration.ofMinutes(5).toNanos();
      while (seen < total && System.nanoTime() < end) {
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
        if (!batch.isEmpty() && first == 0) {
          first = System.nanoTime();
        }
        for (var r : batch) {
          bytes += r.value().length;
          seen++;
        }
      }
      if (seen < total) {
        throw new IllegalStateException("raw consumer read " + seen + " of " + total);
      }
      LOG.debug("[bench] raw consumer read {} bytes", bytes);
      return (System.nanoTime() - first) / 1e9;
    }
  }

  /** Polls until {@code count} reaches {@code due}; seconds since {@code startNanos}. */
  private double awaitCount(LongSupplier count, int due, long startNanos, String what)
      throws InterruptedException {
    long end = startNanos + deadline.toNanos();
    long last = -1;
    while (System.nanoTime() < end) {
      long n;
      try {
        n = count.getAsLong();
      } catch (RuntimeException e) {
        LOG.debug("[bench] count: {}", e.toString());
        n = -1;
      }
      long at = System.nanoTime();
      if (n >= due) {
        return (at - startNanos) / 1e9;
      }
      if (n / 1000 != last / 1000) {
        LOG.info("[bench] {}: {} of {} windows", what, n, due);
        last = n;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(
        what + " did not write all " + due + " due windows within " + deadline);
  }

  /** Points of one source in a database (one count query). */
  private static long count(String influxUrl, String database, String source) {
    String q =
        "SELECT count(\"stress_level\") FROM \""
            + MEASUREMENT
            + "\" WHERE \"source\" = '"
            + source
            + "'";
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    influxUrl
                        + "/query?db="
                        + URLEncoder.encode(database, StandardCharsets.UTF_8)
                        + "&q="
                        + URLEncoder.encode(q, StandardCharsets.UTF_8)))
            .timeout(Duration.ofSeconds(10))
            .build();
    try {
      HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "query answered " + response.statusCode() + ": " + response.body());
      }
      JsonNode values =
          JSON.readTree(response.body())
              .path("results")
              .path(0)
              .path("series")
              .path(0)
              .path("values");
      return values.isMissingNode() || values.isEmpty() ? 0 : values.path(0).path(1).asLong();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private <T extends AutoCloseable> T closing(T resource) {
    closers.push(resource);
    return resource;
  }

  private void closeAll() {
    while (!closers.isEmpty()) {
      AutoCloseable c = closers.pop();
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("[bench] error closing {}: {}", c, e.toString());
      }
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("[bench] cannot delete {}: {}", dir, e.toString());
    }
  }
}
