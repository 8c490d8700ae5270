package io.fallback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.mode.Mode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link DrillChecks} fed with made-up observations: a clean run passes every check, and each fault
 * the drill must catch fails exactly the checks it concerns.
 *
 * <p>The clean run: nurses A (partition 0) and B (partition 1), a reading every 500 ms for 30 s of
 * event time, so 6 windows each, the first 4 due. Flink writes windows 0, 1 and 3, the fallback
 * windows 2 and 3 during the "cancel" scenario (3 is written by both, equal: overlap), window 4
 * during "cancel+shadow" and window 5 during "slow+shadow"; the fast-path launcher saw the blip
 * once and triggered 12 s after the first cancel by its probes; the correct shadow found no
 * difference, the wrong one differed from its first window on; the replay run writes every window;
 * every launcher exits 143.
 */
class DrillChecksTest {

  private static final long T0 = 1_764_000_000_000L; // a multiple of 5 s: event time
  private static final long W = T0 + 100_000; // wall clock of the writes and the scenarios
  private static final String MISSING = "missing windows (due, no point)";
  private static final String DIFFERING = "points differing from the reference";
  private static final String CONFLICTING = "conflicting (both sources, different values)";
  private static final String BYTES = "written lines differing from the reference's bytes";
  private static final String BYTE_CONFLICTS = "windows written with different bytes";
  private static final String SELF_REWRITES = "windows re-written by the fallback itself";
  private static final String SHADOW_DIFFERING = "replay: fallback points differing from flink's";
  private static final String SHADOW_VS_REFERENCE = "replay: points differing from the reference";
  private static final String FAST_TRIGGER =
      "fast path cancel: fault -> trigger (check every 60 s, probes 5 s x 3)";
  private static final String FAST_TRIGGER_GOAL = "fast path cancel: fault -> trigger (goal)";
  private static final String FAST_BY_PROBES = "fast path cancel: triggered by the health probes";
  private static final String BLIP_UNHEALTHY =
      "fast path blip: unhealthy probes (flink failed, restarted itself)";
  private static final String BLIP_HEALTHY_AFTER = "fast path blip: a healthy probe after it";
  private static final String BLIP_TRANSITIONS = "fast path blip: transitions of the fast launcher";
  private static final String SHADOW_COMPARED = "shadow mode (steady state): windows compared";
  private static final String SHADOW_STEADY = "shadow mode (steady state): differing / missing";
  private static final String SHADOW_END = "shadow mode (at the end): differing, alerting";
  private static final String WRONG_DIFFERING =
      "wrong shadow (processing.window_seconds: 10): windows differing";
  private static final String WRONG_FIRST =
      "wrong shadow: equal windows before the first difference";
  private static final String WRONG_ALERT = "wrong shadow: alerting (/status), WARN lines";
  private static final String GAP =
      "cancel: last primary -> first fallback point, without / with shadow mode";
  private static final String DEAD_LETTERS = "records dead-lettered (undecodable or late)";
  private static final String EXIT = "fallback launcher exit on SIGTERM";
  private static final String FATAL_LOG = "fallback log: NoClassDefFoundError, uncaught exceptions";

  @Test
  void cleanRun_passesEveryCheck_inTheReportsOrder() {
    Run run = new Run();

    DrillReport report = run.report();

    assertThat(run.errors).isEmpty();
    assertThat(failed(report)).isEmpty();
    assertThat(report.passed()).isTrue();
    assertThat(report.samples()).isEmpty();
    assertThat(report.title())
        .isEqualTo(
            "nurse-stress: 4 nurses x 32 Hz, check every 2.0 s, threshold 10.0 s x 3,"
                + " resume < 5.0 s, flink checkpoints every 2.0 s");
    assertThat(report.checks())
        .extracting(DrillReport.Check::name)
        .containsExactly(
            "records produced (acknowledged by Kafka)",
            "records the producer failed to send",
            "windows due (id x 5 s window with input)",
            MISSING,
            DIFFERING,
            CONFLICTING,
            BYTES,
            BYTE_CONFLICTS,
            SELF_REWRITES,
            "overlap (both sources, equal values)",
            "windows re-written by flink (restore)",
            "points stored per source",
            "scenario cancel: trigger, fallback writes, hand-back",
            "scenario cancel: windows flink wrote before the trigger, written again",
            "scenario cancel: trigger -> first batch read",
            "scenario cancel: trigger -> first batch read (goal)",
            "scenario cancel: trigger -> first point written (goal)",
            "scenario cancel: fallback activation (/status)",
            "scenario cancel+shadow: trigger, fallback writes, hand-back",
            "scenario cancel+shadow: windows flink wrote before the trigger, written again",
            "scenario cancel+shadow: trigger -> first batch read",
            "scenario cancel+shadow: trigger -> first batch read (goal)",
            "scenario cancel+shadow: trigger -> first point written (goal)",
            "scenario cancel+shadow: fallback activation (/status)",
            "scenario slow+shadow: trigger, fallback writes, hand-back",
            "scenario slow+shadow: windows flink wrote before the trigger, written again",
            "scenario slow+shadow: trigger -> first batch read",
            "scenario slow+shadow: trigger -> first batch read (goal)",
            "scenario slow+shadow: trigger -> first point written (goal)",
            "scenario slow+shadow: fallback activation (/status)",
            GAP,
            BLIP_UNHEALTHY,
            BLIP_HEALTHY_AFTER,
            BLIP_TRANSITIONS,
            "fast path blip: main launcher (check every 2 s x 3)",
            "fast path blip: fast launcher's probe log",
            FAST_TRIGGER,
            FAST_TRIGGER_GOAL,
            FAST_BY_PROBES,
            "fast path cancel: transition detail",
            SHADOW_COMPARED,
            SHADOW_STEADY,
            "shadow mode (at the end): compared / equal / differing / missing",
            SHADOW_END,
            WRONG_DIFFERING,
            WRONG_FIRST,
            "wrong shadow: first comparison -> first difference (/status)",
            WRONG_ALERT,
            "wrong shadow: first difference logged",
            "replay: flink points compared point for point",
            SHADOW_DIFFERING,
            "replay: flink points without a fallback twin",
            "replay: due windows missing",
            SHADOW_VS_REFERENCE,
            DEAD_LETTERS,
            "InfluxDB writes refused",
            "model predictions flink / fallbacks",
            "model 503s injected (fallback retried)",
            "fallback launcher: java -jar fallback-launcher.jar, pid 4242",
            EXIT,
            FATAL_LOG,
            "fallback log: TRIGGERING / RESUMING lines",
            "fallback /metrics fallback_errors_total (sum)",
            "fallback /metrics fallback_batch_failures_total (sum)",
            "launcher 'fallback' (pid 4240): exit, fatal log lines",
            "launcher 'wrong-shadow' (pid 4241): exit, fatal log lines",
            "launcher 'fast' (pid 4243): exit, fatal log lines");
    assertThat(report.value("windows due (id x 5 s window with input)")).isEqualTo("8");
    assertThat(report.value("overlap (both sources, equal values)")).isEqualTo("2");
    assertThat(report.value("points stored per source")).isEqualTo("dask-fallback=8 flink=6");
    assertThat(report.value(GAP)).isEqualTo("14.0 s / 11.0 s");
    assertThat(
            report.value("scenario cancel: windows flink wrote before the trigger, written again"))
        .isEqualTo("0");
    assertThat(report.value(FAST_TRIGGER)).isEqualTo("12.0 s");
    assertThat(report.value(BLIP_UNHEALTHY)).isEqualTo("1 after 2 failure(s)");
    assertThat(report.value(SHADOW_COMPARED)).isEqualTo("8");
    assertThat(report.value(WRONG_DIFFERING)).isEqualTo("6 of 6");
    assertThat(report.value("wrong shadow: first comparison -> first difference (/status)"))
        .isEqualTo("0.0 s");
    assertThat(report.value("scenario cancel: trigger, fallback writes, hand-back"))
        .isEqualTo("triggered, 4 w, handed back");
    assertThat(report.value("fallback log: TRIGGERING / RESUMING lines")).isEqualTo("2 / 2");
  }

  @Test
  void cleanRun_timesEachScenarioFromTheWriteLog() {
    DrillReport report = new Run().report();

    assertThat(report.scenarios())
        .extracting(DrillReport.Timings::name)
        .containsExactly("cancel", DrillChecks.FAST_ROW, "cancel+shadow", "slow+shadow", "replay");
    DrillReport.Timings cancel = report.scenarios().get(0);
    assertThat(cancel.detection()).isEqualTo(Duration.ofSeconds(4));
    assertThat(cancel.handBack()).isEqualTo(Duration.ofSeconds(4));
    // last flink point at W + 1 010 (window 1 of B), first fallback point at W + 15 000
    assertThat(cancel.gap()).isEqualTo(Duration.ofMillis(13_990));
    assertThat(cancel.fallbackWindows()).isEqualTo(4);
    assertThat(cancel.drainRecords()).isEqualTo(4 * 10);
    assertThat(cancel.firstBatch()).isEqualTo(Duration.ofMillis(300));
    assertThat(cancel.firstWrite()).isEqualTo(Duration.ofMillis(1_200));
    assertThat(report.scenarios().get(1).detection()).isEqualTo(Duration.ofSeconds(12));
    assertThat(report.scenarios().get(1).gap()).isNull();
    assertThat(report.scenarios().get(2).fallbackWindows()).isEqualTo(2);
    // last flink point at W + 32 010 (window 3 of B, after its restore), first fallback point at
    // W + 43 000
    assertThat(report.scenarios().get(2).gap()).isEqualTo(Duration.ofMillis(10_990));
    assertThat(report.scenarios().get(3).fallbackWindows()).isEqualTo(2);
    DrillReport.Timings shadow = report.scenarios().get(4);
    assertThat(shadow.fallbackWindows()).isEqualTo(12);
    assertThat(shadow.drainRecords()).isEqualTo(120);
    assertThat(shadow.drainTime()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void missingWindow_failsMissing() {
    Run run = new Run();
    run.remove(Drill.PRIMARY_SOURCE, "A", 0);

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(MISSING);
    assertThat(report.value(MISSING)).isEqualTo("1");
    assertThat(report.samples()).contains("missing " + new Reference.WindowKey("A", T0));
    assertThat(report.passed()).isFalse();
  }

  @Test
  void fallbackPointWithAnotherLevel_failsDifferingAndItsBytes() {
    Run run = new Run();
    run.replace(Drill.FALLBACK_SOURCE, "B", 2, otherLevel(run.expected("B", 2)));

    DrillReport report = run.report();

    // what InfluxDB holds differs from the reference, and so do the bytes the fallback wrote
    assertThat(failed(report)).containsExactly(DIFFERING, BYTES);
    assertThat(report.value(DIFFERING)).isEqualTo("1");
    assertThat(report.passed()).isFalse();
  }

  @Test
  void bothSourcesWithDifferentValues_failsConflicting() {
    Run run = new Run();
    // window 3 is written by both; the fallback's value differs from flink's (and so from the
    // reference)
    run.replace(Drill.FALLBACK_SOURCE, "A", 3, otherLevel(run.expected("A", 3)));

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(DIFFERING, CONFLICTING, BYTES, BYTE_CONFLICTS);
    assertThat(report.value(CONFLICTING)).isEqualTo("1");
    assertThat(report.samples()).anyMatch(s -> s.startsWith("conflict A/"));
    assertThat(report.passed()).isFalse();
  }

  @Test
  void takeOverWritingAWindowFlinkHadWritten_isReported_notFailed() {
    Run run = new Run();
    // window 1 of A: flink wrote it at W + 1 000, before the cancel's trigger at W + 14 000
    run.writes.add(
        new InfluxWriteRecorder.Write(
            W + 15_000,
            Drill.FALLBACK_SOURCE,
            "A",
            pointTime(1),
            DrillChecks.expectedFields(run.expected("A", 1))));

    DrillReport report = run.report();

    assertThat(failed(report)).isEmpty();
    assertThat(
            report.value("scenario cancel: windows flink wrote before the trigger, written again"))
        .isEqualTo("1");
    assertThat(
            report.value(
                "scenario cancel+shadow: windows flink wrote before the trigger, written again"))
        .isEqualTo("0");
  }

  @Test
  void windowWrittenTwiceByTheFallback_failsSelfRewrites() {
    Run run = new Run();
    // the same bytes again, later in the same scenario: InfluxDB stores it once, the write log
    // shows both
    run.writes.add(
        new InfluxWriteRecorder.Write(
            W + 16_000,
            Drill.FALLBACK_SOURCE,
            "A",
            pointTime(2),
            DrillChecks.expectedFields(run.expected("A", 2))));

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(SELF_REWRITES);
    assertThat(report.value(SELF_REWRITES)).isEqualTo("1");
    assertThat(report.samples())
        .contains("fallback wrote " + new Reference.WindowKey("A", T0 + 10_000) + " 2 times");
    assertThat(report.passed()).isFalse();
  }

  @Test
  void equalValuesInOtherBytes_failsBytesOnly() {
    Run run = new Run();
    // the same values with the fields in another order: InfluxDB stores an equal point
    run.writes.replaceAll(
        w ->
            w.source().equals(Drill.FALLBACK_SOURCE)
                    && w.id().equals("B")
                    && w.time() == pointTime(4)
                ? new InfluxWriteRecorder.Write(
                    w.receivedAt(), w.source(), w.id(), w.time(), reversed(w.fields()))
                : w);

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(BYTES);
    assertThat(report.value(BYTES)).isEqualTo("1");
    assertThat(report.samples())
        .anyMatch(s -> s.startsWith("bytes dask-fallback B@" + pointTime(4)));
    assertThat(report.passed()).isFalse();
  }

  @Test
  void shadowPointDifferingFromFlinks_failsBothShadowComparisons() {
    Run run = new Run();
    run.shadowPoints.replaceAll(
        p ->
            p.id().equals("B") && p.time() == pointTime(1)
                ? new InfluxPoints.Point(
                    p.id(), p.source(), p.time(), p.values(), (p.stressLevel() + 1) % 3)
                : p);

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(SHADOW_DIFFERING, SHADOW_VS_REFERENCE);
    assertThat(report.value(SHADOW_DIFFERING)).isEqualTo("1");
    assertThat(report.samples()).anyMatch(s -> s.startsWith("replay B/replay@" + pointTime(1)));
    assertThat(report.passed()).isFalse();
  }

  @Test
  void deadLetter_failsDeadLetters() {
    Run run = new Run();
    run.deadLetters = 3;

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(DEAD_LETTERS);
    assertThat(report.value(DEAD_LETTERS)).isEqualTo("3");
    assertThat(report.passed()).isFalse();
  }

  @Test
  void scenarioWithoutHandBack_failsThatScenario() {
    Run run = new Run();
    run.scenarios.set(
        2, scenario("slow+shadow", W + 50_000, W + 70_000, W + 54_000, null, 300, 1_200, true));

    DrillReport report = run.report();

    assertThat(failed(report))
        .containsExactly("scenario slow+shadow: trigger, fallback writes, hand-back");
    assertThat(report.value("scenario slow+shadow: trigger, fallback writes, hand-back"))
        .isEqualTo("triggered, 2 w, no hand-back");
    assertThat(report.scenarios().get(3).handBack()).isNull();
    assertThat(report.passed()).isFalse();
  }

  @Test
  void scenarioNeverTriggered_failsThatScenario_withoutTakeOverChecks() {
    Run run = new Run();
    run.scenarios.set(
        2, new DrillObservations.Scenario("slow+shadow", W + 50_000, 0, null, null, null, true));

    DrillReport report = run.report();

    assertThat(failed(report))
        .containsExactly("scenario slow+shadow: trigger, fallback writes, hand-back");
    assertThat(report.value("scenario slow+shadow: trigger, fallback writes, hand-back"))
        .isEqualTo("no trigger, 0 w, no hand-back");
    assertThat(report.checks())
        .noneMatch(c -> c.name().startsWith("scenario slow+shadow: trigger -> "));
    assertThat(report.passed()).isFalse();
  }

  @Test
  void firstBatchAboveTheBound_failsTheTakeOverCheck() {
    Run run = new Run();
    run.scenarios.set(
        0, scenario("cancel", W + 10_000, W + 30_000, W + 14_000, W + 34_000, 5_200, 6_000));

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly("scenario cancel: trigger -> first batch read");
    assertThat(report.value("scenario cancel: trigger -> first batch read")).isEqualTo("5.2 s");
    assertThat(report.checks())
        .filteredOn(c -> c.name().startsWith("scenario cancel: trigger -> first"))
        .extracting(DrillReport.Check::result)
        .containsExactly("FAIL", "GOAL MISSED", "GOAL MISSED");
    assertThat(report.passed()).isFalse();
  }

  @Test
  void firstBatchAboveTheGoalOnly_isAMissedGoal_notAFailure() {
    Run run = new Run();
    run.scenarios.set(
        0, scenario("cancel", W + 10_000, W + 30_000, W + 14_000, W + 34_000, 1_400, 1_900));

    DrillReport report = run.report();

    assertThat(failed(report)).isEmpty();
    assertThat(report.checks())
        .filteredOn(c -> c.name().startsWith("scenario cancel: trigger -> first"))
        .extracting(DrillReport.Check::result)
        .containsExactly("PASS", "GOAL MISSED", "goal met");
    assertThat(report.passed()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 137})
  void launcherExitOtherThan0Or143_failsTheExitCheck(int exitCode) {
    Run run = new Run();
    run.exitCode = exitCode;

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(EXIT);
    assertThat(report.value(EXIT)).isEqualTo(String.valueOf(exitCode));
    assertThat(report.passed()).isFalse();
  }

  @Test
  void launcherThatDidNotExit_failsTheExitCheck_whileExit0Passes() {
    Run notExited = new Run();
    notExited.exitCode = null;
    Run exited0 = new Run();
    exited0.exitCode = 0;

    assertThat(failed(notExited.report())).containsExactly(EXIT);
    assertThat(exited0.report().passed()).isTrue();
  }

  @Test
  void noClassDefFoundErrorInTheLauncherLog_failsTheLogCheck() {
    Run run = new Run();
    run.log +=
        "Exception in thread \"fallback-loop\" java.lang.NoClassDefFoundError: org/apache/avro/Schema\n"
            + "\tat io.fallback.kafka.AvroDecoder.<init>(AvroDecoder.java:42)\n";

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(FATAL_LOG);
    assertThat(report.value(FATAL_LOG)).isEqualTo("1");
    assertThat(report.passed()).isFalse();
  }

  @Test
  void launcherErrorsInMetrics_areAMissedGoal_absentMetricsReported() {
    Run errors = new Run();
    errors.metrics =
        "fallback_errors_total{stage=\"process\"} 2.0\nfallback_errors_total{stage=\"write\"} 1.0\n";
    Run unreadable = new Run();
    unreadable.metrics = null;

    DrillReport withErrors = errors.report();
    DrillReport withoutMetrics = unreadable.report();

    assertThat(withErrors.value("fallback /metrics fallback_errors_total (sum)")).isEqualTo("3");
    assertThat(withErrors.passed()).isTrue();
    assertThat(withoutMetrics.value("fallback /metrics at the end")).isEqualTo("n/a");
    assertThat(withoutMetrics.passed()).isTrue();
  }

  @Test
  void missingScenario_failsScenariosCompleted() {
    Run run = new Run();
    run.scenarios.remove(2);

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly("scenarios completed");
    assertThat(report.value("scenarios completed")).isEqualTo("2");
    assertThat(report.passed()).isFalse();
  }

  @Test
  void pipelineThatDidNotStart_reportsNoChecks_andFails() {
    Run run = new Run();
    run.started = false;

    DrillReport report = run.report();

    assertThat(report.checks()).isEmpty();
    assertThat(report.failure()).isEqualTo("did not start");
    assertThat(report.passed()).isFalse();
  }

  @Test
  void unreadableObservations_failReportComputed() {
    Run run = new Run();
    run.unreadable = "java.io.UncheckedIOException: cannot read flink_sink.nurse_stress";

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly("report computed");
    assertThat(report.value("report computed")).isEqualTo(run.unreadable);
    assertThat(report.passed()).isFalse();
  }

  @Test
  void exceptionWhileComputing_keepsTheChecksBefore_failsReportComputed_andIsPassedOn() {
    Run run = new Run();
    // an observation no check expects: a write without a field set
    run.writes.add(
        new InfluxWriteRecorder.Write(W + 2_000, Drill.PRIMARY_SOURCE, "A", pointTime(0), null));

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly("report computed");
    assertThat(report.value(MISSING)).isEqualTo("0");
    assertThat(run.errors).singleElement().isInstanceOf(NullPointerException.class);
    assertThat(report.passed()).isFalse();
  }

  @Test
  void fastLauncherTriggeredAfter16s_failsTheBound_andMissesTheGoal() {
    Run run = new Run();
    run.fastPath = fastTrigger(run.fastPath, W + 10_000 + 16_400, "unhealthy");

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(FAST_TRIGGER);
    assertThat(report.value(FAST_TRIGGER)).isEqualTo("16.4 s");
    assertThat(result(report, FAST_TRIGGER_GOAL)).isEqualTo("GOAL MISSED");
    assertThat(report.passed()).isFalse();
  }

  @Test
  void fastLauncherTriggeredBetween15And16s_passes_butMissesTheGoal() {
    Run run = new Run();
    run.fastPath = fastTrigger(run.fastPath, W + 10_000 + 15_600, "unhealthy");

    DrillReport report = run.report();

    assertThat(failed(report)).isEmpty();
    assertThat(result(report, FAST_TRIGGER_GOAL)).isEqualTo("GOAL MISSED");
    assertThat(report.passed()).isTrue();
  }

  @Test
  void fastLauncherTriggeredByItsLatencyCheck_failsTriggeredByProbes() {
    Run run = new Run();
    run.fastPath = fastTrigger(run.fastPath, W + 22_000, "latency");

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(FAST_BY_PROBES);
    assertThat(report.value(FAST_BY_PROBES)).isEqualTo("latency");
  }

  @Test
  void fastLauncherNeverTriggered_failsTheBoundAndByProbes() {
    Run run = new Run();
    run.fastPath = fastTrigger(run.fastPath, null, null);

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(FAST_TRIGGER, FAST_BY_PROBES);
    assertThat(report.value(FAST_TRIGGER)).isEqualTo("none");
    assertThat(report.scenarios().get(1).detection()).isNull();
  }

  @Test
  void blipThatSwitchedTheFastLauncher_failsBlipTransitions() {
    Run run = new Run();
    DrillObservations.FastPath f = run.fastPath;
    run.fastPath =
        new DrillObservations.FastPath(
            f.injections(),
            f.unhealthyProbes(),
            f.healthyAfter(),
            1,
            0,
            Mode.FALLBACK,
            f.mainMode(),
            f.probeLines(),
            f.cancelFault(),
            f.triggeredAt(),
            f.trigger());

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(BLIP_TRANSITIONS);
    assertThat(report.value(BLIP_TRANSITIONS)).isEqualTo("1");
  }

  @Test
  void blipNoProbeSaw_failsUnhealthyProbesAndHealthyAfter() {
    Run run = new Run();
    DrillObservations.FastPath f = run.fastPath;
    run.fastPath =
        new DrillObservations.FastPath(
            Drill.BLIP_ATTEMPTS,
            0,
            false,
            0,
            0,
            f.fastMode(),
            f.mainMode(),
            List.of(),
            f.cancelFault(),
            f.triggeredAt(),
            f.trigger());

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(BLIP_UNHEALTHY, BLIP_HEALTHY_AFTER);
    assertThat(report.value(BLIP_UNHEALTHY)).isEqualTo("0 after 5 failure(s)");
  }

  @Test
  void correctShadowWithADifferenceOrAMissingWindow_failsSteadyState() {
    Run differing = new Run();
    differing.shadowSteady = shadowStatus(8, 7, 1, 0, true);
    Run missing = new Run();
    missing.shadowSteady = shadowStatus(8, 8, 0, 1, true);

    DrillReport withDifference = differing.report();
    DrillReport withMissing = missing.report();

    assertThat(failed(withDifference)).containsExactly(SHADOW_STEADY);
    assertThat(withDifference.value(SHADOW_STEADY)).isEqualTo("1 / 0");
    assertThat(failed(withMissing)).containsExactly(SHADOW_STEADY);
    assertThat(withMissing.value(SHADOW_STEADY)).isEqualTo("0 / 1");
  }

  @Test
  void correctShadowThatComparedNothing_failsCompared() {
    Run run = new Run();
    run.shadowSteady = shadowStatus(0, 0, 0, 0, false);

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(SHADOW_COMPARED);
  }

  @Test
  void correctShadowDifferingByTheEnd_failsTheEndCheck_andListsItsDifferences() {
    Run run = new Run();
    run.shadowEnd = shadowStatus(40, 39, 1, 0, true);

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(SHADOW_END);
    assertThat(report.value(SHADOW_END)).isEqualTo("1, true");
    assertThat(report.samples()).anyMatch(l -> l.startsWith("shadow mode: A [2025-11-24"));
  }

  @Test
  void wrongShadowThatFoundNoDifference_failsDifferingFirstAndAlert() {
    Run run = new Run();
    run.wrongFirst = shadowStatus(6, 6, 0, 0, false);
    run.wrongLast = shadowStatus(6, 6, 0, 0, false);

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(WRONG_DIFFERING, WRONG_FIRST, WRONG_ALERT);
    assertThat(report.value(WRONG_FIRST)).isEqualTo("no difference");
    assertThat(report.value("wrong shadow: first comparison -> first difference (/status)"))
        .isEqualTo("none");
  }

  @Test
  void wrongShadowCaughtOnlyAfterEqualWindows_failsCaughtWithinOneWindow() {
    Run run = new Run();
    run.wrongFirst = shadowStatus(5, 3, 2, 0, true);

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly(WRONG_FIRST);
    assertThat(report.value(WRONG_FIRST)).isEqualTo("3");
  }

  @Test
  void otherLauncherExitingWith1_failsItsCheck() {
    Run run = new Run();
    run.others.set(2, launcher("fast", 4243, 1));

    DrillReport report = run.report();

    assertThat(failed(report)).containsExactly("launcher 'fast' (pid 4243): exit, fatal log lines");
    assertThat(report.value("launcher 'fast' (pid 4243): exit, fatal log lines")).isEqualTo("1, 0");
  }

  @Test
  void runWithoutFastPathOrShadowMode_hasNoSuchChecks() {
    Run run = new Run();
    run.fastPath = null;
    run.shadowMode = false;

    DrillReport report = run.report();

    assertThat(report.checks())
        .noneMatch(
            c ->
                c.name().startsWith("fast path")
                    || c.name().startsWith("shadow mode")
                    || c.name().startsWith("wrong shadow"));
    assertThat(report.scenarios())
        .extracting(DrillReport.Timings::name)
        .doesNotContain(DrillChecks.FAST_ROW);
  }

  // ---------------------------------------------------------------- made-up observations

  private static String result(DrillReport report, String name) {
    return report.checks().stream()
        .filter(c -> c.name().equals(name))
        .map(DrillReport.Check::result)
        .findFirst()
        .orElseThrow();
  }

  /** The fast path with another trigger of the fast launcher (null: none). */
  private static DrillObservations.FastPath fastTrigger(
      DrillObservations.FastPath f, Long triggeredAt, String cause) {
    return new DrillObservations.FastPath(
        f.injections(),
        f.unhealthyProbes(),
        f.healthyAfter(),
        f.fastTransitions(),
        f.mainTransitions(),
        f.fastMode(),
        f.mainMode(),
        f.probeLines(),
        f.cancelFault(),
        triggeredAt,
        cause == null
            ? null
            : new ModeWatcher.StatusTransition(
                Mode.PRIMARY,
                Mode.FALLBACK,
                cause,
                "2025-11-24T16:00:22Z",
                cause.equals("unhealthy")
                    ? "3 consecutive unhealthy health probes: job is CANCELED"
                    : "latency 12.0 s > 10.0 s"));
  }

  private static List<String> failed(DrillReport report) {
    return report.checks().stream()
        .filter(c -> Boolean.FALSE.equals(c.pass()))
        .map(DrillReport.Check::name)
        .toList();
  }

  private static long pointTime(int window) {
    return T0 + window * 5_000L + 4_999;
  }

  private static InfluxPoints.Point otherLevel(Reference.Expected e) {
    return new InfluxPoints.Point(
        e.key().id(), "?", e.pointTime(), e.means(), (e.stressLevel() + 1) % 3);
  }

  /** The same fields in the opposite order. */
  private static String reversed(String fields) {
    List<String> parts = new ArrayList<>(Arrays.asList(fields.split(",")));
    Collections.reverse(parts);
    return String.join(",", parts);
  }

  private static DrillObservations.Scenario scenario(
      String name,
      long fault,
      long recovery,
      Long trigger,
      Long handBack,
      long toFirstBatch,
      long toFirstWrite) {
    return scenario(name, fault, recovery, trigger, handBack, toFirstBatch, toFirstWrite, false);
  }

  private static DrillObservations.Scenario scenario(
      String name,
      long fault,
      long recovery,
      Long trigger,
      Long handBack,
      long toFirstBatch,
      long toFirstWrite,
      boolean shadowMode) {
    Instant started = Instant.ofEpochMilli(trigger);
    ModeWatcher.Activation activation =
        new ModeWatcher.Activation(
            started,
            started.plusMillis(toFirstBatch),
            started.plusMillis(toFirstWrite),
            1_000,
            4,
            "running",
            null);
    return new DrillObservations.Scenario(
        name,
        fault,
        recovery,
        trigger,
        handBack,
        new ModeWatcher.Episode(trigger, handBack == null ? trigger : handBack, activation, 0.5),
        shadowMode);
  }

  private static ModeWatcher.ShadowStatus shadowStatus(
      long compared, long equal, long differing, long missing, boolean alerting) {
    return new ModeWatcher.ShadowStatus(
        "running",
        compared,
        equal,
        differing,
        missing,
        3,
        2,
        0,
        1,
        alerting,
        differing == 0
            ? List.of()
            : List.of(
                "A [2025-11-24T16:00:00Z, 2025-11-24T16:00:10Z) hr: fallback=80.5 primary=78.25"));
  }

  private static DrillObservations.Launcher launcher(String name, long pid, Integer exitCode) {
    return new DrillObservations.Launcher(
        name,
        "fallback-launcher.jar",
        pid,
        "/work/main/examples/target/drill-" + name + ".log",
        exitCode,
        "12:00:01 INFO  fallback started\n",
        null);
  }

  /** A clean run's observations, to spoil one at a time. */
  private static final class Run {
    final Reference reference;
    final List<InfluxPoints.Point> stored = new ArrayList<>();
    final List<InfluxWriteRecorder.Write> writes = new ArrayList<>();
    final List<InfluxPoints.Point> shadowPoints = new ArrayList<>();
    final List<DrillObservations.Scenario> scenarios =
        new ArrayList<>(
            List.of(
                scenario("cancel", W + 10_000, W + 30_000, W + 14_000, W + 34_000, 300, 1_200),
                scenario(
                    "cancel+shadow",
                    W + 40_000,
                    W + 45_000,
                    W + 42_000,
                    W + 48_000,
                    200,
                    800,
                    true),
                scenario(
                    "slow+shadow",
                    W + 50_000,
                    W + 70_000,
                    W + 54_000,
                    W + 74_000,
                    250,
                    900,
                    true)));
    boolean shadowMode = true;
    DrillObservations.FastPath fastPath =
        new DrillObservations.FastPath(
            2,
            1,
            true,
            0,
            0,
            Mode.PRIMARY,
            Mode.PRIMARY,
            List.of(
                "Flink health probe unhealthy 1/3: job nurse-stress-primary is RESTARTING",
                "Flink health probe healthy again: job nurse-stress-primary is RUNNING"),
            W + 10_000,
            W + 22_000,
            new ModeWatcher.StatusTransition(
                Mode.PRIMARY,
                Mode.FALLBACK,
                "unhealthy",
                "2025-11-24T16:00:22Z",
                "3 consecutive unhealthy health probes: job nurse-stress-primary is CANCELED"));
    ModeWatcher.ShadowStatus shadowSteady = shadowStatus(8, 8, 0, 0, false);
    ModeWatcher.ShadowStatus shadowEnd = shadowStatus(40, 40, 0, 0, false);
    ModeWatcher.ShadowStatus wrongFirst = shadowStatus(2, 0, 2, 0, true);
    ModeWatcher.ShadowStatus wrongLast = shadowStatus(6, 0, 6, 0, true);
    long wrongFirstComparedAt = W + 5_000;
    List<DrillObservations.Launcher> others =
        new ArrayList<>(
            List.of(
                launcher("fallback", 4240, 143),
                launcher("wrong-shadow", 4241, 143),
                launcher("fast", 4243, 143)));
    final List<RuntimeException> errors = new ArrayList<>();
    boolean started = true;
    String unreadable;
    long deadLetters;
    Integer exitCode = 143;
    String log =
        "12:00:01 INFO  fallback started\n"
            + "12:00:15 WARN  TRIGGERING DASK FALLBACK MODE (unhealthy)\n12:00:35 INFO  RESUMING PRIMARY PROCESSING MODE\n"
            + "12:00:55 WARN  TRIGGERING DASK FALLBACK MODE (latency)\n12:01:15 INFO  RESUMING PRIMARY PROCESSING MODE\n";
    String metrics =
        "fallback_errors_total{stage=\"process\"} 0.0\nfallback_batch_failures_total 3.0\n";

    Run() {
      List<SensorProducer.Sent> sent = new ArrayList<>();
      for (long t = T0; t < T0 + 30_000; t += 500) {
        float hr = 70f + (t - T0) / 1_000f;
        sent.add(
            new SensorProducer.Sent(
                new SensorReading("A", t, 0.1f, 0.2f, 0.3f, 1.5f, hr, 33f), 0, sent.size()));
        sent.add(
            new SensorProducer.Sent(
                new SensorReading("B", t, 0.4f, null, 0.6f, 2.5f, hr + 20, 34f), 1, sent.size()));
      }
      reference = Reference.ofDefaults(sent);
      for (String id : List.of("A", "B")) {
        int offset = id.equals("A") ? 0 : 10;
        write(Drill.PRIMARY_SOURCE, id, 0, W + 1_000 + offset);
        write(Drill.PRIMARY_SOURCE, id, 1, W + 1_000 + offset);
        write(Drill.FALLBACK_SOURCE, id, 2, W + 15_000 + offset);
        write(Drill.FALLBACK_SOURCE, id, 3, W + 15_000 + offset);
        write(
            Drill.PRIMARY_SOURCE,
            id,
            3,
            W + 32_000 + offset); // after its restore: overlap, equal values
        write(Drill.FALLBACK_SOURCE, id, 4, W + 43_000 + offset);
        write(Drill.FALLBACK_SOURCE, id, 5, W + 55_000 + offset);
        for (int window = 0; window < 6; window++) {
          Reference.Expected e = expected(id, window);
          shadowPoints.add(
              new InfluxPoints.Point(
                  id, Drill.REPLAY_SOURCE, e.pointTime(), e.means(), e.stressLevel()));
          writes.add(
              new InfluxWriteRecorder.Write(
                  W + 90_000 + window * 1_000,
                  Drill.REPLAY_SOURCE,
                  id,
                  e.pointTime(),
                  DrillChecks.expectedFields(e)));
        }
      }
    }

    Reference.Expected expected(String id, int window) {
      return reference.all().get(new Reference.WindowKey(id, T0 + window * 5_000L));
    }

    /** The source wrote the reference's window: acknowledged at {@code receivedAt}, stored. */
    private void write(String source, String id, int window, long receivedAt) {
      Reference.Expected e = expected(id, window);
      writes.add(
          new InfluxWriteRecorder.Write(
              receivedAt, source, id, e.pointTime(), DrillChecks.expectedFields(e)));
      stored.add(new InfluxPoints.Point(id, source, e.pointTime(), e.means(), e.stressLevel()));
    }

    /** The source's point of that window is not in InfluxDB, nor in the write log. */
    void remove(String source, String id, int window) {
      stored.removeIf(
          p -> p.source().equals(source) && p.id().equals(id) && p.time() == pointTime(window));
      writes.removeIf(
          w -> w.source().equals(source) && w.id().equals(id) && w.time() == pointTime(window));
    }

    /** The source wrote {@code point}'s values (and the bytes of them) for that window instead. */
    void replace(String source, String id, int window, InfluxPoints.Point point) {
      Reference.Expected e = expected(id, window);
      Reference.Expected written =
          new Reference.Expected(e.key(), e.end(), e.count(), point.values(), point.stressLevel());
      stored.replaceAll(
          p ->
              p.source().equals(source) && p.id().equals(id) && p.time() == e.pointTime()
                  ? new InfluxPoints.Point(
                      id, source, p.time(), point.values(), point.stressLevel())
                  : p);
      writes.replaceAll(
          w ->
              w.source().equals(source) && w.id().equals(id) && w.time() == e.pointTime()
                  ? new InfluxWriteRecorder.Write(
                      w.receivedAt(), source, id, w.time(), DrillChecks.expectedFields(written))
                  : w);
    }

    DrillReport report() {
      DrillObservations.Pipeline pipeline =
          started
              ? new DrillObservations.Pipeline(
                  reference, 0, stored, writes, deadLetters, 0, 12, 10, 2)
              : null;
      DrillObservations.Replay shadow =
          started
              ? new DrillObservations.Replay(
                  W + 90_000,
                  shadowPoints,
                  new ModeWatcher.Activation(
                      Instant.ofEpochMilli(W + 90_000),
                      Instant.ofEpochMilli(W + 90_400),
                      Instant.ofEpochMilli(W + 90_600),
                      120,
                      12,
                      "running",
                      null))
              : null;
      DrillObservations.Launcher launcher =
          new DrillObservations.Launcher(
              "fallback-shadow",
              "fallback-launcher.jar",
              4242,
              "/work/main/examples/target/drill-fallback.log",
              exitCode,
              log,
              metrics);
      DrillObservations observed =
          new DrillObservations(
              DrillSettings.ci(),
              List.of("+   1.0 s  servers up"),
              Duration.ofSeconds(80),
              null,
              pipeline,
              scenarios,
              shadow,
              launcher,
              unreadable,
              fastPath,
              shadowMode ? new DrillObservations.ShadowMode(shadowSteady, shadowEnd) : null,
              !shadowMode
                  ? null
                  : new DrillObservations.WrongShadow(
                      Drill.WRONG_SETTING,
                      new ModeWatcher.ShadowMilestones(
                          wrongFirstComparedAt,
                          wrongFirst,
                          wrongFirst.differing() > 0 ? wrongFirstComparedAt : null,
                          wrongFirst.differing() > 0 ? wrongFirst : null),
                      wrongLast,
                      wrongLast.differing() == 0
                          ? List.of()
                          : List.of(
                              "Shadow difference: key=A window=[2025-11-24T16:00:00Z,"
                                  + " 2025-11-24T16:00:10Z) hr: fallback=80.5 primary=78.25"),
                      wrongLast.alerting()
                          ? List.of(
                              "Shadow: the fallback would not produce what the primary produces: 2"
                                  + " of 2 compared windows differ (100.0%), 0 missing (0.0%)")
                          : List.of()),
              others);
      return DrillChecks.report(observed, errors::add);
    }
  }
}
