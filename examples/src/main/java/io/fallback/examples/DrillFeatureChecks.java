package io.fallback.examples;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The drill's checks of the fast confirmation and of shadow mode (issue 14), computed from what the
 * run observed; part of {@link DrillChecks}, which calls them in report order. Pure.
 */
final class DrillFeatureChecks {

  private DrillFeatureChecks() {}

  /**
   * The fast path: the blip (a failure Flink restarted by itself, seen by one probe) switches
   * nothing; the cancel triggers the fast launcher by its probes within the bound.
   */
  static void fastPath(List<DrillReport.Check> checks, DrillObservations.FastPath f) {
    if (f.injections() > 0) {
      checks.add(
          DrillReport.Check.that(
              "fast path blip: unhealthy probes (flink failed, restarted itself)",
              f.unhealthyProbes() + " after " + f.injections() + " failure(s)",
              ">= 1 (a probe saw it)",
              f.unhealthyProbes() >= 1));
      checks.add(
          DrillReport.Check.that(
              "fast path blip: a healthy probe after it",
              f.healthyAfter() ? "yes" : "no",
              "yes",
              f.healthyAfter()));
      checks.add(
          DrillReport.Check.equal(
              "fast path blip: transitions of the fast launcher", f.fastTransitions(), 0));
      checks.add(
          DrillReport.Check.info(
              "fast path blip: main launcher (check every 2 s x 3)",
              String.valueOf(f.mainMode()),
              f.mainTransitions() + " transition(s) during the blip"));
      checks.add(
          DrillReport.Check.info(
              "fast path blip: fast launcher's probe log",
              f.probeLines().size() + " lines",
              f.probeLines().isEmpty() ? "none" : String.join(" | ", f.probeLines())));
    }
    if (f.cancelFault() <= 0) {
      return;
    }
    Duration detection =
        f.triggeredAt() == null ? null : Duration.ofMillis(f.triggeredAt() - f.cancelFault());
    Duration bound = Duration.ofSeconds(DrillChecks.FAST_TRIGGER_BOUND_SECONDS);
    checks.add(
        DrillReport.Check.that(
            "fast path cancel: fault -> trigger (check every 60 s, probes 5 s x 3)",
            DrillChecks.secsOrNone(detection),
            "<= " + DrillReport.secs(bound) + " (15 s + one probe)",
            detection != null && detection.compareTo(bound) <= 0));
    checks.add(
        DrillReport.Check.goal(
            "fast path cancel: fault -> trigger (goal)",
            DrillChecks.secsOrNone(detection),
            "<= " + DrillReport.secs(DrillChecks.FAST_TRIGGER_GOAL) + " (issue 14)",
            detection != null && detection.compareTo(DrillChecks.FAST_TRIGGER_GOAL) <= 0));
    ModeWatcher.StatusTransition t = f.trigger();
    boolean byProbes =
        t != null
            && t.cause().equals("unhealthy")
            && t.detail().contains("consecutive unhealthy health probes");
    checks.add(
        DrillReport.Check.that(
            "fast path cancel: triggered by the health probes",
            t == null ? "no trigger" : t.cause(),
            "unhealthy, N consecutive probes",
            byProbes));
    if (t != null) {
      checks.add(DrillReport.Check.info("fast path cancel: transition detail", "-", t.detail()));
    }
  }

  /**
   * Shadow mode with the correct configuration: windows compared, none differing, none missing, in
   * steady state and until the launcher stopped.
   */
  static void shadowMode(
      List<DrillReport.Check> checks, List<String> samples, DrillObservations.ShadowMode m) {
    ModeWatcher.ShadowStatus steady = m.steady();
    checks.add(
        DrillReport.Check.that(
            "shadow mode (steady state): windows compared",
            steady == null ? "n/a" : String.format(Locale.ROOT, "%,d", steady.compared()),
            "> 0",
            steady != null && steady.compared() > 0));
    checks.add(
        DrillReport.Check.that(
            "shadow mode (steady state): differing / missing",
            steady == null ? "n/a" : steady.differing() + " / " + steady.missing(),
            "0 / 0",
            steady != null && steady.differing() == 0 && steady.missing() == 0));
    ModeWatcher.ShadowStatus end = m.end();
    if (end == null) {
      checks.add(DrillReport.Check.info("shadow mode (at the end)", "n/a", "/status not read"));
      return;
    }
    checks.add(
        DrillReport.Check.info(
            "shadow mode (at the end): compared / equal / differing / missing",
            end.counts(),
            String.format(
                Locale.ROOT,
                "confirmed unscored %,d, own %,d, over budget %,d, pending %,d",
                end.confirmed(),
                end.own(),
                end.overBudget(),
                end.pending())));
    checks.add(
        DrillReport.Check.that(
            "shadow mode (at the end): differing, alerting",
            end.differing() + ", " + end.alerting(),
            "0, false",
            end.differing() == 0 && !end.alerting()));
    if (!end.firstDifferences().isEmpty()) {
      samples.addAll(end.firstDifferences().stream().map(d -> "shadow mode: " + d).toList());
    }
  }

  /** The deliberately wrong shadow: it differs, from the first compared window on, and alerts. */
  static void wrongShadow(List<DrillReport.Check> checks, DrillObservations.WrongShadow w) {
    ModeWatcher.ShadowMilestones m = w.milestones();
    ModeWatcher.ShadowStatus last = w.last();
    String name = "wrong shadow (" + w.wrongSetting() + ")";
    checks.add(
        DrillReport.Check.that(
            name + ": windows differing",
            last == null ? "n/a" : last.differing() + " of " + last.compared(),
            "> 0",
            last != null && last.differing() > 0));
    ModeWatcher.ShadowStatus first = m.atFirstDifference();
    checks.add(
        DrillReport.Check.that(
            "wrong shadow: equal windows before the first difference",
            first == null ? "no difference" : String.valueOf(first.equal()),
            "0 (caught at its first window)",
            first != null && first.equal() == 0));
    Duration toFirst =
        m.firstComparedAt() == null || m.firstDifferingAt() == null
            ? null
            : Duration.ofMillis(m.firstDifferingAt() - m.firstComparedAt());
    checks.add(
        DrillReport.Check.info(
            "wrong shadow: first comparison -> first difference (/status)",
            DrillChecks.secsOrNone(toFirst),
            "reported (/status polled every 50 ms; 0.0 s: the first comparison differed)"));
    checks.add(
        DrillReport.Check.that(
            "wrong shadow: alerting (/status), WARN lines",
            (last != null && last.alerting()) + ", " + w.alertLines().size(),
            "true, >= 1",
            last != null && last.alerting() && !w.alertLines().isEmpty()));
    checks.add(
        DrillReport.Check.info(
            "wrong shadow: first difference logged",
            w.differenceLines().size() + " lines",
            w.differenceLines().isEmpty() ? "none" : w.differenceLines().get(0)));
  }
}
