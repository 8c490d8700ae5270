package io.fallback.launcher;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Records read per second, from the total at each {@code /status} request: over the span since the
 * newest earlier request at least {@link #WINDOW} ago (or the oldest one kept), so the figure
 * neither depends on how often operators ask nor drops to 0 between two quick requests. Before
 * there is a span of a second, the current activation's average. Thread-safe.
 */
final class DrainRate {
  static final Duration WINDOW = Duration.ofSeconds(60);
  private static final long MIN_SPAN_MILLIS = 1000;
  private static final int MAX_SAMPLES = 256;

  private final Deque<long[]> samples = new ArrayDeque<>();

  synchronized double perSecond(Instant now, ActivationTracker.Snapshot events) {
    long t = now.toEpochMilli();
    long total = events.recordsTotal();
    samples.addLast(new long[] {t, total});
    while (samples.size() > MAX_SAMPLES) {
      samples.removeFirst();
    }
    while (samples.size() > 2 && t - second()[0] >= WINDOW.toMillis()) {
      samples.removeFirst();
    }
    long[] ref = samples.getFirst();
    if (t - ref[0] >= MIN_SPAN_MILLIS) {
      return Math.max(0, total - ref[1]) * 1000.0 / (t - ref[0]);
    }
    if (events.startedAt() != null) {
      long span = t - events.startedAt().toEpochMilli();
      if (span >= MIN_SPAN_MILLIS) {
        return events.recordsRead() * 1000.0 / span;
      }
    }
    return 0;
  }

  private long[] second() {
    var it = samples.iterator();
    it.next();
    return it.next();
  }
}
