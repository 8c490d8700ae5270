package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.influx.LineProtocolEncoder;
import io.fallback.testkit.LauncherProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The drill's verdict: every check, the timings of each scenario and the samples of problems,
 * computed from what a run observed ({@link DrillObservations}). No I/O, no clock, no servers: the
 * same observations give the same {@link DrillReport}.
 *
 * <p>Checks, in report order (DESIGN §5, §9, §10):
 *
 * <ul>
 *   <li>data: records the producer failed to send, missing windows, points differing from the
 *       {@link Reference}, conflicting (both sources, different values), written lines whose field
 *       bytes differ from the reference's encoding, windows written with different bytes, windows
 *       re-written by the fallback itself = 0; overlap, Flink's re-writes and points per source are
 *       reported;
 *   <li>per scenario: triggered, the fallback wrote, handed back; trigger → first batch read below
 *       {@value #FIRST_BATCH_BOUND_SECONDS} s (from {@code activation} of {@code /status}); the
 *       goals of 1 s to the first batch and 2 s plus the model and InfluxDB time to the first point
 *       are reported as met or missed; both scenarios completed;
 *   <li>the fast path (issue 14): a blip of the primary seen by one probe switches nothing; a
 *       cancel triggers the fast launcher (check every 60 s, probes every 5 s, 3 confirmations)
 *       within {@value #FAST_TRIGGER_BOUND_SECONDS} s by its probes (goal 15 s, reported);
 *   <li>shadow mode (issue 14): the correct configuration compares windows and finds no difference
 *       and no missing window; the deliberately wrong one differs from its first compared window on
 *       and alerts; last primary point → first fallback point without and with shadow mode
 *       reported;
 *   <li>replay run: its points equal Flink's point for point, none absent, none missing, none
 *       differing from the reference;
 *   <li>no dead letter; InfluxDB refusals and model counters reported;
 *   <li>the launcher process: exit 0 or 143 on SIGTERM, no {@code NoClassDefFoundError} or uncaught
 *       exception in its log; its TRIGGERING / RESUMING lines and {@code /metrics} error counters
 *       reported; the same exit and log check for each other launcher process.
 * </ul>
 *
 * <p>Not thread-safe; {@link #report} creates one instance per call, so the static method is.
 */
final class DrillChecks {

  /** Trigger → first batch read: above this the drill fails (generous: CI machines are loaded). */
  static final int FIRST_BATCH_BOUND_SECONDS = 5;

  /** DESIGN §9 goals, reported. */
  private static final Duration FIRST_BATCH_GOAL = Duration.ofSeconds(1);

  private static final Duration FIRST_WRITE_GOAL = Duration.ofSeconds(2);

  /**
   * Fault → trigger of the fast launcher: the goal of issue 14 (5 s probes x 3 confirmations, from
   * a fault just after a probe) plus one probe's duration; above this the drill fails.
   */
  static final int FAST_TRIGGER_BOUND_SECONDS = 16;

  /** Issue 14's goal for fault → trigger with the fast path, reported. */
  static final Duration FAST_TRIGGER_GOAL = Duration.ofSeconds(15);

  /** The fast launcher's row in the timings table. */
  static final String FAST_ROW = "cancel/fast";

  private static final Pattern FATAL_LOG =
      Pattern.compile(
          "NoClassDefFoundError|ClassNotFoundException" + "|OutOfMemoryError|Exception in thread");
  private static final WindowSpec SPEC = WindowSpec.ofDefaults();
  private static final int MAX_SAMPLES = 20;

  /** The reference's encoding; only its field set is compared (the sources' tags differ). */
  private static final LineProtocolEncoder ENCODER =
      new LineProtocolEncoder(Drill.MEASUREMENT, "reference", false, SPEC.fieldNames());

  private final DrillObservations observed;
  private final List<DrillReport.Check> checks = new ArrayList<>();
  private final List<DrillReport.Timings> timings = new ArrayList<>();
  private final List<String> samples = new ArrayList<>();

  private DrillChecks(DrillObservations observed) {
    this.observed = observed;
  }

  /**
   * Computes the report of a run. A check that cannot be computed (a bug, or observations that
   * could not be read) makes the report fail with a "report computed" check naming the exception;
   * the checks computed before it are kept.
   *
   * @param observed what the run observed
   * @param onError told of an exception thrown while computing the checks (for a stack trace in the
   *     log)
   * @return the report
   * @throws NullPointerException for a null argument
   */
  static DrillReport report(
      DrillObservations observed, Consumer<? super RuntimeException> onError) {
    requireNonNull(observed, "observed");
    requireNonNull(onError, "onError");
    return new DrillChecks(observed).compute(onError);
  }

  /**
   * The report's title line.
   *
   * @param settings the drill's settings
   * @return one line naming the run's sizes and timings
   */
  static String title(DrillSettings settings) {
    return String.format(
        Locale.ROOT,
        "nurse-stress: %d nurses x %d Hz, check every %s, threshold %s x %d,"
            + " resume < %s, flink checkpoints every %s",
        settings.nurses(),
        settings.hz(),
        DrillReport.secs(settings.checkInterval()),
        DrillReport.secs(settings.threshold()),
        settings.violations(),
        DrillReport.secs(settings.resume()),
        DrillReport.secs(settings.checkpointInterval()));
  }

  /**
   * The field set of the reference's encoding of a window: what every source must write for it,
   * byte for byte.
   *
   * @param expected a window of the reference
   * @return the fields of its line protocol (between the series and the timestamp)
   */
  static String expectedFields(Reference.Expected expected) {
    return fieldsOf(
        ENCODER.encode(
            new ScoredWindow(
                new WindowResult(
                    expected.key().id(),
                    expected.key().start(),
                    expected.end(),
                    expected.count(),
                    expected.means()),
                expected.stressLevel())));
  }

  private DrillReport compute(Consumer<? super RuntimeException> onError) {
    String title = title(observed.settings());
    DrillObservations.Pipeline pipeline = observed.pipeline();
    if (pipeline == null && observed.unreadable() == null) {
      return report(title, observed.failure() == null ? "did not start" : observed.failure());
    }
    if (observed.unreadable() != null) {
      checks.add(reportNotComputed(observed.unreadable()));
    } else {
      try {
        rewriteChecks(pipeline, dataChecks(pipeline));
        scenarioChecks(pipeline);
        if (observed.fastPath() != null) {
          DrillFeatureChecks.fastPath(checks, observed.fastPath());
        }
        if (observed.shadowMode() != null) {
          DrillFeatureChecks.shadowMode(checks, samples, observed.shadowMode());
        }
        if (observed.wrongShadow() != null) {
          DrillFeatureChecks.wrongShadow(checks, observed.wrongShadow());
        }
        if (observed.replay() != null) {
          replayChecks(pipeline, observed.replay());
        }
        counterChecks(pipeline);
        if (observed.launcher() != null) {
          launcherChecks(observed.launcher());
        }
        observed.otherLaunchers().forEach(this::otherLauncherChecks);
      } catch (RuntimeException e) {
        onError.accept(e);
        checks.add(reportNotComputed(e.toString()));
      }
    }
    return report(title, observed.failure());
  }

  private DrillReport report(String title, String failure) {
    return new DrillReport(
        title, checks, timings, observed.timeline(), samples, observed.wallTime(), failure);
  }

  private static DrillReport.Check reportNotComputed(String why) {
    return DrillReport.Check.that("report computed", why, "no error", false);
  }

  /**
   * The stored points against the reference: nothing missing, differing or conflicting; returns the
   * comparison.
   */
  private OutputCheck dataChecks(DrillObservations.Pipeline pipeline) {
    Reference reference = pipeline.reference();
    OutputCheck check = OutputCheck.of(reference, pipeline.stored());
    samples.addAll(check.samples());
    checks.add(
        DrillReport.Check.info(
            "records produced (acknowledged by Kafka)",
            String.format(Locale.ROOT, "%,d", reference.records()),
            "input"));
    checks.add(
        DrillReport.Check.equal(
            "records the producer failed to send", pipeline.producerFailures(), 0));
    checks.add(
        DrillReport.Check.info(
            "windows due (id x 5 s window with input)",
            String.format(Locale.ROOT, "%,d", check.due()),
            "from the reference"));
    checks.add(DrillReport.Check.equal("missing windows (due, no point)", check.missing(), 0));
    checks.add(
        DrillReport.Check.equal("points differing from the reference", check.mismatches(), 0));
    checks.add(
        DrillReport.Check.equal(
            "conflicting (both sources, different values)", check.conflicting(), 0));
    return check;
  }

  /**
   * Every acknowledged write of the two pipelines: bytes as the reference encodes them, no self
   * re-write; then what {@code check} (the stored points) reports without a verdict.
   */
  private void rewriteChecks(DrillObservations.Pipeline pipeline, OutputCheck check) {
    int bytesDiffer = 0;
    int selfRewrites = 0;
    int flinkRewrites = 0;
    int byteConflicts = 0;
    for (Map.Entry<Reference.WindowKey, List<InfluxWriteRecorder.Write>> e :
        byWindow(pipeline.writes()).entrySet()) {
      List<InfluxWriteRecorder.Write> ws = e.getValue();
      Reference.Expected expected = pipeline.reference().all().get(e.getKey());
      String expectedFields = expected == null ? null : expectedFields(expected);
      for (InfluxWriteRecorder.Write w : ws) {
        if (!w.fields().equals(expectedFields)) {
          bytesDiffer++;
          sample(
              "bytes "
                  + w.source()
                  + " "
                  + w.id()
                  + "@"
                  + w.time()
                  + ": "
                  + w.fields()
                  + " expected "
                  + expectedFields);
        }
      }
      long fallbackWrites = count(ws, Drill.FALLBACK_SOURCE);
      if (fallbackWrites > 1) {
        selfRewrites++;
        sample("fallback wrote " + e.getKey() + " " + fallbackWrites + " times");
      }
      if (count(ws, Drill.PRIMARY_SOURCE) > 1) {
        flinkRewrites++;
      }
      if (ws.stream().map(InfluxWriteRecorder.Write::fields).distinct().count() > 1) {
        byteConflicts++;
      }
    }
    checks.add(
        DrillReport.Check.equal(
            "written lines differing from the reference's bytes", bytesDiffer, 0));
    checks.add(DrillReport.Check.equal("windows written with different bytes", byteConflicts, 0));
    checks.add(
        DrillReport.Check.equal("windows re-written by the fallback itself", selfRewrites, 0));
    checks.add(
        DrillReport.Check.info(
            "overlap (both sources, equal values)",
            String.format(Locale.ROOT, "%,d", check.overlap()),
            "reported (harmless)"));
    checks.add(
        DrillReport.Check.info(
            "windows re-written by flink (restore)",
            String.format(Locale.ROOT, "%,d", flinkRewrites),
            "reported (at least once)"));
    checks.add(
        DrillReport.Check.info(
            "points stored per source",
            check.pointsBySource().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" ")),
            "reported"));
  }

  /** Each scenario triggered, wrote and handed back, with its take-over; both scenarios ran. */
  private void scenarioChecks(DrillObservations.Pipeline pipeline) {
    List<DrillObservations.Scenario> scenarios = observed.scenarios();
    for (int i = 0; i < scenarios.size(); i++) {
      DrillObservations.Scenario s = scenarios.get(i);
      long nextFault = i + 1 < scenarios.size() ? scenarios.get(i + 1).fault() : Long.MAX_VALUE;
      DrillReport.Timings t = timings(s, nextFault, pipeline);
      timings.add(t);
      checks.add(
          DrillReport.Check.that(
              "scenario " + s.name() + ": trigger, fallback writes, hand-back",
              (s.triggeredAt() == null ? "no trigger" : "triggered")
                  + ", "
                  + t.fallbackWindows()
                  + " w, "
                  + (s.handedBackAt() == null ? "no hand-back" : "handed back"),
              "all three",
              s.triggeredAt() != null && s.handedBackAt() != null && t.fallbackWindows() > 0));
      if (s.triggeredAt() != null) {
        checks.add(
            DrillReport.Check.info(
                "scenario " + s.name() + ": windows flink wrote before the trigger, written again",
                String.valueOf(writtenAgain(s, nextFault, pipeline.writes())),
                "reported (equal values: overlap)"));
        takeOverChecks("scenario " + s.name(), s.episode());
      }
      DrillObservations.FastPath fast = observed.fastPath();
      if (fast != null && fast.cancelFault() == s.fault() && fast.cancelFault() > 0) {
        timings.add(fastTimings(fast));
      }
    }
    int expected = observed.settings().scenarioCount();
    if (scenarios.size() < expected) {
      checks.add(
          DrillReport.Check.that(
              "scenarios completed",
              String.valueOf(scenarios.size()),
              String.valueOf(expected),
              false));
    }
    gapWithAndWithoutShadow();
  }

  /**
   * Windows the fallback wrote in a scenario (between its trigger and the next fault) that Flink
   * had written before the trigger: what the take-over wrote again instead of starting at the first
   * window Flink had not written.
   */
  private static long writtenAgain(
      DrillObservations.Scenario s, long nextFault, List<InfluxWriteRecorder.Write> writes) {
    Set<String> byFlinkBefore =
        writes.stream()
            .filter(
                w -> w.source().equals(Drill.PRIMARY_SOURCE) && w.receivedAt() < s.triggeredAt())
            .map(w -> w.id() + "@" + w.time())
            .collect(Collectors.toSet());
    return writes.stream()
        .filter(
            w ->
                w.source().equals(Drill.FALLBACK_SOURCE)
                    && w.receivedAt() >= s.triggeredAt()
                    && w.receivedAt() < nextFault)
        .map(w -> w.id() + "@" + w.time())
        .filter(byFlinkBefore::contains)
        .distinct()
        .count();
  }

  /** The fast launcher's row: fault → trigger only (it writes to its own database). */
  private static DrillReport.Timings fastTimings(DrillObservations.FastPath fast) {
    Duration detection =
        fast.triggeredAt() == null
            ? null
            : Duration.ofMillis(fast.triggeredAt() - fast.cancelFault());
    return new DrillReport.Timings(FAST_ROW, detection, null, 0, null, null, 0, null, null);
  }

  /**
   * Last primary point → first fallback point of the first cancel without shadow mode and of the
   * first with it (the warm take-over), reported side by side.
   */
  private void gapWithAndWithoutShadow() {
    Optional<DrillReport.Timings> without = cancelTimings(false);
    Optional<DrillReport.Timings> with = cancelTimings(true);
    if (without.isEmpty() || with.isEmpty()) {
      return;
    }
    checks.add(
        DrillReport.Check.info(
            "cancel: last primary -> first fallback point, without / with shadow mode",
            secsOrNone(without.get().gap()) + " / " + secsOrNone(with.get().gap()),
            "reported (with: take-over from the shadow's offsets)"));
  }

  private Optional<DrillReport.Timings> cancelTimings(boolean shadowMode) {
    List<DrillObservations.Scenario> scenarios = observed.scenarios();
    for (DrillObservations.Scenario s : scenarios) {
      if (s.name().startsWith("cancel") && s.shadowMode() == shadowMode) {
        return timings.stream().filter(t -> t.name().equals(s.name())).findFirst();
      }
    }
    return Optional.empty();
  }

  /**
   * The timings of one scenario from the write log: the fallback's writes between its trigger and
   * the next scenario's fault are its own.
   */
  private static DrillReport.Timings timings(
      DrillObservations.Scenario s, long nextFault, DrillObservations.Pipeline pipeline) {
    if (s.triggeredAt() == null) {
      return DrillReport.Timings.notTriggered(s.name());
    }
    Duration detection = Duration.ofMillis(s.triggeredAt() - s.fault());
    Duration handBack =
        s.handedBackAt() == null ? null : Duration.ofMillis(s.handedBackAt() - s.recovery());
    List<InfluxWriteRecorder.Write> writes = pipeline.writes();
    long from = s.triggeredAt();
    List<InfluxWriteRecorder.Write> mine =
        writes.stream()
            .filter(
                w ->
                    w.source().equals(Drill.FALLBACK_SOURCE)
                        && w.receivedAt() >= from
                        && w.receivedAt() < nextFault)
            .toList();
    Optional<InfluxWriteRecorder.Write> first =
        mine.stream().min(Comparator.comparingLong(InfluxWriteRecorder.Write::receivedAt));
    Duration gap =
        first
            .flatMap(
                f ->
                    writes.stream()
                        .filter(
                            w ->
                                w.source().equals(Drill.PRIMARY_SOURCE)
                                    && w.receivedAt() <= f.receivedAt())
                        .map(InfluxWriteRecorder.Write::receivedAt)
                        .max(Long::compare)
                        .map(lastPrimary -> Duration.ofMillis(f.receivedAt() - lastPrimary)))
            .orElse(null);
    // the drain: the backlog windows (ending before the trigger) the fallback wrote, each counted
    // once
    long drainRecords = 0;
    long drainEnd = from;
    Set<Reference.WindowKey> seen = new HashSet<>();
    for (InfluxWriteRecorder.Write w : mine) {
      if (w.time() < from) {
        Reference.WindowKey key = windowOf(w);
        Reference.Expected e = pipeline.reference().all().get(key);
        if (e != null && seen.add(key)) {
          drainRecords += e.count();
          drainEnd = Math.max(drainEnd, w.receivedAt());
        }
      }
    }
    Duration drainTime = drainRecords == 0 ? null : Duration.ofMillis(drainEnd - from);
    long windows = mine.stream().map(w -> w.id() + "@" + w.time()).distinct().count();
    ModeWatcher.Activation a = s.episode() == null ? null : s.episode().activation();
    return new DrillReport.Timings(
        s.name(),
        detection,
        gap,
        drainRecords,
        drainTime,
        handBack,
        windows,
        a == null ? null : a.toFirstBatch(),
        a == null ? null : a.toFirstWrite());
  }

  /**
   * The take-over of one scenario, from the {@code activation} object its {@code /status} showed
   * while in FALLBACK. Trigger = {@code activation.started_at} (the launcher starts the fallback on
   * the transition). Trigger → first batch read above {@value #FIRST_BATCH_BOUND_SECONDS} s fails
   * the drill; the DESIGN §9 goals are reported as met or missed. An absent {@code activation} is
   * reported, not failed.
   */
  private void takeOverChecks(String name, ModeWatcher.Episode episode) {
    ModeWatcher.Activation a = episode == null ? null : episode.activation();
    if (a == null) {
      checks.add(
          DrillReport.Check.info(
              name + ": take-over (trigger -> first batch, first point)",
              "n/a",
              "/status showed no activation object"));
      return;
    }
    Duration firstBatch = a.toFirstBatch();
    Duration bound = Duration.ofSeconds(FIRST_BATCH_BOUND_SECONDS);
    checks.add(
        DrillReport.Check.that(
            name + ": trigger -> first batch read",
            secsOrNone(firstBatch),
            "< " + DrillReport.secs(bound),
            firstBatch != null && firstBatch.compareTo(bound) < 0));
    checks.add(
        DrillReport.Check.goal(
            name + ": trigger -> first batch read (goal)",
            secsOrNone(firstBatch),
            "< " + DrillReport.secs(FIRST_BATCH_GOAL) + " (DESIGN §9)",
            firstBatch != null && firstBatch.compareTo(FIRST_BATCH_GOAL) < 0));
    Duration firstWrite = a.toFirstWrite();
    Double work = episode.modelAndWriteSeconds();
    double allowed = FIRST_WRITE_GOAL.toMillis() / 1000.0 + (work == null ? 0 : work);
    checks.add(
        DrillReport.Check.goal(
            name + ": trigger -> first point written (goal)",
            secsOrNone(firstWrite),
            String.format(
                Locale.ROOT,
                "< 2 s + model/InfluxDB %s = %.1f s",
                work == null ? "(unknown)" : String.format(Locale.ROOT, "%.1f s", work),
                allowed),
            firstWrite != null && firstWrite.toMillis() / 1000.0 < allowed));
    checks.add(
        DrillReport.Check.info(
            name + ": fallback activation (/status)",
            a.loop(),
            String.format(
                Locale.ROOT,
                "%,d records read, %,d points written, last error %s",
                a.recordsRead(),
                a.pointsWritten(),
                a.lastError() == null ? "none" : a.lastError())));
  }

  /** The replay run's points against Flink's, point for point, and against the reference. */
  private void replayChecks(DrillObservations.Pipeline pipeline, DrillObservations.Replay shadow) {
    OutputCheck shadowCheck = OutputCheck.of(pipeline.reference(), shadow.points());
    Map<String, InfluxPoints.Point> shadowByKey = new HashMap<>();
    shadow.points().forEach(p -> shadowByKey.put(p.id() + "@" + p.time(), p));
    int compared = 0;
    int differ = 0;
    int absent = 0;
    for (InfluxPoints.Point p : pipeline.stored()) {
      if (!p.source().equals(Drill.PRIMARY_SOURCE)) {
        continue;
      }
      InfluxPoints.Point twin = shadowByKey.get(p.id() + "@" + p.time());
      if (twin == null) {
        absent++;
      } else {
        compared++;
        if (!Arrays.equals(twin.values(), p.values())
            || !Objects.equals(twin.stressLevel(), p.stressLevel())) {
          differ++;
          samples.add("replay " + twin + " vs flink " + p);
        }
      }
    }
    checks.add(
        DrillReport.Check.info(
            "replay: flink points compared point for point",
            String.format(Locale.ROOT, "%,d", compared),
            "same records, both pipelines"));
    checks.add(
        DrillReport.Check.equal("replay: fallback points differing from flink's", differ, 0));
    checks.add(DrillReport.Check.equal("replay: flink points without a fallback twin", absent, 0));
    checks.add(DrillReport.Check.equal("replay: due windows missing", shadowCheck.missing(), 0));
    checks.add(
        DrillReport.Check.equal(
            "replay: points differing from the reference", shadowCheck.mismatches(), 0));
    long last =
        pipeline.writes().stream()
            .filter(w -> w.source().equals(Drill.REPLAY_SOURCE))
            .mapToLong(InfluxWriteRecorder.Write::receivedAt)
            .max()
            .orElse(shadow.start());
    ModeWatcher.Activation a = shadow.activation();
    timings.add(
        new DrillReport.Timings(
            "replay",
            null,
            null,
            pipeline.reference().records(),
            Duration.ofMillis(last - shadow.start()),
            null,
            shadow.points().size(),
            a == null ? null : a.toFirstBatch(),
            a == null ? null : a.toFirstWrite()));
  }

  /** Dead letters (must be none), InfluxDB refusals and the model service's counters. */
  private void counterChecks(DrillObservations.Pipeline pipeline) {
    checks.add(
        DrillReport.Check.equal(
            "records dead-lettered (undecodable or late)", pipeline.deadLetters(), 0));
    checks.add(
        DrillReport.Check.info(
            "InfluxDB writes refused", String.valueOf(pipeline.refusedWrites()), "reported"));
    checks.add(
        DrillReport.Check.info(
            "model predictions flink / fallbacks",
            pipeline.primaryPredictions() + " / " + pipeline.fallbackPredictions(),
            "reported"));
    checks.add(
        DrillReport.Check.info(
            "model 503s injected (fallback retried)",
            String.valueOf(pipeline.injectedModelErrors()),
            "no invented level: see differing = 0"));
  }

  /** Another launcher process: exit 0 or 143 on SIGTERM, no fatal line in its log. */
  private void otherLauncherChecks(DrillObservations.Launcher launcher) {
    Integer exitCode = launcher.exitCode();
    long fatal = launcher.log().lines().filter(l -> FATAL_LOG.matcher(l).find()).count();
    checks.add(
        DrillReport.Check.that(
            "launcher '"
                + launcher.name()
                + "' (pid "
                + launcher.pid()
                + "): exit, fatal log lines",
            exitCode + ", " + fatal,
            "0 or 143, 0",
            exitCode != null && (exitCode == 0 || exitCode == 143) && fatal == 0));
  }

  /** What the fallback process showed from outside: its exit, its log, its metrics. */
  private void launcherChecks(DrillObservations.Launcher launcher) {
    checks.add(
        DrillReport.Check.info(
            "fallback launcher: java -jar " + launcher.jar() + ", pid " + launcher.pid(),
            "log",
            launcher.logFile()));
    Integer exitCode = launcher.exitCode();
    checks.add(
        DrillReport.Check.that(
            "fallback launcher exit on SIGTERM",
            String.valueOf(exitCode),
            "0 or 143",
            exitCode != null && (exitCode == 0 || exitCode == 143)));
    List<String> lines = launcher.log().lines().toList();
    long fatal = lines.stream().filter(l -> FATAL_LOG.matcher(l).find()).count();
    checks.add(
        DrillReport.Check.equal(
            "fallback log: NoClassDefFoundError, uncaught exceptions", fatal, 0));
    checks.add(
        DrillReport.Check.info(
            "fallback log: TRIGGERING / RESUMING lines",
            lines.stream().filter(l -> l.contains("TRIGGERING DASK FALLBACK MODE")).count()
                + " / "
                + lines.stream()
                    .filter(l -> l.contains("RESUMING PRIMARY PROCESSING MODE"))
                    .count(),
            "one each per scenario"));
    if (launcher.metrics() == null) {
      checks.add(DrillReport.Check.info("fallback /metrics at the end", "n/a", "not readable"));
      return;
    }
    Map<String, Double> metrics = LauncherProcess.samples(launcher.metrics());
    Double errors = LauncherProcess.sum(metrics, "fallback_errors_total");
    checks.add(
        errors == null
            ? DrillReport.Check.info(
                "fallback /metrics fallback_errors_total (sum)", "absent", "not exported")
            : DrillReport.Check.goal(
                "fallback /metrics fallback_errors_total (sum)",
                String.format(Locale.ROOT, "%,.0f", errors),
                "0",
                errors == 0));
    Double batchFailures = LauncherProcess.sum(metrics, "fallback_batch_failures_total");
    checks.add(
        DrillReport.Check.info(
            "fallback /metrics fallback_batch_failures_total (sum)",
            batchFailures == null ? "0" : String.format(Locale.ROOT, "%,.0f", batchFailures),
            "batches held and retried (503s injected)"));
  }

  /** The two pipelines' writes by window (the shadow run writes to its own database). */
  private static Map<Reference.WindowKey, List<InfluxWriteRecorder.Write>> byWindow(
      List<InfluxWriteRecorder.Write> writes) {
    Map<Reference.WindowKey, List<InfluxWriteRecorder.Write>> result = new TreeMap<>();
    for (InfluxWriteRecorder.Write w : writes) {
      if (!w.source().equals(Drill.REPLAY_SOURCE)) {
        result.computeIfAbsent(windowOf(w), k -> new ArrayList<>()).add(w);
      }
    }
    return result;
  }

  private static Reference.WindowKey windowOf(InfluxWriteRecorder.Write w) {
    return new Reference.WindowKey(w.id(), w.time() + 1 - SPEC.size().toMillis());
  }

  private static long count(List<InfluxWriteRecorder.Write> writes, String source) {
    return writes.stream().filter(w -> w.source().equals(source)).count();
  }

  private static String fieldsOf(String line) {
    return line.substring(line.indexOf(' ') + 1, line.lastIndexOf(' '));
  }

  static String secsOrNone(Duration d) {
    return d == null ? "none" : DrillReport.secs(d);
  }

  private void sample(String text) {
    if (samples.size() < MAX_SAMPLES) {
      samples.add(text);
    }
  }
}
