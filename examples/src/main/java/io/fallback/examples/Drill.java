package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Override;
import io.fallback.core.mode.Transition;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.influx.LineProtocolEncoder;
import io.fallback.launcher.FallbackApplication;
import io.fallback.launcher.config.ConfigLoader;
import io.fallback.launcher.config.FallbackConfig;
import io.fallback.testkit.FlinkCluster;
import io.fallback.testkit.InfluxDbServer;
import io.fallback.testkit.KafkaBroker;
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
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
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
 * <p>Pipeline: the test kit's in-JVM Kafka broker ({@code stress-topic}, 2 partitions), a real {@code
 * influxd}, a Flink MiniCluster running {@link FlinkPrimaryJob}, the {@link ModelService}, the {@link
 * SensorProducer} (a backlog, then live), and the fallback launcher in-process ({@link FallbackApplication})
 * configured by YAML pointing at these servers. Both pipelines write to InfluxDB through an {@link
 * InfluxWriteRecorder}, which logs every acknowledged point.
 *
 * <p>Timeline, with compressed timings (check every 2 s, threshold 10 s, 3 violations, resume below 5 s):
 *
 * <ol>
 *   <li>steady state on Flink;
 *   <li><b>scenario "cancel"</b>: the Flink job is cancelled; the fallback triggers, takes over from
 *       Flink's committed offsets (rewound to the oldest window Flink has not written) and drains the
 *       backlog; Flink is restarted from its last retained checkpoint; the fallback hands back;
 *   <li><b>scenario "slow"</b>: Flink is throttled below the input rate, so its consumer group's time lag
 *       crosses the threshold while it keeps running and writing; the fallback triggers; Flink is
 *       unthrottled, catches up, and the fallback hands back;
 *   <li>the producer stops; every due window must be written;
 *   <li><b>shadow run</b>: a second fallback (forced, own group, own database) processes the whole topic,
 *       so its points can be compared with Flink's point for point.
 * </ol>
 *
 * <p>Checks (DESIGN §5, §10): missing = 0, points differing from the {@link Reference} = 0 (means, point
 * time, stress level), conflicting = 0, points whose line-protocol bytes differ from the reference's
 * encoding = 0, windows re-written by the fallback itself = 0; overlap (written by both, equal) and
 * Flink's at-least-once re-writes are reported. Timings per scenario: detection (fault → trigger), gap
 * (last primary point → first fallback point), drain rate, hand-back. The report is printed and written as
 * Markdown; {@link #main} exits 1 when a check fails.
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
  private static final String TOPIC = "stress-topic";
  private static final String DATABASE = "flink_sink";
  private static final String SHADOW_DATABASE = "drill_shadow";
  private static final String MEASUREMENT = "nurse_stress";
  private static final String JOB_NAME = "nurse-stress-primary";
  private static final String THROTTLE = "drill-primary";
  private static final WindowSpec SPEC = WindowSpec.ofDefaults();

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
  private Path workDir;

  // observations
  private final List<Scenario> scenarios = new ArrayList<>();
  private long shadowStart = -1;
  private String failure;

  /**
   * Creates a drill.
   *
   * @param settings sizes and timings
   */
  public Drill(DrillSettings settings) {
    this.settings = requireNonNull(settings, "settings");
  }

  /**
   * Runs the drill with the README's settings (or {@code --ci}, {@code --nurses=N}, {@code --seed=N},
   * {@code --no-shadow}, {@code --report=PATH}), prints the report, writes it as Markdown, and exits 0 when
   * every check passed, 1 otherwise (2 for invalid options).
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
        LOG.error("[drill] the timeline stopped: {}", e.getMessage(), e instanceof StepTimeout ? null : e);
        event("STOPPED: " + e.getMessage());
      }
      report = report();
    } finally {
      closeAll();
    }
    return report;
  }

  // ---------------------------------------------------------------- timeline

  private void start() throws StepTimeout {
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
    event("servers up: kafka " + kafka.bootstrapServers() + ", influxd " + influx.url() + " (writers use the recorder "
        + recorder.url() + "), flink " + flink.restUrl() + ", model " + model.baseUrl());

    long now = clock.millis();
    producer = closing(SensorProducer.builder(kafka.bootstrapServers())
        .topic(TOPIC)
        .nurses(settings.nurses())
        .hz(settings.hz())
        .seed(settings.seed())
        .nullRate(settings.nullRate())
        .origin(now - settings.backlog().toMillis())
        .build());
    int backlog = producer.produceUntil(now);
    producer.startLive();
    event(String.format(Locale.ROOT, "producer: backlog of %,d records (%d s of event time), then live: %d nurses x %d Hz"
        + " = %d records/s, %s nulls", backlog, settings.backlog().toSeconds(), settings.nurses(), settings.hz(),
        settings.inputRate(), percent(settings.nullRate())));

    primary = FlinkPrimaryJob.start(flink, FlinkPrimaryJob.Settings.of(
            kafka.bootstrapServers(), model.predictUrl(), recorder.url(), workDir.resolve("checkpoints"))
        .withCheckpointInterval(settings.checkpointInterval())
        .withThrottle(THROTTLE));
    event("flink job '" + JOB_NAME + "' running (checkpoints every " + DrillReport.secs(settings.checkpointInterval())
        + ", group flink-consumer)");
    until("flink caught up with the backlog", this::flinkLive);
    event("flink is live: newest flink point " + ago(newestPointTime(PRIMARY_SOURCE)));

    warmUpFlinkRest();
    FallbackApplication fallback = closing(FallbackApplication.start(config(fallbackYaml()), Map.of()));
    watcher = closing(new ModeWatcher(fallback::state));
    event("fallback launcher started in-process (status http://127.0.0.1:" + fallback.statusPort() + "/status)");
  }

  private void steadyState() throws StepTimeout {
    awaitSteady();
    event("steady state on flink: mode PRIMARY, no violation for " + DrillReport.secs(steadyFor()));
  }

  /** PRIMARY, no violation counted and flink live, held for two check intervals. */
  private void awaitSteady() throws StepTimeout {
    long[] okSince = {0};
    until("steady state (PRIMARY, no violation, flink live, for " + DrillReport.secs(steadyFor()) + ")", () -> {
      ModeState state = watcher.state();
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
    event("SCENARIO cancel: flink job cancelled; last retained checkpoint "
        + checkpoint.map(p -> p.getFileName().toString()).orElse("none"));
    // the fallback's model calls (no X-Client header) get a 503 one time in five: it must retry, never invent
    model.faults(ModelService.Faults.errors(0.2).onlyFor(""));
    event("model service: every 5th call of the fallback answers 503 until flink is back");
    s.trigger = awaitMode(Mode.FALLBACK, s.fault, "the fallback to trigger after the cancel");
    event("fallback triggered (" + describe(s.trigger) + ")");
    until("the fallback to write windows past the fault", () -> newestPointTime(FALLBACK_SOURCE) >= s.fault);
    event("fallback caught up: newest fallback point " + ago(newestPointTime(FALLBACK_SOURCE)));
    pauseUntil(s.trigger.seenAt() + settings.outageAfterTrigger().toMillis());
    s.recovery = clock.millis();
    model.faults(ModelService.Faults.NONE);
    Optional<Path> restoredFrom = primary.restartFromCheckpoint();
    event("flink job restarted from " + restoredFrom.map(p -> p.getFileName().toString()).orElse("committed offsets"));
    s.handBack = awaitMode(Mode.PRIMARY, s.recovery, "the hand-back to flink");
    event("handed back to flink (" + describe(s.handBack) + ")");
  }

  private void slowScenario() throws StepTimeout {
    awaitSteady();
    Scenario s = new Scenario("slow");
    scenarios.add(s);
    s.fault = clock.millis();
    FlinkPrimaryJob.Throttle.set(THROTTLE, settings.slowRate());
    event(String.format(Locale.ROOT, "SCENARIO slow: flink throttled to %.0f records/s (input %d/s); it keeps running",
        settings.slowRate(), settings.inputRate()));
    s.trigger = awaitMode(Mode.FALLBACK, s.fault, "the fallback to trigger on flink's lag");
    event("fallback triggered (" + describe(s.trigger) + ")");
    pauseUntil(s.trigger.seenAt() + settings.slowAfterTrigger().toMillis());
    s.recovery = clock.millis();
    FlinkPrimaryJob.Throttle.set(THROTTLE, 0);
    event("flink unthrottled");
    s.handBack = awaitMode(Mode.PRIMARY, s.recovery, "the hand-back to flink");
    event("handed back to flink (" + describe(s.handBack) + ")");
  }

  private static String describe(ModeWatcher.Seen seen) {
    Transition t = seen.transition();
    return t.cause() + ": " + t.detail();
  }

  private void finish() throws StepTimeout {
    producer.stopLive();
    event(String.format(Locale.ROOT, "producer stopped: %,d records acknowledged", producer.sentCount()));
    Reference reference = Reference.ofDefaults(producer.sent());
    until("every due window in InfluxDB", () -> OutputCheck.of(reference, points(DATABASE)).missing() == 0);
    event(String.format(Locale.ROOT, "all %,d due windows are in InfluxDB", reference.due().size()));
    if (settings.shadow()) {
      influx.createDatabase(SHADOW_DATABASE);
      shadowStart = clock.millis();
      FallbackApplication shadow = FallbackApplication.start(config(shadowYaml()), Map.of());
      try {
        shadow.override(Override.FORCE_FALLBACK);
        event("SHADOW: a second fallback (forced, group drill-shadow, database " + SHADOW_DATABASE
            + ") processes the whole topic");
        until("the shadow run to write every due window",
            () -> OutputCheck.of(reference, points(SHADOW_DATABASE)).missing() == 0);
        event("shadow run complete");
      } finally {
        shadow.close();
      }
    }
  }

  // ---------------------------------------------------------------- report

  private DrillReport report() {
    List<DrillReport.Check> checks = new ArrayList<>();
    List<String> samples = new ArrayList<>();
    List<DrillReport.Timings> timings = new ArrayList<>();
    String title = String.format(Locale.ROOT, "nurse-stress: %d nurses x %d Hz, check every %s, threshold %s x %d,"
        + " resume < %s, flink checkpoints every %s", settings.nurses(), settings.hz(),
        DrillReport.secs(settings.checkInterval()), DrillReport.secs(settings.threshold()), settings.violations(),
        DrillReport.secs(settings.resume()), DrillReport.secs(settings.checkpointInterval()));
    if (producer == null || recorder == null) {
      return new DrillReport(title, checks, timings, timeline, samples,
          Duration.ofMillis(clock.millis() - startMillis), failure == null ? "did not start" : failure);
    }
    try {
      Reference reference = Reference.ofDefaults(producer.sent());
      List<InfluxPoints.Point> stored = points(DATABASE);
      List<InfluxWriteRecorder.Write> writes = recorder.writes();
      OutputCheck check = OutputCheck.of(reference, stored);
      samples.addAll(check.samples());

      checks.add(DrillReport.Check.info("records produced (acknowledged by Kafka)",
          String.format(Locale.ROOT, "%,d", reference.records()), "input"));
      checks.add(DrillReport.Check.equal("records the producer failed to send", producer.failures(), 0));
      checks.add(DrillReport.Check.info("windows due (id x 5 s window with input)",
          String.format(Locale.ROOT, "%,d", check.due()), "from the reference"));
      checks.add(DrillReport.Check.equal("missing windows (due, no point)", check.missing(), 0));
      checks.add(DrillReport.Check.equal("points differing from the reference", check.mismatches(), 0));
      checks.add(DrillReport.Check.equal("conflicting (both sources, different values)", check.conflicting(), 0));

      Map<Reference.WindowKey, List<InfluxWriteRecorder.Write>> byWindow = byWindow(writes);
      int bytesDiffer = 0;
      int selfRewrites = 0;
      int flinkRewrites = 0;
      int byteConflicts = 0;
      LineProtocolEncoder encoder = new LineProtocolEncoder(MEASUREMENT, "reference", false, SPEC.fieldNames());
      for (Map.Entry<Reference.WindowKey, List<InfluxWriteRecorder.Write>> e : byWindow.entrySet()) {
        List<InfluxWriteRecorder.Write> ws = e.getValue();
        Reference.Expected expected = reference.all().get(e.getKey());
        String expectedFields = expected == null ? null : fieldsOf(encoder.encode(new ScoredWindow(
            new WindowResult(expected.key().id(), expected.key().start(), expected.end(), expected.count(),
                expected.means()), expected.stressLevel())));
        for (InfluxWriteRecorder.Write w : ws) {
          if (!w.fields().equals(expectedFields)) {
            bytesDiffer++;
            if (samples.size() < 20) {
              samples.add("bytes " + w.source() + " " + w.id() + "@" + w.time() + ": " + w.fields()
                  + " expected " + expectedFields);
            }
          }
        }
        if (count(ws, FALLBACK_SOURCE) > 1) {
          selfRewrites++;
          if (samples.size() < 20) {
            samples.add("fallback wrote " + e.getKey() + " " + count(ws, FALLBACK_SOURCE) + " times");
          }
        }
        if (count(ws, PRIMARY_SOURCE) > 1) {
          flinkRewrites++;
        }
        if (ws.stream().map(InfluxWriteRecorder.Write::fields).distinct().count() > 1) {
          byteConflicts++;
        }
      }
      checks.add(DrillReport.Check.equal("written lines differing from the reference's bytes", bytesDiffer, 0));
      checks.add(DrillReport.Check.equal("windows written with different bytes", byteConflicts, 0));
      checks.add(DrillReport.Check.equal("windows re-written by the fallback itself", selfRewrites, 0));
      checks.add(DrillReport.Check.info("overlap (both sources, equal values)",
          String.format(Locale.ROOT, "%,d", check.overlap()), "reported (harmless)"));
      checks.add(DrillReport.Check.info("windows re-written by flink (restore)",
          String.format(Locale.ROOT, "%,d", flinkRewrites), "reported (at least once)"));
      checks.add(DrillReport.Check.info("points stored per source", check.pointsBySource().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")), "reported"));

      for (Scenario s : scenarios) {
        DrillReport.Timings t = s.timings(writes, reference);
        timings.add(t);
        checks.add(DrillReport.Check.that("scenario " + s.name + ": trigger, fallback writes, hand-back",
            (s.trigger == null ? "no trigger" : "triggered") + ", " + t.fallbackWindows() + " w, "
                + (s.handBack == null ? "no hand-back" : "handed back"),
            "all three", s.trigger != null && s.handBack != null && t.fallbackWindows() > 0));
      }
      if (scenarios.size() < 2) {
        checks.add(DrillReport.Check.that("scenarios completed", String.valueOf(scenarios.size()), "2", false));
      }

      if (settings.shadow() && shadowStart > 0) {
        List<InfluxPoints.Point> shadow = points(SHADOW_DATABASE);
        OutputCheck shadowCheck = OutputCheck.of(reference, shadow);
        Map<String, InfluxPoints.Point> shadowByKey = new HashMap<>();
        shadow.forEach(p -> shadowByKey.put(p.id() + "@" + p.time(), p));
        int compared = 0;
        int differ = 0;
        int absent = 0;
        for (InfluxPoints.Point p : stored) {
          if (!p.source().equals(PRIMARY_SOURCE)) {
            continue;
          }
          InfluxPoints.Point twin = shadowByKey.get(p.id() + "@" + p.time());
          if (twin == null) {
            absent++;
          } else {
            compared++;
            if (!java.util.Arrays.equals(twin.values(), p.values())
                || !java.util.Objects.equals(twin.stressLevel(), p.stressLevel())) {
              differ++;
              samples.add("shadow " + twin + " vs flink " + p);
            }
          }
        }
        checks.add(DrillReport.Check.info("shadow: flink points compared point for point",
            String.format(Locale.ROOT, "%,d", compared), "same records, both pipelines"));
        checks.add(DrillReport.Check.equal("shadow: fallback points differing from flink's", differ, 0));
        checks.add(DrillReport.Check.equal("shadow: flink points without a fallback twin", absent, 0));
        checks.add(DrillReport.Check.equal("shadow: due windows missing", shadowCheck.missing(), 0));
        checks.add(DrillReport.Check.equal("shadow: points differing from the reference", shadowCheck.mismatches(), 0));
        long last = writes.stream().filter(w -> w.source().equals(SHADOW_SOURCE))
            .mapToLong(InfluxWriteRecorder.Write::receivedAt).max().orElse(shadowStart);
        timings.add(new DrillReport.Timings("shadow", null, null, reference.records(),
            Duration.ofMillis(last - shadowStart), null, shadow.size()));
      }
      checks.add(DrillReport.Check.equal("records dead-lettered (undecodable or late)", deadLetters(), 0));
      checks.add(DrillReport.Check.info("InfluxDB writes refused", String.valueOf(recorder.failedWrites()), "reported"));
      checks.add(DrillReport.Check.info("model predictions flink / fallbacks",
          model.predictions("flink") + " / " + model.predictions(""), "reported"));
      checks.add(DrillReport.Check.info("model 503s injected (fallback retried)",
          String.valueOf(model.injectedErrors()), "no invented level: see differing = 0"));
    } catch (RuntimeException e) {
      LOG.error("[drill] cannot compute the report", e);
      checks.add(DrillReport.Check.that("report computed", e.toString(), "no error", false));
    }
    return new DrillReport(title, checks, timings, timeline, samples,
        Duration.ofMillis(clock.millis() - startMillis), failure);
  }

  /**
   * A JobManager that has served no REST request yet answers its first ones slowly (handlers, JSON classes),
   * which on a loaded machine exceeds the 2 s probe timeout; a deployed JobManager is warm.
   */
  private void warmUpFlinkRest() {
    HttpClient http = HttpClient.newHttpClient();
    for (int round = 0; round < 3; round++) {
      for (String path :
          List.of("/jobs/overview", "/jobs/" + primary.jobId(), "/jobs/" + primary.jobId() + "/checkpoints")) {
        try {
          http.send(HttpRequest.newBuilder(URI.create(flink.restUrl() + path))
              .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding());
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
          kafka.admin().describeTopics(List.of(dlq)).allTopicNames().get(10, TimeUnit.SECONDS).get(dlq);
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      description.partitions().forEach(p -> latest.put(new TopicPartition(dlq, p.partition()), OffsetSpec.latest()));
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

  private static Map<Reference.WindowKey, List<InfluxWriteRecorder.Write>> byWindow(
      List<InfluxWriteRecorder.Write> writes) {
    long size = SPEC.size().toMillis();
    Map<Reference.WindowKey, List<InfluxWriteRecorder.Write>> result = new HashMap<>();
    for (InfluxWriteRecorder.Write w : writes) {
      if (w.source().equals(SHADOW_SOURCE)) {
        continue;
      }
      result.computeIfAbsent(new Reference.WindowKey(w.id(), w.time() + 1 - size), k -> new ArrayList<>()).add(w);
    }
    return result;
  }

  private static long count(List<InfluxWriteRecorder.Write> writes, String source) {
    return writes.stream().filter(w -> w.source().equals(source)).count();
  }

  private static String fieldsOf(String line) {
    return line.substring(line.indexOf(' ') + 1, line.lastIndexOf(' '));
  }

  /** What one scenario observed. */
  private final class Scenario {
    final String name;
    long fault;
    long recovery;
    ModeWatcher.Seen trigger;
    ModeWatcher.Seen handBack;

    Scenario(String name) {
      this.name = name;
    }

    DrillReport.Timings timings(List<InfluxWriteRecorder.Write> writes, Reference reference) {
      Duration detection = trigger == null ? null : Duration.ofMillis(trigger.seenAt() - fault);
      Duration handBackTime = handBack == null ? null : Duration.ofMillis(handBack.seenAt() - recovery);
      if (trigger == null) {
        return new DrillReport.Timings(name, null, null, 0, null, null, 0);
      }
      long from = trigger.seenAt();
      int index = scenarios.indexOf(this);
      long to = index + 1 < scenarios.size() ? scenarios.get(index + 1).fault : Long.MAX_VALUE;
      List<InfluxWriteRecorder.Write> mine = writes.stream()
          .filter(w -> w.source().equals(FALLBACK_SOURCE) && w.receivedAt() >= from && w.receivedAt() < to)
          .toList();
      Optional<InfluxWriteRecorder.Write> first = mine.stream()
          .min(Comparator.comparingLong(InfluxWriteRecorder.Write::receivedAt));
      Duration gap = first.flatMap(f -> writes.stream()
              .filter(w -> w.source().equals(PRIMARY_SOURCE) && w.receivedAt() <= f.receivedAt())
              .map(InfluxWriteRecorder.Write::receivedAt)
              .max(Long::compare)
              .map(lastPrimary -> Duration.ofMillis(f.receivedAt() - lastPrimary)))
          .orElse(null);
      long drainRecords = 0;
      long drainEnd = from;
      Set<Reference.WindowKey> seen = new HashSet<>();
      for (InfluxWriteRecorder.Write w : mine) {
        if (w.time() < from) {
          Reference.WindowKey key = new Reference.WindowKey(w.id(), w.time() + 1 - SPEC.size().toMillis());
          Reference.Expected e = reference.all().get(key);
          if (e != null && seen.add(key)) {
            drainRecords += e.count();
            drainEnd = Math.max(drainEnd, w.receivedAt());
          }
        }
      }
      Duration drainTime = drainRecords == 0 ? null : Duration.ofMillis(drainEnd - from);
      long windows = mine.stream().map(w -> w.id() + "@" + w.time()).distinct().count();
      return new DrillReport.Timings(name, detection, gap, drainRecords, drainTime, handBackTime, windows);
    }
  }

  // ---------------------------------------------------------------- configuration

  private String fallbackYaml() {
    return String.join("\n",
        "kafka:",
        "  bootstrap_servers: \"" + kafka.bootstrapServers() + "\"",
        "  topic: " + TOPIC,
        "  group_id: dask-fallback-consumer",
        "  auto_offset_reset: earliest",
        "processing:",
        "  batch_size: 20000",
        "  batch_timeout_seconds: 1",
        "  commit_interval_ms: 500",
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
        "  flink_rest_url: \"" + flink.restUrl() + "\"",
        "  flink_job_name: " + JOB_NAME,
        "ml_service:",
        "  endpoint: \"" + model.predictUrl() + "\"",
        "  timeout_seconds: 5",
        "  retry_attempts: 3",
        "influxdb:",
        "  url: \"" + recorder.url() + "\"",
        "  database: " + DATABASE,
        "  measurement: " + MEASUREMENT,
        "  source_tag: " + FALLBACK_SOURCE,
        "  primary_source: " + PRIMARY_SOURCE,
        "server:",
        "  port: 0",
        "");
  }

  /** A fallback that owns the whole topic: its own group, no primary group, no health probe, own database. */
  private String shadowYaml() {
    return String.join("\n",
        "kafka:",
        "  bootstrap_servers: \"" + kafka.bootstrapServers() + "\"",
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
        "ml_service:",
        "  endpoint: \"" + model.predictUrl() + "\"",
        "influxdb:",
        "  url: \"" + recorder.url() + "\"",
        "  database: " + SHADOW_DATABASE,
        "  measurement: " + MEASUREMENT,
        "  source_tag: " + SHADOW_SOURCE,
        "server:",
        "  port: 0",
        "");
  }

  private FallbackConfig config(String yaml) {
    return new ConfigLoader(Map.of()).loadYaml(yaml, workDir);
  }

  // ---------------------------------------------------------------- helpers

  /** Flink has written a window that ends no earlier than window + out-of-orderness + 4 s ago. */
  private boolean flinkLive() {
    long newest = newestPointTime(PRIMARY_SOURCE);
    return newest >= clock.millis() - SPEC.size().toMillis() - SPEC.maxOutOfOrderness().toMillis() - 4_000;
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
    return watcher.await(mode, after, settings.stepTimeout())
        .orElseThrow(() -> new StepTimeout("no " + what + " within " + DrillReport.secs(settings.stepTimeout())));
  }

  private void until(String what, BooleanSupplier condition) throws StepTimeout {
    long deadline = System.nanoTime() + settings.stepTimeout().toNanos();
    while (true) {
      boolean ok;
      try {
        ok = condition.getAsBoolean();
      } catch (RuntimeException e) {
        LOG.debug("[drill] waiting for {}: {}", what, e.toString());
        ok = false;
      }
      if (ok) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new StepTimeout("no " + what + " within " + DrillReport.secs(settings.stepTimeout()));
      }
      pause(Duration.ofMillis(250));
    }
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
    String line = String.format(Locale.ROOT, "+%6.1f s  %s", (clock.millis() - startMillis) / 1000.0, text);
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
