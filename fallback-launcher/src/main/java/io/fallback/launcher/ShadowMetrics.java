package io.fallback.launcher;

import io.fallback.core.shadow.ShadowComparator.Report;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The shadow's meters, read from its report at each scrape. Registered whether or not shadow mode
 * is on (all 0 when it is off), so dashboards and alerts need no special case.
 */
final class ShadowMetrics {

  private ShadowMetrics() {}

  /**
   * Registers the meters.
   *
   * @param registry where
   * @param report the shadow's report, empty when shadow mode is off
   */
  static void register(MeterRegistry registry, Supplier<Optional<Report>> report) {
    outcome(registry, report, "equal", Report::equal);
    outcome(registry, report, "differing", Report::differing);
    outcome(registry, report, "missing", Report::missing);
    outcome(registry, report, "confirmed", Report::confirmed);
    outcome(registry, report, "own", Report::own);
    outcome(registry, report, "over_budget", Report::overBudget);
    Gauge.builder("fallback_shadow_pending_windows", report, r -> value(r, Report::pending))
        .description("windows the shadow computed and the primary has not written yet")
        .strongReference(true)
        .register(registry);
    Gauge.builder("fallback_shadow_alerting", report, r -> value(r, x -> x.alerting() ? 1 : 0))
        .description(
            "1 when the shadow's differing or missing rate is above shadow.max_differing_percent or"
                + " shadow.max_missing_percent: the fallback would not produce what the primary produces")
        .strongReference(true)
        .register(registry);
  }

  private static void outcome(
      MeterRegistry registry,
      Supplier<Optional<Report>> report,
      String outcome,
      ToDoubleFunction<Report> count) {
    FunctionCounter.builder("fallback_shadow_windows", report, r -> value(r, count))
        .tag("outcome", outcome)
        .description(
            "windows the shadow settled, by outcome: equal/differing (compared with the primary's"
                + " point), missing (the primary moved past it), confirmed (written by the primary, not"
                + " sampled), own (written by the fallback), over_budget (sampled, not scored)")
        .register(registry);
  }

  private static double value(Supplier<Optional<Report>> report, ToDoubleFunction<Report> f) {
    return report.get().map(f::applyAsDouble).orElse(0.0);
  }
}
