package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import io.fallback.core.mode.Mode;
import io.fallback.core.window.WindowSpec;
import io.fallback.testkit.FlinkCluster;
import io.fallback.testkit.InfluxDbServer;
import io.fallback.testkit.KafkaBroker;
import io.fallback.testkit.LauncherProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end-to-end drill: the whole nurse-stress pipeline in this JVM, two faults of the primary, and
 * checks of every window against what the producer sent.
 *
 * <p>Pipeline: the test kit's in-JVM Kafka broker ({@code stress-topic}, 2 partitions), a real
 * {@code influxd}, a Flink MiniCluster running {@link FlinkPrimaryJob}, the {@link ModelService},
 * the {@link SensorProducer} (a backlog, then live), and the fallback: the shipped launcher jar run
 * as its own process exactly as operators run it ({@code java -jar fallback-launcher.jar run
 * --config <file>}, see {@link LauncherProcess}), with a YAML file and the hosts of these servers
 * in its environment. The drill observes the fallback only from outside: {@code /status} (polled by
 * {@link ModeWatcher}), {@code /metrics}, its log file ({@code drill-fallback.log} under the target
 * directory), InfluxDB and Kafka. Both pipelines write to InfluxDB through an {@link
 * InfluxWriteRecorder}, which logs every acknowledged point.
 *
 * <p>Timeline, with compressed timings (check every 2 s, threshold 10 s, 3 violations, resume below
 * 5 s):
 *
 * <ol>
 *   <li>steady state on Flink;
 *   <li><b>scenario "cancel"</b>: the Flink job is cancelled; the fallback triggers, takes over
 *       from Flink's committed offsets (rewound to the oldest window Flink has not written) and
 *       drains the backlog; Flink is restarted from its last retained checkpoint; the fallback
 *       hands back;
 *   <li><b>scenario "slow"</b>: Flink is throttled below the input rate, so its consumer group's
 *       time lag crosses the threshold while it keeps running and writing; the fallback triggers;
 *       Flink is unthrottled, catches up, and the fallback hands back;
 *   <li>the producer stops; every due window must be written;
 *   <li><b>shadow run</b>: a second fallback (forced, own group, own database) processes the whole
 *       topic, so its points can be compared with Flink's point for point.
 * </ol>
 *
 * <p>Checks (DESIGN §5, §10): missing = 0, points differing from the {@link Reference} = 0 (means,
 * point time, stress level), conflicting = 0, points whose line-protocol bytes differ from the
 * reference's encoding = 0, windows re-written by the fallback itself = 0; overlap (written by
 * both, equal) and Flink's at-least-once re-writes are reported. Timings per scenario: detection
 * (fault → trigger), gap (last primary point → first fallback point), drain rate, hand-back, and
 * the take-over as a user feels it (DESIGN §9), from the {@code activation} object of {@code
 * /status}: trigger → first batch read (a check at {@value DrillChecks#FIRST_BATCH_BOUND_SECONDS}
 * s, the goal of 1 s reported) and trigger → first point written (goal 2 s plus the model and
 * InfluxDB time, reported). This class runs the timeline and collects what it observed ({@link
 * DrillObservations}); {@link DrillChecks} computes every check from that. The report is printed
 * and written as Markdown; {@link #main} exits 1 when a check fails.
 *
 * <p>Not thread-safe: run one drill per instance.
 */
public final class Drill {

  /** The fallback's {@code source} tag. */
  public static final String FALLBACK_SOURCE = "dask-fallback";

  /** The primary's {@code source} tag. */
  public static final String PRIMARY_SOURCE = "flink";

  /** The shadow run's {@code source} tag. */
  public static final String SHADOW_SOURCE = "shadow";

  private static final Logger LOG = LoggerFactory.getLogger("drill");

  /** Where the launchers' output is echoed, one line each as {@code [fallback] <line>}. */
  private static final Logger LAUNCHER_LOG = LoggerFactory.getLogger("fallback");

  private static final String TOPIC = "stress-topic";
  private static final String DATABASE = "flink_sink";
  private static final String SHADOW_DATABASE = "drill_shadow";

  /** The measurement both pipelines write. */
  static final String MEASUREMENT = "nurse_stress";

  private static final String JOB_NAME = "nurse-stress-primary";
  private static final String THROTTLE = "drill-primary";
  private static final WindowSpec SPEC = WindowSpec.ofDefaults();
  private static final Duration LAUNCHER_START_TIMEOUT = Duration.ofSeconds(60);

  private final DrillSettings settings;
  private final InstantSource clock = InstantSource.system();
  private final List<String> timeline = Collections.synchronizedList(new ArrayList<>());
  private final Deque<AutoCloseable> closers = new ArrayDeque<>();
  private long startMillis;

  // the pipeline, set while running
  private KafkaBroker kafka;
  private InfluxDbServer influx;
  private FlinkCluster flink;
  private ModelService model;
  private InfluxWriteRecorder recorder;
  private SensorProducer producer;
  private FlinkPrimaryJob primary;
  private ModeWatcher watcher;
  private LauncherProcess fallback;
  private Path jar;
  private Path workDir;
  private final Path outDir;
  private final String token = UUID.randomUUID().toString();

  // observations, collected as the timeline runs
  private final List<Scenario> scenarios = new ArrayList<>();
  private long shadowStart = -1;
  private ModeWatcher.Activation shadowActivation;
  private String failure;
  private DrillObservations.Launcher launcherSeen;

  /**
   * Creates a drill.
   *
   * @param settings sizes and timings
   */
  public Drill(DrillSettings settings) {
    this.settings = requireNonNull(settings, "settings");
    this.outDir = DrillSettings.targetDirectory();
  }

  /**
   * Runs the drill with the README's settings (or {@code --ci}, {@code --nurses=N}, {@code
   * --seed=N}, {@code --no-shadow}, {@code --report=PATH}), prints the report, writes it as
   * Markdown, and exits 0 when every check passed, 1 otherwise (2 for invalid options).
   *
   * @param args options
   */
  public static void main(String[] args) {
    DrillSettings settings;
    try {
      settings = DrillSettings.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("drill: " + e.getMessage());
      System.exit(2);
      return;
    }
    DrillReport report = new Drill(settings).run();
    System.out.println(report.render());
    writeMarkdown(report, settings.report());
    System.out.flush();
    System.exit(report.passed() ? 0 : 1);
  }

  /**
   * Writes the report as Markdown, creating the directory.
   *
   * @param report the report
   * @param path the file
   */
  static void writeMarkdown(DrillReport report, Path path) {
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(path, report.markdown());
      LOG.info("[drill] report written to {}", path.toAbsolutePath());
    } catch (IOException e) {
      LOG.warn("[drill] cannot write the report to {}: {}", path, e.toString());
    }
  }

  /**
   * Runs the whole drill and closes everything it started.
   *
   * @return the report
   */
  public DrillReport run() {
    startMillis = clock.millis();
    DrillReport report;
    try {
      try {
        start();
        steadyState();
        cancelScenario();
        slowScenario();
        finish();
      } catch (StepTimeout | RuntimeException e) {
        failure = e.getMessage();
        LOG.error(
            "[drill] the timeline stopped: {}",
            e.getMessage(),
            e instanceof StepTimeout ? null : e);
        event("STOPPED: " + e.getMessage());
      }
      stopFallback();
      report =
          DrillChecks.report(observe(), e -> LOG.error("[drill] cannot compute the report", e));
    } finally {
      closeAll();
    }
    return report;
  }

  // ---------------------------------------------------------------- timeline

  private void start() throws StepTimeout {
    jar = LauncherProcess.locate(); // before anything starts: a missing jar is a build problem
    event("starting Kafka (KRaft, in-JVM), influxd, a Flink MiniCluster and the model service");
    CompletableFuture<KafkaBroker> k = CompletableFuture.supplyAsync(KafkaBroker::start);
    CompletableFuture<InfluxDbServer> i = CompletableFuture.supplyAsync(InfluxDbServer::start);
    CompletableFuture<FlinkCluster> f = CompletableFuture.supplyAsync(FlinkCluster::start);
    // wait for all three, so that whatever started is closed even when another one failed
    CompletableFuture.allOf(k, i, f).exceptionally(e -> null).join();
    RuntimeException startFailure = null;
    for (CompletableFuture<? extends AutoCloseable> server : List.of(k, i, f)) {
      if (server.isCompletedExceptionally()) {
        try {
          server.join();
        } catch (RuntimeException e) {
          startFailure = startFailure == null ? e : startFailure;
        }
      } else {
        closing(server.join());
      }
    }
    if (startFailure != null) {
      throw startFailure;
    }
    kafka = k.join();
    influx = i.join();
    flink = f.join();
    try {
      model = closing(ModelService.start());
      workDir = Files.createTempDirectory("drill-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    kafka.createTopic(TOPIC, 2);
    influx.createDatabase(DATABASE);
    try {
      recorder = closing(InfluxWriteRecorder.start(influx.url(), clock));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    event(
        "servers up: kafka "
            + kafka.bootstrapServers()
            + ", influxd "
            + influx.url()
            + " (writers use the recorder "
            + recorder.url()
            + "), flink "
            + flink.restUrl()
            + ", model "
            + model.baseUrl());

    long now = clock.millis();
    producer =
        closing(
            SensorProducer.builder(kafka.bootstrapServers())
                .topic(TOPIC)
                .nurses(settings.nurses())
                .hz(settings.hz())
                .seed(settings.seed())
                .nullRate(settings.nullRate())
                .origin(now - settings.backlog().toMillis())
                .build());
    int backlog = producer.produceUntil(now);
    producer.startLive();
    event(
        String.format(
            Locale.ROOT,
            "producer: backlog of %,d records (%d s of event time), then live: %d nurses x %d Hz"
                + " = %d records/s, %s nulls",
            backlog,
            settings.backlog().toSeconds(),
            settings.nurses(),
            settings.hz(),
            settings.inputRate(),
            percent(settings.nullRate())));

    primary =
        FlinkPrimaryJob.start(
            flink,
            FlinkPrimaryJob.Settings.of(
                    kafka.bootstrapServers(),
                    model.predictUrl(),
                    recorder.url(),
                    workDir.resolve("checkpoints"))
                .withCheckpointInterval(settings.checkpointInterval())
                .withThrottle(THROTTLE));
    event(
        "flink job '"
            + JOB_NAME
            + "' running (checkpoints every "
            + DrillReport.secs(settings.checkpointInterval())
            + ", group flink-consumer)");
    until("flink caught up with the backlog", this::flinkLive);
    event("flink is live: newest flink point " + ago(newestPointTime(PRIMARY_SOURCE)));

    warmUpFlinkRest();
    fallback = closing(launch("fallback", fallbackYaml()));
    watcher = closing(new ModeWatcher(fallback::status, fallback::metrics, clock));
    event(
        "fallback launcher started as a process: java -jar "
            + jar.getFileName()
            + " run --config "
            + outDir.resolve("drill-fallback.yaml")
            + " (pid "
            + fallback.pid()
            + ", "
            + fallback.baseUrl()
            + "/status, log "
            + fallback.logFile().toAbsolutePath()
            + ")");
  }

  /**
   * Writes {@code drill-<name>.yaml} and starts the jar on it, with the servers' addresses in the
   * environment as a deployment would set them, and the log in {@code drill-<name>.log}.
   */
  private LauncherProcess launch(String name, String yaml) {
    Path config = outDir.resolve("drill-" + name + ".yaml");
    try {
      Files.createDirectories(outDir);
      Files.writeString(config, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + config, e);
    }
    Map<String, String> environment =
        Map.of(
            "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
            "FALLBACK_INFLUXDB_URL", recorder.url(),
            "FALLBACK_ML_SERVICE_ENDPOINT", model.predictUrl(),
            "FALLBACK_MONITORING_FLINK_REST_URL", flink.restUrl());
    return LauncherProcess.builder(jar, config)
        .name(name)
        .environment(environment)
        .token(token)
        .logFile(outDir.resolve("drill-" + name + ".log"))
        .startTimeout(LAUNCHER_START_TIMEOUT)
        .echo(LAUNCHER_LOG)
        .start();
  }

  /**
   * Reads the fallback's final metrics, then stops it as an operator would (SIGTERM) and keeps its
   * exit code and log for the report.
   */
  private void stopFallback() {
    if (fallback == null) {
      return;
    }
    if (watcher != null) {
      watcher.close();
    }
    String finalMetrics = null;
    try {
      finalMetrics = fallback.metrics();
    } catch (RuntimeException e) {
      LOG.warn("[drill] cannot read the fallback's final /metrics: {}", e.getMessage());
    }
    long t0 = clock.millis();
    boolean wasAlive = fallback.isAlive();
    fallback.close();
    Integer exitCode = fallback.exitCode();
    launcherSeen =
        new DrillObservations.Launcher(
            jar.getFileName().toString(),
            fallback.pid(),
            fallback.logFile().toAbsolutePath().toString(),
            exitCode,
            fallback.logText(),
            finalMetrics);
    event(
        String.format(
            Locale.ROOT,
            "fallback launcher %s: exit code %s after %.1f s (log %s)",
            wasAlive ? "stopped by SIGTERM" : "had already exited",
            exitCode,
            (clock.millis() - t0) / 1000.0,
            fallback.logFile().toAbsolutePath()));
  }

  private void steadyState() throws StepTimeout {
    awaitSteady();
    event("steady state on flink: mode PRIMARY, no violation for " + DrillReport.secs(steadyFor()));
  }

  /** PRIMARY, no violation counted and flink live, held for two check intervals. */
  private void awaitSteady() throws StepTimeout {
    long[] okSince = {0};
    until(
        "steady state (PRIMARY, no violation, flink live, for "
            + DrillReport.secs(steadyFor())
            + ")",
        () -> {
          ModeWatcher.Snapshot state = watcher.state();
          boolean ok = state.mode() == Mode.PRIMARY && state.violations() == 0 && flinkLive();
          long now = clock.millis();
          if (!ok) {
            okSince[0] = 0;
            return false;
          }
          if (okSince[0] == 0) {
            okSince[0] = now;
          }
          return now - okSince[0] >= steadyFor().toMillis();
        });
  }

  private Duration steadyFor() {
    return settings.checkInterval().multipliedBy(2);
  }

  private void cancelScenario() throws StepTimeout {
    Scenario s = new Scenario("cancel");
    scenarios.add(s);
    s.fault = clock.millis();
    Optional<Path> checkpoint = primary.cancel();
    event(
        "SCENARIO cancel: flink job cancelled; last retained checkpoint "
            + checkpoint.map(p -> p.getFileName().toString()).orElse("none"));
    // the fallback's model calls (no X-Client header) get a 503 one time in five: it must retry,
    // never invent
    model.faults(ModelService.Faults.errors(0.2).onlyFor(""));
    event("model service: every 5th call of the fallback answers 503 until flink is back");
    s.trigger = awaitMode(Mode.FALLBACK, s.fault, "the fallback to trigger after the cancel");
    event("fallback triggered (" + describe(s.trigger) + ")");
    until(
        "the fallback to write windows past the fault",
        () -> newestPointTime(FALLBACK_SOURCE) >= s.fault);
    event("fallback caught up: newest fallback point " + ago(newestPointTime(FALLBACK_SOURCE)));
    pauseUntil(s.trigger.seenAt() + settings.outageAfterTrigger().toMillis());
    s.recovery = clock.millis();
    model.faults(ModelService.Faults.NONE);
    Optional<Path> restoredFrom = primary.restartFromCheckpoint();
    event(
        "flink job restarted from "
            + restoredFrom.map(p -> p.getFileName().toString()).orElse("committed offsets"));
    s.handBack = awaitMode(Mode.PRIMARY, s.recovery, "the hand-back to flink");
    s.episode = watcher.episodeSince(s.fault).orElse(null);
    event("handed back to flink (" + describe(s.handBack) + "); " + takeOver(s.episode));
  }

  private void slowScenario() throws StepTimeout {
    awaitSteady();
    Scenario s = new Scenario("slow");
    scenarios.add(s);
    s.fault = clock.millis();
    FlinkPrimaryJob.Throttle.set(THROTTLE, settings.slowRate());
    event(
        String.format(
            Locale.ROOT,
            "SCENARIO slow: flink throttled to %.0f records/s (input %d/s); it keeps running",
            settings.slowRate(),
            settings.inputRate()));
    s.trigger = awaitMode(Mode.FALLBACK, s.fault, "the fallback to trigger on flink's lag");
    event("fallback triggered (" + describe(s.trigger) + ")");
    pauseUntil(s.trigger.seenAt() + settings.slowAfterTrigger().toMillis());
    // the scenario is about taking over: flink stays slow until the fallback has written (a slow
    // take-over shows in the figures, it does not make the scenario vacuous)
    until(
        "the fallback's first point after the trigger",
        () ->
            recorder.writes().stream()
                .anyMatch(
                    w ->
                        w.source().equals(FALLBACK_SOURCE)
                            && w.receivedAt() >= s.trigger.seenAt()));
    s.recovery = clock.millis();
    FlinkPrimaryJob.Throttle.set(THROTTLE, 0);
    event("flink unthrottled");
    s.handBack = awaitMode(Mode.PRIMARY, s.recovery, "the hand-back to flink");
    s.episode = watcher.episodeSince(s.fault).orElse(null);
    event("handed back to flink (" + describe(s.handBack) + "); " + takeOver(s.episode));
  }

  private static String describe(ModeWatcher.Seen seen) {
    ModeWatcher.StatusTransition t = seen.transition();
    return t.cause() + ": " + t.detail();
  }

  /** One line on the take-over of an episode, from its /status activation. */
  private static String takeOver(ModeWatcher.Episode episode) {
    ModeWatcher.Activation a = episode == null ? null : episode.activation();
    if (a == null) {
      return "take-over figures not reported (/status has no activation)";
    }
    return String.format(
        Locale.ROOT,
        "activation: trigger -> first batch read %s, -> first point written %s,"
            + " %,d records read, %,d points written, loop %s%s",
        DrillReport.secs(a.toFirstBatch()),
        DrillReport.secs(a.toFirstWrite()),
        a.recordsRead(),
        a.pointsWritten(),
        a.loop(),
        a.lastError() == null ? "" : ", last error " + a.lastError());
  }

  private void finish() throws StepTimeout {
    producer.stopLive();
    event(
        String.format(
            Locale.ROOT, "producer stopped: %,d records acknowledged", producer.sentCount()));
    Reference reference = Reference.ofDefaults(producer.sent());
    until(
        "every due window in InfluxDB",
        () -> OutputCheck.of(reference, points(DATABASE)).missing() == 0);
    event(
        String.format(Locale.ROOT, "all %,d due windows are in InfluxDB", reference.due().size()));
    if (settings.shadow()) {
      influx.createDatabase(SHADOW_DATABASE);
      try (LauncherProcess shadow = launch("shadow", shadowYaml())) {
        shadowStart = clock.millis();
        shadow.setMode("force-fallback");
        event(
            "SHADOW: a second fallback launcher (pid "
                + shadow.pid()
                + ", log "
                + shadow.logFile().toAbsolutePath()
                + "), forced through POST /mode, group drill-shadow, database "
                + SHADOW_DATABASE
                + ", processes the whole topic");
        until(
            "the shadow run to write every due window",
            () -> {
              shadow.ensureRunning();
              return OutputCheck.of(reference, points(SHADOW_DATABASE)).missing() == 0;
            });
        shadowActivation = ModeWatcher.Activation.parse(shadow.status().get("activation"));
        event("shadow run complete");
      }
    }
  }

  // ---------------------------------------------------------------- observations

  /**
   * What the run observed, read from the servers and the launcher; {@link DrillChecks} judges it.
   */
  private DrillObservations observe() {
    List<DrillObservations.Scenario> observed = scenarios.stream().map(Scenario::observed).toList();
    if (producer == null || recorder == null) {
      return new DrillObservations(
          settings, timeline, wallTime(), failure, null, observed, null, launcherSeen, null);
    }
    DrillObservations.Pipeline pipeline;
    DrillObservations.Shadow shadow = null;
    try {
      pipeline =
          new DrillObservations.Pipeline(
              Reference.ofDefaults(producer.sent()),
              producer.failures(),
              points(DATABASE),
              recorder.writes(),
              deadLetters(),
              recorder.failedWrites(),
              model.predictions("flink"),
              model.predictions(""),
              model.injectedErrors());
      if (settings.shadow() && shadowStart > 0) {
        shadow =
            new DrillObservations.Shadow(shadowStart, points(SHADOW_DATABASE), shadowActivation);
      }
    } catch (RuntimeException e) {
      LOG.error("[drill] cannot read the observations", e);
      return new DrillObservations(
          settings,
          timeline,
          wallTime(),
          failure,
          null,
          observed,
          null,
          launcherSeen,
          e.toString());
    }
    return new DrillObservations(
        settings, timeline, wallTime(), failure, pipeline, observed, shadow, launcherSeen, null);
  }

  private Duration wallTime() {
    return Duration.ofMillis(clock.millis() - startMillis);
  }

  /**
   * A JobManager that has served no REST request yet answers its first ones slowly (handlers, JSON
   * classes), which on a loaded machine exceeds the 2 s probe timeout; a deployed JobManager is
   * warm.
   */
  private void warmUpFlinkRest() {
    HttpClient http = HttpClient.newHttpClient();
    for (int round = 0; round < 3; round++) {
      for (String path :
          List.of(
              "/jobs/overview",
              "/jobs/" + primary.jobId(),
              "/jobs/" + primary.jobId() + "/checkpoints")) {
        try {
          http.send(
              HttpRequest.newBuilder(URI.create(flink.restUrl() + path))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
          LOG.debug("[drill] warm-up {}: {}", path, e.toString());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Records in the fallback's dead-letter topic: 0 when it was never created. */
  private long deadLetters() {
    String dlq = TOPIC + ".dlq";
    try {
      TopicDescription description =
          kafka
              .admin()
              .describeTopics(List.of(dlq))
              .allTopicNames()
              .get(10, TimeUnit.SECONDS)
              .get(dlq);
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      description
          .partitions()
          .forEach(p -> latest.put(new TopicPartition(dlq, p.partition()), OffsetSpec.latest()));
      return kafka.admin().listOffsets(latest).all().get(10, TimeUnit.SECONDS).values().stream()
          .mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset)
          .sum();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return 0;
      }
      throw new IllegalStateException("cannot read the end offsets of " + dlq, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("cannot read the end offsets of " + dlq + " within 10 s", e);
    }
  }

  /** What one scenario observed, filled in as its timeline runs. */
  private static final class Scenario {
    final String name;
    long fault;
    long recovery;
    ModeWatcher.Seen trigger;
    ModeWatcher.Seen handBack;
    ModeWatcher.Episode episode;

    Scenario(String name) {
      this.name = name;
    }

    DrillObservations.Scenario observed() {
      return new DrillObservations.Scenario(
          name,
          fault,
          recovery,
          trigger == null ? null : trigger.seenAt(),
          handBack == null ? null : handBack.seenAt(),
          episode);
    }
  }

  // ---------------------------------------------------------------- configuration

  /**
   * The fallback's file. The hosts (Kafka, InfluxDB, model service, Flink REST), the status port
   * and the admin token come from the environment ({@link #launch}), as a deployment sets them.
   * Batches as the seed sizes them: {@code batch_timeout_seconds: 30} (a batch is handed over when
   * full or 30 s after its first record), {@code batch_size: 20000}.
   */
  private String fallbackYaml() {
    return String.join(
        "\n",
        "kafka:",
        "  topic: " + TOPIC,
        "  group_id: dask-fallback-consumer",
        "  auto_offset_reset: earliest",
        "processing:",
        "  batch_size: 20000",
        "  batch_timeout_seconds: 30",
        "  commit_interval_ms: 1000",
        "monitoring:",
        "  latency_threshold_seconds: " + settings.threshold().toSeconds(),
        "  consecutive_violations: " + settings.violations(),
        "  check_interval_seconds: " + settings.checkInterval().toSeconds(),
        "  resume_threshold_seconds: " + settings.resume().toSeconds(),
        "  consecutive_recoveries: " + settings.recoveries(),
        "  probe_timeout_seconds: 2",
        "  latency_source: kafka_lag",
        "  primary_group_id: flink-consumer",
        "  health_probe: flink_rest",
        "  flink_job_name: " + JOB_NAME,
        "ml_service:",
        "  timeout_seconds: 5",
        "  retry_attempts: 3",
        "influxdb:",
        "  database: " + DATABASE,
        "  measurement: " + MEASUREMENT,
        "  source_tag: " + FALLBACK_SOURCE,
        "  primary_source: " + PRIMARY_SOURCE,
        "");
  }

  /**
   * A fallback that owns the whole topic: its own group, no primary group, no health probe, own
   * database. Its batch timeout is short on purpose: it compares outputs, and its last batch would
   * otherwise wait 30 s for records that never come.
   */
  private String shadowYaml() {
    return String.join(
        "\n",
        "kafka:",
        "  topic: " + TOPIC,
        "  group_id: drill-shadow",
        "  auto_offset_reset: earliest",
        "processing:",
        "  batch_size: 20000",
        "  batch_timeout_seconds: 0.2",
        "monitoring:",
        "  check_interval_seconds: 60",
        "  primary_group_id: drill-no-primary",
        "  health_probe: none",
        "influxdb:",
        "  database: " + SHADOW_DATABASE,
        "  measurement: " + MEASUREMENT,
        "  source_tag: " + SHADOW_SOURCE,
        "");
  }

  // ---------------------------------------------------------------- helpers

  /** Flink has written a window that ends no earlier than window + out-of-orderness + 4 s ago. */
  private boolean flinkLive() {
    long newest = newestPointTime(PRIMARY_SOURCE);
    return newest
        >= clock.millis() - SPEC.size().toMillis() - SPEC.maxOutOfOrderness().toMillis() - 4_000;
  }

  private long newestPointTime(String source) {
    return recorder.writes().stream()
        .filter(w -> w.source().equals(source))
        .mapToLong(InfluxWriteRecorder.Write::time)
        .max()
        .orElse(Long.MIN_VALUE);
  }

  private String ago(long pointTime) {
    return pointTime == Long.MIN_VALUE
        ? "none"
        : String.format(Locale.ROOT, "%.1f s old", (clock.millis() - pointTime) / 1000.0);
  }

  private List<InfluxPoints.Point> points(String database) {
    return InfluxPoints.read(influx.url(), database, MEASUREMENT);
  }

  private ModeWatcher.Seen awaitMode(Mode mode, long after, String what) throws StepTimeout {
    long deadline = System.nanoTime() + settings.stepTimeout().toNanos();
    while (true) {
      Optional<ModeWatcher.Seen> seen = watcher.await(mode, after, Duration.ofMillis(250));
      if (seen.isPresent()) {
        return seen.get();
      }
      fallback.ensureRunning();
      if (System.nanoTime() > deadline) {
        throw timeout(what);
      }
    }
  }

  /**
   * Polls a condition until it holds; fails at once, with the last lines of its log, when the
   * fallback process (or the one the condition watches) has exited.
   */
  private void until(String what, BooleanSupplier condition) throws StepTimeout {
    long deadline = System.nanoTime() + settings.stepTimeout().toNanos();
    while (true) {
      if (fallback != null) {
        fallback.ensureRunning();
      }
      boolean ok;
      try {
        ok = condition.getAsBoolean();
      } catch (LauncherProcess.Exited e) {
        throw e;
      } catch (RuntimeException e) {
        LOG.debug("[drill] waiting for {}: {}", what, e.toString());
        ok = false;
      }
      if (ok) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw timeout(what);
      }
      pause(Duration.ofMillis(250));
    }
  }

  /** A step that did not happen, with what the fallback's /status showed then. */
  private StepTimeout timeout(String what) {
    String seen = "";
    if (watcher != null) {
      try {
        ModeWatcher.Snapshot state = watcher.state();
        ModeWatcher.Activation a = state.activation();
        seen =
            " (fallback: mode "
                + state.mode()
                + ", violations "
                + state.violations()
                + (a == null
                    ? ""
                    : ", loop "
                        + a.loop()
                        + ", "
                        + a.recordsRead()
                        + " records read, "
                        + a.pointsWritten()
                        + " points written"
                        + (a.lastError() == null ? "" : ", last error " + a.lastError()))
                + "; log "
                + fallback.logFile().toAbsolutePath()
                + ")";
      } catch (RuntimeException e) {
        seen = " (fallback /status not read: " + e.getMessage() + ")";
      }
    }
    return new StepTimeout(
        "no " + what + " within " + DrillReport.secs(settings.stepTimeout()) + seen);
  }

  private void pauseUntil(long epochMillis) {
    long wait = epochMillis - clock.millis();
    if (wait > 0) {
      pause(Duration.ofMillis(wait));
    }
  }

  /** The drill's script waits for durations; it is not synchronisation. */
  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("drill interrupted", e);
    }
  }

  private void event(String text) {
    String line =
        String.format(Locale.ROOT, "+%6.1f s  %s", (clock.millis() - startMillis) / 1000.0, text);
    timeline.add(line);
    LOG.info("[drill] {}", text);
  }

  private <T extends AutoCloseable> T closing(T resource) {
    closers.push(resource);
    return resource;
  }

  private void closeAll() {
    FlinkPrimaryJob.Throttle.set(THROTTLE, 0);
    if (producer != null) {
      producer.stopLive();
    }
    while (!closers.isEmpty()) {
      AutoCloseable c = closers.pop();
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("[drill] error closing {}: {}", c, e.toString());
      }
    }
    if (workDir != null) {
      try (Stream<Path> files = Files.walk(workDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        LOG.debug("[drill] cannot delete {}: {}", workDir, e.toString());
      }
    }
  }

  private static String percent(double rate) {
    return String.format(Locale.ROOT, "%.1f %%", rate * 100);
  }

  /** A step of the timeline did not happen in time. */
  static final class StepTimeout extends Exception {
    private static final long serialVersionUID = 1L;

    StepTimeout(String message) {
      super(message);
    }
  }
}
