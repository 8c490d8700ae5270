package io.fallback.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeOverride;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.examples.PhaseMeter.Phase;
import io.fallback.influx.InfluxSettings;
import io.fallback.influx.LineProtocolEncoder;
import io.fallback.launcher.FallbackApplication;
import io.fallback.launcher.config.ConfigLoader;
import io.fallback.testkit.FlinkCluster;
import io.fallback.testkit.InfluxDbServer;
import io.fallback.testkit.KafkaBroker;
import io.fallback.testkit.LauncherProcess;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backlog drain benchmark (DESIGN §9): the fallback's drain against the slowest real dependency and
 * against a Flink primary with an equally efficient model client, all measured in one run on the
 * same data. Not run by {@code ./mvnw verify}; {@code scripts/bench.sh} runs it.
 *
 * <p>Starts the test kit's Kafka broker, {@code influxd}, a Flink MiniCluster and the {@link
 * ModelService} (no added latency unless {@code --model-latency-ms}) once; writes a backlog of
 * {@code --records} (default 1 000 000) raw Avro records, 17 nurses at 32 Hz with past event times,
 * to the 2-partition topic {@code bench-topic}; then, one after the other, each phase alone:
 *
 * <ol>
 *   <li>the limits, each after a warm-up round: the model service's capacity (every due window's
 *       request, the query both pipelines send, from {@code --model-concurrency} threads blocking
 *       in the JDK client's {@code send}); InfluxDB's acceptance of the due points (encoded
 *       beforehand by the fallback's encoder, POSTed in chunks of 5 000); a raw {@code
 *       KafkaConsumer<byte[], byte[]>} reading the topic (first to last record). Converted to
 *       records/s as windows/s times records per window;
 *   <li>Flink: {@link FlinkPrimaryJob} with the {@link FlinkPrimaryJob.ModelClient#POOLED} client
 *       (or {@code --flink-client=send_async}) and {@code --model-concurrency} calls in flight
 *       (group {@code bench-flink}, database {@code bench_flink}); clock from before the job
 *       submission until all due windows are in InfluxDB;
 *   <li>the fallback: {@link FallbackApplication} in this JVM (group {@code bench-fallback}, forced
 *       into FALLBACK, {@code batch_size} 10 000, {@code ml_service.max_concurrency} = {@code
 *       --model-concurrency}); clock from before {@code FallbackApplication.start} until all due
 *       windows are in its database. With {@code --fallback-xmx=256m} it runs instead as the
 *       shipped jar in its own JVM with that heap and a GC log ({@code --memory-limit} sets {@code
 *       dask.memory_limit}).
 * </ol>
 *
 * <p>Each phase's CPU time (this JVM, which hosts the broker and the model stub, plus {@code
 * influxd}), peak heap and peak RSS are measured by {@link PhaseMeter}. Both outputs are compared
 * with the reference (missing and differing windows must be 0, else exit 1). Printed: one table
 * with the limits, Flink and the fallback, the ratios fallback / lowest limit and fallback / Flink,
 * and CPU-seconds per million records.
 *
 * <pre>
 * scripts/bench.sh --records=1000000
 * scripts/bench.sh --records=1000000 --fallback-only --memory-limit=8MiB --fallback-xmx=256m
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
  private int modelConcurrency = FlinkPrimaryJob.Settings.DEFAULT_MODEL_CONCURRENCY;
  private int modelBatch = 1;
  private int pipelineDepth = 2;
  private FlinkPrimaryJob.ModelClient flinkClient = FlinkPrimaryJob.ModelClient.POOLED;
  private boolean fallbackOnly;
  private String memoryLimit;
  private String fallbackXmx;
  private String processNote = "";
  private final BenchmarkRun resources = new BenchmarkRun(LOG, "[bench]");

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
      String text = kv.length == 2 ? kv[1] : "";
      switch (kv[0]) {
        case "--records" -> b.records = BenchmarkRun.number(text);
        case "--model-latency-ms" -> b.modelLatencyMs = BenchmarkRun.number(text);
        case "--batch-size" -> b.batchSize = (int) BenchmarkRun.number(text);
        case "--deadline-s" -> b.deadline = Duration.ofSeconds(BenchmarkRun.number(text));
        case "--model-concurrency" -> b.modelConcurrency = (int) BenchmarkRun.number(text);
        case "--model-batch" -> b.modelBatch = (int) BenchmarkRun.number(text);
        case "--pipeline-depth" -> b.pipelineDepth = (int) BenchmarkRun.number(text);
        case "--flink-client" ->
            b.flinkClient = FlinkPrimaryJob.ModelClient.valueOf(text.toUpperCase(Locale.ROOT));
        case "--fallback-only" -> b.fallbackOnly = true;
        case "--memory-limit" -> b.memoryLimit = text;
        case "--fallback-xmx" -> b.fallbackXmx = text;
        default -> {
          System.err.println(
              "usage: DrainBenchmark [--records=N] [--model-latency-ms=N] [--batch-size=N]"
                  + " [--deadline-s=N] [--model-concurrency=N] [--model-batch=N] [--pipeline-depth=N]"
                  + " [--flink-client=pooled|send_async]"
                  + " [--fallback-only] [--memory-limit=<dask.memory_limit, e.g. 16MiB>]"
                  + " [--fallback-xmx=<e.g. 256m: the fallback runs as the shipped jar in its own JVM>]");
          System.exit(a.equals("--help") ? 0 : 2);
        }
      }
    }
    b.resources.exitWith(b::run);
  }

  private int run() throws Exception {
    LOG.info("[bench] starting Kafka, influxd, Flink and the model service");
    CompletableFuture<KafkaBroker> k = CompletableFuture.supplyAsync(KafkaBroker::start);
    CompletableFuture<InfluxDbServer> i = CompletableFuture.supplyAsync(InfluxDbServer::start);
    CompletableFuture<FlinkCluster> f = CompletableFuture.supplyAsync(FlinkCluster::start);
    KafkaBroker kafka = resources.closing(k.join());
    InfluxDbServer influx = resources.closing(i.join());
    FlinkCluster flink = resources.closing(f.join());
    ModelService model = resources.closing(ModelService.start());
    if (modelLatencyMs > 0) {
      model.faults(ModelService.Faults.latency(Duration.ofMillis(modelLatencyMs)));
    }
    Path workDir = Files.createTempDirectory("drain-bench-");
    resources.deleting(workDir);
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
    reference =
        BenchmarkRun.produceBacklog(
            kafka.bootstrapServers(), TOPIC, NURSES, HZ, origin, origin + spanMillis);
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

    PhaseMeter meter = new PhaseMeter(influx.pid());
    double recordsPerWindow = (double) total / due;
    List<ScoredWindow> points = scored(reference);
    Phase model0 = null;
    Phase influx0 = null;
    Phase raw = null;
    Phase flinkPhase = null;
    OutputCheck flinkCheck = null;
    double flinkRunning = Double.NaN;
    if (!fallbackOnly) {
      // the limits, each alone: the model service at the configured concurrency, influxd for the
      // same points, the raw consumer for the same topic (the first round of each warms up)
      modelCapacity(model.predictUrl(), points, meter, "model (warm-up)");
      model0 = modelCapacity(model.predictUrl(), points, meter, "model service limit");
      influxAcceptance(influx, points, meter, "influx (warm-up)", "bench_limit_warm");
      influx0 = influxAcceptance(influx, points, meter, "influxdb limit", "bench_limit");
      rawConsume(kafka.bootstrapServers(), total, meter, "raw (warm-up)");
      raw = rawConsume(kafka.bootstrapServers(), total, meter, "raw consumer limit");

      // 1. Flink, with the fair model client unless told otherwise
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
              null,
              flinkClient,
              modelConcurrency);
      PhaseMeter.Running flinkRun = meter.start("flink (" + flinkClient + ")");
      FlinkPrimaryJob job = FlinkPrimaryJob.start(flink, fs);
      flinkRunning = (System.nanoTime() - flinkRun.startNanos()) / 1e9;
      long flinkEnd =
          awaitCount(() -> count(influx.url(), FLINK_DB, FLINK_SOURCE), due, flinkRun, "flink");
      flinkPhase = flinkRun.stopAt(flinkEnd);
      job.cancel();
      LOG.info("[bench] {} (RUNNING after {} s)", flinkPhase.describe(), flinkRunning);
      flinkCheck =
          OutputCheck.of(reference, InfluxPoints.read(influx.url(), FLINK_DB, MEASUREMENT));
    }

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
            "  pipeline_depth: " + pipelineDepth,
            "monitoring:",
            "  latency_threshold_seconds: 0",
            "  resume_threshold_seconds: 0",
            "  check_interval_seconds: 1",
            "  consecutive_violations: 1",
            "  primary_group_id: bench-no-primary",
            "  health_probe: none",
            "ml_service:",
            "  endpoint: \"" + model.predictUrl() + "\"",
            "  max_concurrency: " + modelConcurrency,
            "  batch_size: " + modelBatch,
            "influxdb:",
            "  url: \"" + influx.url() + "\"",
            "  database: " + FALLBACK_DB,
            "  measurement: " + MEASUREMENT,
            "  source_tag: " + FALLBACK_SOURCE,
            "server:",
            "  port: 0",
            memoryLimit == null ? "" : "dask:\n  n_workers: 1\n  memory_limit: " + memoryLimit,
            "");
    Phase fallbackPhase;
    double fallbackMode;
    if (fallbackXmx == null) {
      PhaseMeter.Running fallbackRun = meter.start("fallback");
      FallbackApplication fallback =
          resources.closing(
              FallbackApplication.start(
                  new ConfigLoader(Map.of()).loadYaml(yaml, workDir), Map.of()));
      fallback.override(ModeOverride.FORCE_FALLBACK);
      long[] modeAt = {-1};
      long fallbackEnd =
          awaitCount(
              () -> {
                if (modeAt[0] < 0 && fallback.state().mode() == Mode.FALLBACK) {
                  modeAt[0] = System.nanoTime();
                }
                return count(influx.url(), FALLBACK_DB, FALLBACK_SOURCE);
              },
              due,
              fallbackRun,
              "fallback");
      fallbackPhase = fallbackRun.stopAt(fallbackEnd);
      fallbackMode = modeAt[0] < 0 ? Double.NaN : (modeAt[0] - fallbackRun.startNanos()) / 1e9;
    } else {
      fallbackPhase = fallbackProcess(yaml, workDir, due, influx.url());
      fallbackMode = Double.NaN;
    }
    LOG.info("[bench] {} (mode FALLBACK seen after {} s)", fallbackPhase.describe(), fallbackMode);

    // the outputs must be right for the rates to mean anything
    OutputCheck fallbackCheck =
        OutputCheck.of(reference, InfluxPoints.read(influx.url(), FALLBACK_DB, MEASUREMENT));

    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "%nBacklog drain: %,d records, %,d due windows (%.1f records/window; %d nurses x %d Hz,"
                + " 2 partitions), model latency %d ms, model concurrency %d%s, fallback batch_size"
                + " %d, pipeline_depth %d%s, %d cores, max heap %d MiB, load average at end %s%n",
            total,
            due,
            recordsPerWindow,
            NURSES,
            HZ,
            modelLatencyMs,
            modelConcurrency,
            modelBatch > 1
                ? ", model calls batched by "
                    + modelBatch
                    + " windows (the model limit and the fallback; Flink calls per window)"
                : "",
            batchSize,
            pipelineDepth,
            memoryLimit == null ? "" : ", dask.memory_limit " + memoryLimit,
            Runtime.getRuntime().availableProcessors(),
            Runtime.getRuntime().maxMemory() >> 20,
            BenchmarkRun.loadAverage()));
    out.append(
        String.format(
            Locale.ROOT,
            "| %-28s | %8s | %12s | %10s | %9s | %9s | %13s | %9s | %8s |%n",
            "phase",
            "seconds",
            "records/s",
            "windows/s",
            "/ limit",
            "/ flink",
            "CPU-s/M rec",
            "heap MiB",
            "RSS MiB"));
    out.append("|---|---|---|---|---|---|---|---|---|\n");
    double limit = Double.POSITIVE_INFINITY;
    String limitName = "-";
    if (!fallbackOnly) {
      double modelRate = due / model0.seconds() * recordsPerWindow;
      double influxRate = due / influx0.seconds() * recordsPerWindow;
      double rawRate = total / raw.seconds();
      limit = Math.min(modelRate, Math.min(influxRate, rawRate));
      limitName =
          limit == modelRate ? "model service" : limit == influxRate ? "influxdb" : "raw consumer";
      out.append(row(model0, total, due, Double.NaN, Double.NaN));
      out.append(row(influx0, total, due, Double.NaN, Double.NaN));
      out.append(row(raw, total, due, Double.NaN, Double.NaN));
      out.append(row(flinkPhase, total, due, total / flinkPhase.seconds() / limit, Double.NaN));
    }
    double fallbackRate = total / fallbackPhase.seconds();
    out.append(
        row(
            fallbackPhase,
            total,
            due,
            fallbackOnly ? Double.NaN : fallbackRate / limit,
            fallbackOnly ? Double.NaN : flinkPhase.seconds() / fallbackPhase.seconds()));
    if (!fallbackOnly) {
      // the limits were measured alone; in a drain they share this machine's cores
      double cpuPerRecord = (model0.cpuSeconds() + influx0.cpuSeconds() + raw.cpuSeconds()) / total;
      int cores = Runtime.getRuntime().availableProcessors();
      out.append(
          String.format(
              Locale.ROOT,
              "the three limits together cost %.2f CPU-s per million records: on %d cores, doing"
                  + " all three at once cannot exceed %,.0f records/s (fallback / that %.2f)%n",
              cpuPerRecord * 1e6,
              cores,
              cores / cpuPerRecord,
              fallbackRate / (cores / cpuPerRecord)));
      out.append(
          String.format(
              Locale.ROOT,
              "lowest limit: %s, %,.0f records/s; fallback / limit %.2f (goal >= 0.8);"
                  + " fallback / flink %.2fx; flink RUNNING after %.2f s, check: missing %d,"
                  + " differing %d%n",
              limitName,
              limit,
              fallbackRate / limit,
              flinkPhase.seconds() / fallbackPhase.seconds(),
              flinkRunning,
              flinkCheck.missing(),
              flinkCheck.mismatches()));
    }
    out.append(processNote);
    out.append(
        String.format(
            Locale.ROOT,
            "fallback: FALLBACK after %.2f s, check: missing %d, differing %d;"
                + " model predictions: %,d (all phases)%n",
            fallbackMode,
            fallbackCheck.missing(),
            fallbackCheck.mismatches(),
            model.predictions()));
    out.append(
        "limits are measured one after the other, alone, on the same data (model: the due windows'"
            + " requests from a pool of model-concurrency threads; influxdb: the due points,"
            + " pre-encoded, POSTed in chunks of 5 000 over one connection; raw: a"
            + " KafkaConsumer<byte[],byte[]> reading the topic). Limits in records/s ="
            + " windows/s x records per window. CPU = this JVM (broker, model stub, clients) +"
            + " influxd. Peak heap = sum of heap pools' peaks during the phase.\n");
    System.out.println(out);
    boolean ok =
        fallbackCheck.missing() == 0
            && fallbackCheck.mismatches() == 0
            && (flinkCheck == null || (flinkCheck.missing() == 0 && flinkCheck.mismatches() == 0));
    return ok ? 0 : 1;
  }

  /**
   * The fallback as operators run it: the shipped jar in its own JVM with {@code -Xmx<fallbackXmx>}
   * and a GC log; its clock from before the process starts (JVM start included) until all due
   * windows are written. CPU is that process's; peak heap is the largest heap occupancy the GC log
   * shows before a collection; peak RSS is its {@code VmHWM}.
   */
  private Phase fallbackProcess(String yaml, Path workDir, int due, String influxUrl)
      throws IOException, InterruptedException {
    Path config = workDir.resolve("bench-fallback.yaml");
    Files.writeString(config, yaml);
    Path gcLog = workDir.resolve("bench-fallback-gc.log");
    String name = "fallback (own JVM, -Xmx" + fallbackXmx + ")";
    long start = System.nanoTime();
    LauncherProcess process =
        resources.closing(
            LauncherProcess.builder(LauncherProcess.locate(), config)
                .name("bench-fallback")
                .environment(
                    Map.of("JAVA_TOOL_OPTIONS", "-Xmx" + fallbackXmx + " -Xlog:gc:file=" + gcLog))
                .start());
    PhaseMeter own = new PhaseMeter(process.pid());
    PhaseMeter.Running run = own.start(name);
    long end =
        awaitCount(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException(
                    "the fallback process exited: " + process.lastLines(20));
              }
              return count(influxUrl, FALLBACK_DB, FALLBACK_SOURCE);
            },
            due,
            run,
            "fallback process");
    Phase p = run.stopAt(end);
    long peakRss = PhaseMeter.peakRss(process.pid());
    long peakHeap = 0;
    long peakLive = 0;
    java.util.regex.Pattern gc = java.util.regex.Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");
    for (String line : Files.readAllLines(gcLog)) {
      java.util.regex.Matcher m = gc.matcher(line);
      if (m.find()) {
        peakHeap = Math.max(peakHeap, Long.parseLong(m.group(1)) << 20);
        peakLive = Math.max(peakLive, Long.parseLong(m.group(2)) << 20);
      }
    }
    boolean oom = process.logText().contains("OutOfMemoryError");
    Phase phase =
        new Phase(
            name + (oom ? " OOM!" : ""),
            (end - start) / 1e9,
            0,
            p.childCpuSeconds(),
            peakHeap,
            peakRss,
            true);
    LOG.info(
        "[bench] {}; the fallback process's own CPU; most heap in use after a GC {} MiB",
        phase.describe(),
        peakLive >> 20);
    processNote =
        String.format(
            Locale.ROOT,
            "fallback process: heap peak %d MiB before a GC, at most %d MiB in use after a GC;"
                + " CPU is its own (JVM start included in its seconds)%n",
            peakHeap >> 20,
            peakLive >> 20);
    if (oom) {
      throw new IllegalStateException("the fallback process logged an OutOfMemoryError");
    }
    return phase;
  }

  private static String row(Phase p, long total, int due, double perLimit, double perFlink) {
    return String.format(
        Locale.ROOT,
        "| %-28s | %8.2f | %12s | %10s | %9s | %9s | %13.2f | %9d | %8d |%n",
        p.name(),
        p.seconds(),
        rate(total, p.seconds()),
        rate(due, p.seconds()),
        Double.isNaN(perLimit) ? "" : String.format(Locale.ROOT, "%.2f", perLimit),
        Double.isNaN(perFlink) ? "" : String.format(Locale.ROOT, "%.2fx", perFlink),
        p.cpuPerMillion(total),
        p.peakHeapBytes() >> 20,
        p.peakRssBytes() >> 20);
  }

  /**
   * The reference's due windows with their expected predictions: the points both pipelines write.
   */
  private static List<ScoredWindow> scored(Reference reference) {
    List<ScoredWindow> out = new ArrayList<>(reference.due().size());
    for (Reference.Expected e : reference.due().values()) {
      out.add(
          new ScoredWindow(
              new WindowResult(e.key().id(), e.key().start(), e.end(), e.count(), e.means()),
              e.stressLevel()));
    }
    return out;
  }

  /**
   * The model service's capacity: every window's request (the same query the fallback and Flink
   * send), from a pool of {@code modelConcurrency} threads each blocking in {@code send} on one
   * HTTP client, nothing else running.
   */
  private Phase modelCapacity(
      String endpoint, List<ScoredWindow> windows, PhaseMeter meter, String name)
      throws InterruptedException {
    String[] parameters = {"x", "y", "z", "eda", "hr", "temp"};
    List<HttpRequest> requests = new ArrayList<>(windows.size());
    if (modelBatch > 1) {
      // the same payloads the fallback sends with ml_service.batch_size: chunks of modelBatch
      // windows
      for (int from = 0; from < windows.size(); from += modelBatch) {
        StringBuilder body = new StringBuilder("{\"instances\":[");
        for (int w = from; w < Math.min(windows.size(), from + modelBatch); w++) {
          body.append(w > from ? ",{" : "{");
          for (int i = 0; i < parameters.length; i++) {
            body.append(i == 0 ? "" : ",")
                .append('"')
                .append(parameters[i])
                .append("\":")
                .append(Float.toString(windows.get(w).window().mean(i)));
          }
          body.append('}');
        }
        requests.add(
            HttpRequest.newBuilder(URI.create(endpoint))
                .timeout(Duration.ofSeconds(10))
                .header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.append("]}").toString()))
                .build());
      }
    }
    for (ScoredWindow w : modelBatch > 1 ? List.<ScoredWindow>of() : windows) {
      StringBuilder url = new StringBuilder(endpoint).append('?');
      for (int i = 0; i < parameters.length; i++) {
        url.append(i == 0 ? "" : "&")
            .append(parameters[i])
            .append('=')
            .append(URLEncoder.encode(Float.toString(w.window().mean(i)), StandardCharsets.UTF_8));
      }
      requests.add(
          HttpRequest.newBuilder(URI.create(url.toString()))
              .timeout(Duration.ofSeconds(10))
              .header("Accept", "application/json")
              .GET()
              .build());
    }
    ExecutorService io = Executors.newFixedThreadPool(2);
    ExecutorService callers = Executors.newFixedThreadPool(modelConcurrency);
    HttpClient client =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(io).build();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(modelConcurrency);
    PhaseMeter.Running run = meter.start(name);
    for (int t = 0; t < modelConcurrency; t++) {
      callers.execute(
          () -> {
            try {
              for (int i = next.getAndIncrement();
                  i < requests.size();
                  i = next.getAndIncrement()) {
                HttpResponse<String> r =
                    client.send(requests.get(i), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                  failures.incrementAndGet();
                }
              }
            } catch (IOException e) {
              failures.incrementAndGet();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } finally {
              done.countDown();
            }
          });
    }
    done.await();
    Phase phase = run.stop();
    callers.shutdown();
    io.shutdown();
    if (failures.get() > 0) {
      throw new IllegalStateException(name + ": " + failures.get() + " failed calls");
    }
    LOG.info("[bench] {}", phase.describe());
    return phase;
  }

  /**
   * InfluxDB's acceptance rate for the due points: encoded by the fallback's encoder beforehand,
   * POSTed in chunks of 5 000 over one connection to a fresh database.
   */
  private static Phase influxAcceptance(
      InfluxDbServer influx, List<ScoredWindow> points, PhaseMeter meter, String name, String db)
      throws IOException, InterruptedException {
    influx.createDatabase(db);
    InfluxSettings settings =
        InfluxSettings.builder()
            .url(influx.url())
            .database(db)
            .measurement(MEASUREMENT)
            .sourceTag(FALLBACK_SOURCE)
            .build();
    LineProtocolEncoder encoder = LineProtocolEncoder.of(settings, WindowSpec.ofDefaults());
    int chunk = InfluxSettings.DEFAULT_CHUNK_SIZE;
    List<String> bodies = new ArrayList<>();
    for (int from = 0; from < points.size(); from += chunk) {
      StringBuilder sb = new StringBuilder();
      for (ScoredWindow w : points.subList(from, Math.min(points.size(), from + chunk))) {
        sb.append(encoder.encode(w)).append('\n');
      }
      bodies.add(sb.toString());
    }
    URI write =
        URI.create(
            influx.url()
                + "/write?precision=ms&db="
                + URLEncoder.encode(db, StandardCharsets.UTF_8));
    PhaseMeter.Running run = meter.start(name);
    for (String body : bodies) {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(write)
                  .timeout(Duration.ofSeconds(60))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 != 2) {
        throw new IllegalStateException(name + ": influxd answered " + r.statusCode());
      }
    }
    Phase phase = run.stop();
    LOG.info("[bench] {}", phase.describe());
    return phase;
  }

  private static String rate(long n, double seconds) {
    return String.format(Locale.ROOT, "%,.0f", n / seconds);
  }

  /**
   * Reads every record of the topic with a plain consumer; seconds from the first record to the
   * last.
   */
  private static Phase rawConsume(String bootstrap, long total, PhaseMeter meter, String name) {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false,
            ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
            10_000);
    PhaseMeter.Running run = meter.start(name);
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
      Phase p = run.stop();
      // the clock: first record to last (group-less assign, no join; the CPU is the whole phase's)
      Phase phase =
          new Phase(
              p.name(),
              (System.nanoTime() - first) / 1e9,
              p.jvmCpuSeconds(),
              p.childCpuSeconds(),
              p.peakHeapBytes(),
              p.peakRssBytes(),
              p.rssReset());
      LOG.info("[bench] {}", phase.describe());
      return phase;
    }
  }

  /** Polls until {@code count} reaches {@code due}; seconds since {@code startNanos}. */
  private long awaitCount(LongSupplier count, int due, PhaseMeter.Running run, String what)
      throws InterruptedException {
    long startNanos = run.startNanos();
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
        return at;
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
}
