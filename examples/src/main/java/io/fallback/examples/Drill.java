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
 *   <li>steady state on Flink; beside the main launcher run a <b>fast-path launcher</b> (check
 *       every 60 s, health probes every 5 s, 3 confirmations; own group and database) and a
 *       <b>wrong shadow</b> launcher (shadow mode with {@code processing.window_seconds: 10}, own
 *       group, never triggering): the drill waits for the wrong shadow to report differences, then
 *       stops it;
 *   <li><b>blip</b>: the Flink job fails once ({@link FlinkPrimaryJob.Throttle#failNext}) and
 *       Flink's restart strategy restarts it within ~2 s; repeated (at most {@value #BLIP_ATTEMPTS}
 *       times) until a probe of the fast launcher saw it; neither launcher may switch;
 *   <li><b>scenario "cancel"</b>: the Flink job is cancelled; the fallback triggers, takes over
 *       from Flink's committed offsets (rewound to the oldest window Flink has not written) and
 *       drains the backlog; the outage lasts until the fast launcher has triggered too (then it is
 *       stopped); Flink is restarted from its last retained checkpoint; the fallback hands back;
 *   <li>the main launcher is relaunched with {@code shadow.enabled}; in steady state its shadow
 *       must have compared windows and found no difference and no missing window;
 *   <li><b>scenario "cancel+shadow"</b>: the same cancel, with the warm take-over of shadow mode;
 *   <li><b>scenario "slow"</b> (with shadow mode when it is on): Flink is throttled below the input
 *       rate, so its consumer group's time lag crosses the threshold while it keeps running and
 *       writing; the fallback triggers; Flink is unthrottled, catches up, and the fallback hands
 *       back;
 *   <li>the producer stops; every due window must be written;
 *   <li><b>replay run</b>: a second fallback (forced, own group, own database) processes the whole
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

  /** The replay run's {@code source} tag. */
  public static final String REPLAY_SOURCE = "replay";

  /** The fast-path launcher's {@code source} tag (it writes to its own database). */
  static final String FAST_SOURCE = "fast-fallback";

  /** The wrong shadow's {@code source} tag (it writes nothing: shadow mode, never triggered). */
  static final String WRONG_SHADOW_SOURCE = "wrong-shadow";

  /** What is wrong in the wrong shadow's configuration. */
  static final String WRONG_SETTING = "processing.window_seconds: 10";

  /**
   * The fast confirmation's probe log lines ({@code ... unhealthy 1/3: ...}, {@code ... healthy
   * again}).
   */
  private static final String PROBE_LINE = "Flink health probe";

  /** The shadow's log line for one differing window. */
  private static final String DIFFERENCE_LINE = "Shadow difference:";

  /** The shadow's alert log line. */
  private static final String ALERT_LINE = "Shadow: the fallback would not produce";

  /** Failures injected at most until a probe of the fast launcher sees one. */
  static final int BLIP_ATTEMPTS = 5;

  private static final Logger LOG = LoggerFactory.getLogger("drill");

  /** Where the launchers' output is echoed, one line each as {@code [fallback] <line>}. */
  private static final Logger LAUNCHER_LOG = LoggerFactory.getLogger("fallback");

  static final String TOPIC = "stress-topic";
  static final String DATABASE = "flink_sink";
  static final String REPLAY_DATABASE = "drill_replay";
  static final String FAST_DATABASE = "drill_fast";
  static final Duration FAST_CHECK_INTERVAL = Duration.ofSeconds(60);
  static final Duration FAST_HEALTH_INTERVAL = Duration.ofSeconds(5);
  static final int FAST_CONFIRMATIONS = 3;

  /** The failure is injected this long before the fast launcher's next probe is due. */
  private static final Duration BLIP_LEAD = Duration.ofMillis(700);

  /** The measurement both pipelines write. */
  static final String MEASUREMENT = "nurse_stress";

  static final String JOB_NAME = "nurse-stress-primary";
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
  private String fallbackName = "fallback";
  private boolean shadowOn;
  private LauncherProcess fast;
  private ModeWatcher fastWatcher;
  private LauncherProcess wrongShadow;
  private ModeWatcher wrongWatcher;
  private Path jar;
  private Path workDir;
  private final Path outDir;
  private final String token = UUID.randomUUID().toString();

  // observations, collected as the timeline runs
  private final List<Scenario> scenarios = new ArrayList<>();
  private long replayStart = -1;
  private ModeWatcher.Activation replayActivation;
  private String failure;
  private DrillObservations.Launcher launcherSeen;
  private final List<DrillObservations.Launcher> otherLaunchers = new ArrayList<>();
  private final FastPathRun fastRun = new FastPathRun();
  private ModeWatcher.ShadowStatus shadowSteady;
  private ModeWatcher.ShadowStatus shadowEnd;
  private DrillObservations.WrongShadow wrongShadowSeen;

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
   * --seed=N}, {@code --no-replay}, {@code --no-fast-path}, {@code --no-shadow-mode}, {@code
   * --report=PATH}), prints the report, writes it as Markdown, and exits 0 when every check passed,
   * 1 otherwise (2 for invalid options).
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
        if (wrongShadow != null) {
          wrongShadowRun();
        }
        if (fast != null) {
          blip();
        }
        cancelScenario("cancel");
        if (settings.shadowMode()) {
          relaunchWithShadow();
          cancelScenario("cancel+shadow");
        }
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
      stopOthers();
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
    if (settings.fastPath()) {
      influx.createDatabase(FAST_DATABASE);
    }
    // the three launchers start side by side (each is a JVM: minutes on 2 cores one after another)
    CompletableFuture<LauncherProcess> main =
        CompletableFuture.supplyAsync(
            () -> launch("fallback", DrillConfigs.fallbackYaml(settings, false), recorder.url()));
    CompletableFuture<LauncherProcess> fastStart =
        settings.fastPath()
            ? CompletableFuture.supplyAsync(
                () -> launch("fast", DrillConfigs.fastYaml(settings), influx.url()))
            : CompletableFuture.completedFuture(null);
    CompletableFuture<LauncherProcess> wrongStart =
        settings.shadowMode()
            ? CompletableFuture.supplyAsync(
                () -> launch("wrong-shadow", DrillConfigs.wrongShadowYaml(), influx.url()))
            : CompletableFuture.completedFuture(null);
    CompletableFuture.allOf(main, fastStart, wrongStart).exceptionally(e -> null).join();
    RuntimeException launchFailure = null;
    for (CompletableFuture<LauncherProcess> launcher : List.of(main, fastStart, wrongStart)) {
      try {
        LauncherProcess started = launcher.join();
        if (started != null) {
          closing(started);
        }
      } catch (RuntimeException e) {
        launchFailure = launchFailure == null ? e : launchFailure;
      }
    }
    if (launchFailure != null) {
      throw launchFailure;
    }
    fallback = main.join();
    watcher = closing(new ModeWatcher(fallback::status, fallback::metrics, clock));
    fast = fastStart.join();
    if (fast != null) {
      fastWatcher = closing(new ModeWatcher(fast::status, fast::metrics, clock));
      event(
          "fast-path launcher started (pid "
              + fast.pid()
              + ", log "
              + fast.logFile().toAbsolutePath()
              + "): check every "
              + DrillReport.secs(FAST_CHECK_INTERVAL)
              + ", health probes every "
              + DrillReport.secs(FAST_HEALTH_INTERVAL)
              + " x "
              + FAST_CONFIRMATIONS
              + ", group drill-fast, database "
              + FAST_DATABASE);
    }
    wrongShadow = wrongStart.join();
    if (wrongShadow != null) {
      wrongWatcher = closing(new ModeWatcher(wrongShadow::status, wrongShadow::metrics, clock));
      event(
          "wrong shadow launcher started (pid "
              + wrongShadow.pid()
              + ", log "
              + wrongShadow.logFile().toAbsolutePath()
              + "): shadow mode with "
              + WRONG_SETTING
              + ", group drill-wrong-shadow, no health probe, never triggers");
    }
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
   * environment as a deployment would set them, and the log in {@code drill-<name>.log}. The main
   * launchers write through the recorder ({@code influxUrl}); the fast-path and wrong shadow
   * launchers talk to InfluxDB directly, so the write log holds only what the checks compare.
   */
  private LauncherProcess launch(String name, String yaml, String influxUrl) {
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
            "FALLBACK_INFLUXDB_URL", influxUrl,
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
   * Reads the main fallback's final metrics and shadow section, then stops it as an operator would
   * (SIGTERM) and keeps its exit code and log for the report.
   */
  private void stopFallback() {
    if (fallback == null) {
      return;
    }
    if (shadowOn && watcher != null) {
      try {
        shadowEnd = watcher.state().shadow();
      } catch (RuntimeException e) {
        LOG.warn("[drill] cannot read the fallback's last shadow section: {}", e.getMessage());
      }
    }
    launcherSeen = stop(fallbackName, fallback, watcher);
  }

  /** Stops the fast-path and wrong shadow launchers if the timeline did not. */
  private void stopOthers() {
    if (fast != null) {
      otherLaunchers.add(stop("fast", fast, fastWatcher));
      fast = null;
    }
    if (wrongShadow != null) {
      otherLaunchers.add(stop("wrong-shadow", wrongShadow, wrongWatcher));
      wrongShadow = null;
    }
  }

  /**
   * Closes the watcher, reads the final metrics, stops the launcher with SIGTERM and returns what
   * it showed from outside.
   */
  private DrillObservations.Launcher stop(
      String name, LauncherProcess launcher, ModeWatcher launcherWatcher) {
    if (launcherWatcher != null) {
      launcherWatcher.close();
    }
    String finalMetrics = null;
    try {
      finalMetrics = launcher.metrics();
    } catch (RuntimeException e) {
      LOG.warn("[drill] cannot read the {} launcher's final /metrics: {}", name, e.getMessage());
    }
    long t0 = clock.millis();
    boolean wasAlive = launcher.isAlive();
    launcher.close();
    Integer exitCode = launcher.exitCode();
    event(
        String.format(
            Locale.ROOT,
            "%s launcher %s: exit code %s after %.1f s (log %s)",
            name,
            wasAlive ? "stopped by SIGTERM" : "had already exited",
            exitCode,
            (clock.millis() - t0) / 1000.0,
            launcher.logFile().toAbsolutePath()));
    return new DrillObservations.Launcher(
        name,
        jar.getFileName().toString(),
        launcher.pid(),
        launcher.logFile().toAbsolutePath().toString(),
        exitCode,
        launcher.logText(),
        finalMetrics);
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

  /**
   * The wrong shadow (shadow mode with a wrong window size) beside the healthy primary: waits until
   * its {@code /status} shows a difference and its log the alert, keeps what it saw, stops it.
   */
  private void wrongShadowRun() throws StepTimeout {
    until(
        "the wrong shadow to report a difference and alert",
        () -> {
          wrongShadow.ensureRunning();
          ModeWatcher.ShadowStatus shadow = wrongWatcher.state().shadow();
          return shadow != null
              && shadow.differing() > 0
              && shadow.alerting()
              && !logLines(wrongShadow, ALERT_LINE).isEmpty();
        });
    ModeWatcher.ShadowMilestones milestones = wrongWatcher.shadowMilestones();
    ModeWatcher.ShadowStatus last = wrongWatcher.state().shadow();
    wrongShadowSeen =
        new DrillObservations.WrongShadow(
            WRONG_SETTING,
            milestones,
            last,
            logLines(wrongShadow, DIFFERENCE_LINE),
            logLines(wrongShadow, ALERT_LINE));
    ModeWatcher.ShadowStatus first = milestones.atFirstDifference();
    event(
        "WRONG SHADOW ("
            + WRONG_SETTING
            + "): compared / equal / differing / missing "
            + last.counts()
            + "; at its first difference "
            + (first == null ? "-" : first.counts())
            + ", "
            + (milestones.firstComparedAt() == null || milestones.firstDifferingAt() == null
                ? "-"
                : DrillReport.secs(
                    Duration.ofMillis(
                        milestones.firstDifferingAt() - milestones.firstComparedAt())))
            + " after its first comparison");
    otherLaunchers.add(stop("wrong-shadow", wrongShadow, wrongWatcher));
    wrongShadow = null;
  }

  /**
   * The one-probe blip: the Flink job fails once and Flink restarts it by itself within ~2 s. The
   * failure is injected {@link #BLIP_LEAD} before the fast launcher's next probe is due (its probes
   * run at a fixed rate; a probe's answer shows in {@code fallback_health_probes_total}), and again
   * (at most {@value #BLIP_ATTEMPTS} times) until a probe saw it unhealthy; then a healthy probe
   * must follow, and neither launcher may have switched.
   */
  private void blip() throws StepTimeout {
    int mainBefore = watcher.transitions().size();
    int fastBefore = fastWatcher.transitions().size();
    int logBefore = fast.logText().lines().toList().size();
    double unhealthyBefore = probes(fast, "unhealthy");
    event(
        "BLIP: flink's job fails once and restarts by itself (fixed delay 1 s), timed to the fast"
            + " launcher's probes");
    while (fastRun.injections < BLIP_ATTEMPTS && probes(fast, "unhealthy") <= unhealthyBefore) {
      double answered = probes(fast, "healthy") + probes(fast, "unhealthy");
      awaitProbe("a probe of the fast launcher", answered);
      long probedAt = clock.millis();
      pauseUntil(probedAt + FAST_HEALTH_INTERVAL.toMillis() - BLIP_LEAD.toMillis());
      double beforeInjection = probes(fast, "healthy") + probes(fast, "unhealthy");
      FlinkPrimaryJob.Throttle.failNext(THROTTLE);
      fastRun.injections++;
      awaitProbe("the fast launcher's probe after the injected failure", beforeInjection);
      event(
          "blip "
              + fastRun.injections
              + ": failure injected; the fast launcher's next probe: "
              + (probes(fast, "unhealthy") > unhealthyBefore ? "unhealthy" : "healthy"));
    }
    if (probes(fast, "unhealthy") > unhealthyBefore) {
      double healthy = probes(fast, "healthy");
      awaitProbe("a healthy probe of the fast launcher after the blip", healthy, "healthy");
      fastRun.healthyAfter = true;
    }
    // counted after the healthy probe: a restart can be seen by two probes (the job RESTARTING,
    // then its restart count risen)
    fastRun.unhealthyProbes = (long) (probes(fast, "unhealthy") - unhealthyBefore);
    fastRun.fastTransitions = fastWatcher.transitions().size() - fastBefore;
    fastRun.mainTransitions = watcher.transitions().size() - mainBefore;
    fastRun.fastMode = fastWatcher.state().mode();
    fastRun.mainMode = watcher.state().mode();
    fastRun.probeLines =
        fast.logText().lines().skip(logBefore).filter(l -> l.contains(PROBE_LINE)).toList();
    fastRun.probeLines =
        fastRun.probeLines.stream().map(l -> l.substring(l.indexOf(PROBE_LINE))).toList();
    event(
        String.format(
            Locale.ROOT,
            "blip done: %d failure(s) injected, %d unhealthy probe(s), then healthy: fast launcher"
                + " %s (%d transitions), main launcher %s (%d transitions)",
            fastRun.injections,
            fastRun.unhealthyProbes,
            fastRun.fastMode,
            fastRun.fastTransitions,
            fastRun.mainMode,
            fastRun.mainTransitions));
    awaitSteady();
  }

  /** {@code fallback_health_probes_total{result="..."}} of a launcher. */
  private static double probes(LauncherProcess launcher, String result) {
    String label = "result=\"" + result + "\"";
    return LauncherProcess.samples(launcher.metrics()).entrySet().stream()
        .filter(e -> e.getKey().startsWith("fallback_health_probes_total{"))
        .filter(e -> e.getKey().contains(label))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }

  /**
   * Waits until the fast launcher has answered another probe: its probe counters (both results, or
   * only {@code result}) rose above {@code above}. Polled every 50 ms, so that the drill knows when
   * a probe ran to within ~50 ms.
   */
  private void awaitProbe(String what, double above, String... result) throws StepTimeout {
    long deadline = System.nanoTime() + settings.stepTimeout().toNanos();
    while (true) {
      fast.ensureRunning();
      double now =
          result.length == 1
              ? probes(fast, result[0])
              : probes(fast, "healthy") + probes(fast, "unhealthy");
      if (now > above) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw timeout(what);
      }
      pause(Duration.ofMillis(50));
    }
  }

  /**
   * A fault of the primary: cancelled, restarted from its last retained checkpoint. In the first
   * cancel the fast-path launcher is timed too: the outage lasts until it has triggered, then it is
   * stopped.
   */
  private void cancelScenario(String name) throws StepTimeout {
    Scenario s = new Scenario(name, shadowOn);
    scenarios.add(s);
    boolean timeFast = fast != null;
    s.fault = clock.millis();
    if (timeFast) {
      fastRun.cancelFault = s.fault;
    }
    Optional<Path> checkpoint = primary.cancel();
    event(
        "SCENARIO "
            + name
            + ": flink job cancelled; last retained checkpoint "
            + checkpoint.map(p -> p.getFileName().toString()).orElse("none"));
    // the fallback's model calls (no X-Client header) get a 503 one time in five: it must retry,
    // never invent
    model.faults(ModelService.Faults.errors(0.2).onlyFor(""));
    event("model service: every 5th call of the fallback answers 503 until flink is back");
    s.trigger =
        awaitMode(
            watcher, fallback, Mode.FALLBACK, s.fault, "the fallback to trigger after the cancel");
    event("fallback triggered (" + describe(s.trigger) + ")");
    until(
        "the fallback to write windows past the fault",
        () -> newestPointTime(FALLBACK_SOURCE) >= s.fault);
    event("fallback caught up: newest fallback point " + ago(newestPointTime(FALLBACK_SOURCE)));
    pauseUntil(s.trigger.seenAt() + settings.outageAfterTrigger().toMillis());
    if (timeFast) {
      ModeWatcher.Seen seen =
          awaitMode(
              fastWatcher,
              fast,
              Mode.FALLBACK,
              s.fault,
              "the fast-path launcher to trigger after the cancel");
      fastRun.triggeredAt = seen.seenAt();
      fastRun.trigger = seen.transition();
      event(
          "fast-path launcher triggered "
              + DrillReport.secs(Duration.ofMillis(seen.seenAt() - s.fault))
              + " after the cancel ("
              + describe(seen)
              + "); main launcher: "
              + DrillReport.secs(Duration.ofMillis(s.trigger.seenAt() - s.fault)));
      otherLaunchers.add(stop("fast", fast, fastWatcher));
      fast = null;
    }
    s.recovery = clock.millis();
    model.faults(ModelService.Faults.NONE);
    Optional<Path> restoredFrom = primary.restartFromCheckpoint();
    event(
        "flink job restarted from "
            + restoredFrom.map(p -> p.getFileName().toString()).orElse("committed offsets"));
    s.handBack = awaitMode(watcher, fallback, Mode.PRIMARY, s.recovery, "the hand-back to flink");
    s.episode = watcher.episodeSince(s.fault).orElse(null);
    event("handed back to flink (" + describe(s.handBack) + "); " + takeOver(s.episode));
  }

  /**
   * Stops the main launcher (PRIMARY, after a hand-back) and starts it again on the same file with
   * {@code shadow.enabled: true}; waits for steady state and for its shadow to have compared
   * windows, and keeps its {@code shadow} section.
   */
  private void relaunchWithShadow() throws StepTimeout {
    otherLaunchers.add(stop(fallbackName, fallback, watcher));
    fallbackName = "fallback-shadow";
    fallback =
        closing(launch(fallbackName, DrillConfigs.fallbackYaml(settings, true), recorder.url()));
    watcher = closing(new ModeWatcher(fallback::status, fallback::metrics, clock));
    shadowOn = true;
    event(
        "main launcher relaunched with shadow.enabled: true (pid "
            + fallback.pid()
            + ", "
            + outDir.resolve("drill-" + fallbackName + ".yaml")
            + ", log "
            + fallback.logFile().toAbsolutePath()
            + ")");
    awaitSteady();
    int enough = 2 * settings.nurses();
    until(
        "the shadow to compare " + enough + " windows with flink's",
        () -> {
          ModeWatcher.ShadowStatus shadow = watcher.state().shadow();
          return shadow != null && shadow.compared() >= enough;
        });
    shadowSteady = watcher.state().shadow();
    event(
        "shadow mode in steady state: compared / equal / differing / missing "
            + shadowSteady.counts()
            + ", confirmed unscored "
            + shadowSteady.confirmed()
            + ", own "
            + shadowSteady.own()
            + ", pending "
            + shadowSteady.pending());
  }

  private void slowScenario() throws StepTimeout {
    awaitSteady();
    Scenario s = new Scenario(shadowOn ? "slow+shadow" : "slow", shadowOn);
    scenarios.add(s);
    s.fault = clock.millis();
    FlinkPrimaryJob.Throttle.set(THROTTLE, settings.slowRate());
    event(
        String.format(
            Locale.ROOT,
            "SCENARIO %s: flink throttled to %.0f records/s (input %d/s); it keeps running",
            s.name,
            settings.slowRate(),
            settings.inputRate()));
    s.trigger =
        awaitMode(
            watcher, fallback, Mode.FALLBACK, s.fault, "the fallback to trigger on flink's lag");
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
    s.handBack = awaitMode(watcher, fallback, Mode.PRIMARY, s.recovery, "the hand-back to flink");
    s.episode = watcher.episodeSince(s.fault).orElse(null);
    event("handed back to flink (" + describe(s.handBack) + "); " + takeOver(s.episode));
  }

  /** The lines of a launcher's log holding {@code marker}, each from the marker on. */
  private static List<String> logLines(LauncherProcess launcher, String marker) {
    return launcher
        .logText()
        .lines()
        .filter(l -> l.contains(marker))
        .map(l -> l.substring(l.indexOf(marker)))
        .toList();
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
    if (settings.replay()) {
      influx.createDatabase(REPLAY_DATABASE);
      try (LauncherProcess replay = launch("replay", DrillConfigs.replayYaml(), recorder.url())) {
        replayStart = clock.millis();
        replay.setMode("force-fallback");
        event(
            "REPLAY: a second fallback launcher (pid "
                + replay.pid()
                + ", log "
                + replay.logFile().toAbsolutePath()
                + "), forced through POST /mode, group drill-replay, database "
                + REPLAY_DATABASE
                + ", processes the whole topic");
        until(
            "the replay run to write every due window",
            () -> {
              replay.ensureRunning();
              return OutputCheck.of(reference, points(REPLAY_DATABASE)).missing() == 0;
            });
        replayActivation = ModeWatcher.Activation.parse(replay.status().get("activation"));
        event("replay run complete");
      }
    }
  }

  // ---------------------------------------------------------------- observations

  /**
   * What the run observed, read from the servers and the launcher; {@link DrillChecks} judges it.
   */
  private DrillObservations observe() {
    List<DrillObservations.Scenario> observed = scenarios.stream().map(Scenario::observed).toList();
    DrillObservations.FastPath fastPath = settings.fastPath() ? fastRun.observed() : null;
    DrillObservations.ShadowMode shadowMode =
        settings.shadowMode() && (shadowSteady != null || shadowEnd != null)
            ? new DrillObservations.ShadowMode(shadowSteady, shadowEnd)
            : null;
    if (producer == null || recorder == null) {
      return new DrillObservations(
          settings,
          timeline,
          wallTime(),
          failure,
          null,
          observed,
          null,
          launcherSeen,
          null,
          fastPath,
          shadowMode,
          wrongShadowSeen,
          otherLaunchers);
    }
    DrillObservations.Pipeline pipeline;
    DrillObservations.Replay replay = null;
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
      if (settings.replay() && replayStart > 0) {
        replay =
            new DrillObservations.Replay(replayStart, points(REPLAY_DATABASE), replayActivation);
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
          e.toString(),
          fastPath,
          shadowMode,
          wrongShadowSeen,
          otherLaunchers);
    }
    return new DrillObservations(
        settings,
        timeline,
        wallTime(),
        failure,
        pipeline,
        observed,
        replay,
        launcherSeen,
        null,
        fastPath,
        shadowMode,
        wrongShadowSeen,
        otherLaunchers);
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
    final boolean shadowMode;
    long fault;
    long recovery;
    ModeWatcher.Seen trigger;
    ModeWatcher.Seen handBack;
    ModeWatcher.Episode episode;

    Scenario(String name, boolean shadowMode) {
      this.name = name;
      this.shadowMode = shadowMode;
    }

    DrillObservations.Scenario observed() {
      return new DrillObservations.Scenario(
          name,
          fault,
          recovery,
          trigger == null ? null : trigger.seenAt(),
          handBack == null ? null : handBack.seenAt(),
          episode,
          shadowMode);
    }
  }

  /** What the fast-path launcher showed in the blip and the first cancel. */
  private static final class FastPathRun {
    int injections;
    long unhealthyProbes;
    boolean healthyAfter;
    int fastTransitions;
    int mainTransitions;
    Mode fastMode;
    Mode mainMode;
    List<String> probeLines = List.of();
    long cancelFault;
    Long triggeredAt;
    ModeWatcher.StatusTransition trigger;

    DrillObservations.FastPath observed() {
      return new DrillObservations.FastPath(
          injections,
          unhealthyProbes,
          healthyAfter,
          fastTransitions,
          mainTransitions,
          fastMode,
          mainMode,
          probeLines,
          cancelFault,
          triggeredAt,
          trigger);
    }
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

  private ModeWatcher.Seen awaitMode(
      ModeWatcher on, LauncherProcess launcher, Mode mode, long after, String what)
      throws StepTimeout {
    long deadline = System.nanoTime() + settings.stepTimeout().toNanos();
    while (true) {
      Optional<ModeWatcher.Seen> seen = on.await(mode, after, Duration.ofMillis(250));
      if (seen.isPresent()) {
        return seen.get();
      }
      launcher.ensureRunning();
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
