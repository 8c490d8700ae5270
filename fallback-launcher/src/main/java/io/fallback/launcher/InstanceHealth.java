package io.fallback.launcher;

import io.fallback.core.mode.Mode;
import io.fallback.core.supervisor.FallbackActivity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What {@code GET /health/live} and {@code GET /health/ready} answer, as pure functions of what the
 * instance knows at one moment (no I/O, no clock of its own).
 *
 * <ul>
 *   <li><b>live</b>: the process runs and so do its checks. Down when the checks have stalled: no
 *       check completed for {@value #STALLED_CHECKS} check intervals plus the probe timeout (a
 *       check always completes within the probe timeout, hung probes included), counted from the
 *       start before the first check.
 *   <li><b>ready</b>: the instance can do its job. Down when the checks have stalled; in fallback
 *       mode, when the loop is failing (it could not start, or crashed and waits for its retry);
 *       and in fallback mode, when it is not progressing: no batch read for longer than the
 *       progress bound while records are unread, or while the backlog is unknown (Kafka does not
 *       answer).
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
final class InstanceHealth {

  /**
   * How long the fallback may read nothing while records wait before it is not ready: the default
   * of {@code server.ready_progress_seconds}.
   */
  static final Duration DEFAULT_PROGRESS_BOUND = Duration.ofMinutes(5);

  /**
   * Check intervals without a completed check (plus the probe timeout) after which checks have
   * stalled.
   */
  static final int STALLED_CHECKS = 3;

  /**
   * A verdict.
   *
   * @param up whether the endpoint answers 200
   * @param reasons why not, one sentence each; empty when up
   */
  record Verdict(boolean up, List<String> reasons) {

    /**
     * Copies the reasons.
     *
     * @throws NullPointerException for null reasons
     */
    Verdict {
      reasons = List.copyOf(reasons);
    }
  }

  private final Duration stalledAfter;
  private final Duration progressBound;

  /**
   * The rules for one instance.
   *
   * @param checkInterval {@code monitoring.check_interval_seconds}
   * @param probeTimeout {@code monitoring.probe_timeout_seconds}
   * @param progressBound how long the fallback may read nothing while records wait ({@link
   *     #DEFAULT_PROGRESS_BOUND})
   * @throws IllegalArgumentException for a non-positive duration
   */
  InstanceHealth(Duration checkInterval, Duration probeTimeout, Duration progressBound) {
    positive(checkInterval, "checkInterval");
    positive(probeTimeout, "probeTimeout");
    positive(progressBound, "progressBound");
    this.stalledAfter = checkInterval.multipliedBy(STALLED_CHECKS).plus(probeTimeout);
    this.progressBound = progressBound;
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0, but was " + d);
    }
  }

  /**
   * @return how long without a completed check means the checks have stalled
   */
  Duration stalledAfter() {
    return stalledAfter;
  }

  /**
   * Whether the process and its checks run.
   *
   * @param now the current time
   * @param events what the tracker knows
   * @return the verdict
   */
  Verdict live(Instant now, ActivationTracker.Snapshot events) {
    List<String> reasons = new ArrayList<>();
    stalled(now, events, reasons);
    return new Verdict(reasons.isEmpty(), reasons);
  }

  /**
   * Whether the instance can do its job.
   *
   * @param now the current time
   * @param mode the current mode
   * @param loop the fallback loop's status
   * @param events what the tracker knows
   * @param backlog the latest backlog sample
   * @return the verdict
   */
  Verdict ready(
      Instant now,
      Mode mode,
      FallbackActivity.Status loop,
      ActivationTracker.Snapshot events,
      Backlog.Sample backlog) {
    List<String> reasons = new ArrayList<>();
    stalled(now, events, reasons);
    if (mode == Mode.FALLBACK && loop.state() == FallbackActivity.State.FAILING) {
      StringBuilder r = new StringBuilder("fallback loop failing");
      loop.lastFailure()
          .ifPresent(
              f ->
                  r.append(" (")
                      .append(f.phase().name().toLowerCase(Locale.ROOT))
                      .append(": ")
                      .append(SeedLogListener.describe(f.error()))
                      .append(')'));
      r.append(", ").append(loop.failedAttempts()).append(" failed attempts");
      loop.nextAttemptAt().ifPresent(at -> r.append(", next attempt at ").append(at));
      reasons.add(r.toString());
    }
    if (mode == Mode.FALLBACK) {
      Instant since = latest(events.startedAt(), events.lastBatchAt());
      if (since == null) {
        since = events.createdAt();
      }
      Duration idle = Duration.between(since, now);
      boolean waiting = backlog.counts().map(c -> c.unread() > 0).orElse(true);
      if (idle.compareTo(progressBound) > 0 && waiting) {
        String what =
            backlog.counts().isPresent()
                ? backlog.counts().get().unread() + " records are unread"
                : "the backlog is unknown ("
                    + backlog
                        .sampledAt()
                        .map(
                            at ->
                                "Kafka has not answered for "
                                    + seconds(Duration.between(at, now))
                                    + " s")
                        .orElse("Kafka has not answered yet")
                    + ")";
        reasons.add(
            "fallback not progressing: no batch read for "
                + seconds(idle)
                + " s (bound "
                + seconds(progressBound)
                + " s) while "
                + what);
      }
    }
    return new Verdict(reasons.isEmpty(), reasons);
  }

  private void stalled(Instant now, ActivationTracker.Snapshot events, List<String> reasons) {
    Instant last = events.lastCheckAt() == null ? events.createdAt() : events.lastCheckAt();
    Duration since = Duration.between(last, now);
    if (since.compareTo(stalledAfter) > 0) {
      reasons.add(
          "checks stalled: "
              + (events.lastCheckAt() == null
                  ? "no check completed in the " + seconds(since) + " s since the start"
                  : "the last check completed " + seconds(since) + " s ago")
              + " (bound "
              + seconds(stalledAfter)
              + " s: "
              + STALLED_CHECKS
              + " check intervals + the probe timeout)");
    }
  }

  private static Instant latest(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isAfter(b) ? a : b;
  }

  private static long seconds(Duration d) {
    return Math.max(0, d.toSeconds());
  }
}
