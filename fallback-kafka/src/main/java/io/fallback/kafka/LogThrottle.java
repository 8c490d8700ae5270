package io.fallback.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides when a repeated log line may be written again: at most once per interval per key, with
 * the number of occurrences held back since the last line. Time comes in as nanoseconds, so tests
 * need no clock.
 *
 * <p>Thread-safe.
 */
final class LogThrottle {

  private final long intervalNanos;
  private final Map<String, long[]> state =
      new ConcurrentHashMap<>(); // key -> {last logged, suppressed}

  LogThrottle(Duration interval) {
    this.intervalNanos = interval.toNanos();
  }

  /**
   * Records one occurrence of {@code key} at {@code nowNanos}.
   *
   * @return the occurrences held back since the last line, when this one is to be logged; empty
   *     when it is to be held back
   */
  OptionalLong occurred(String key, long nowNanos) {
    long[] s = state.computeIfAbsent(key, k -> new long[] {0, 0});
    synchronized (s) {
      boolean first = s[0] == 0 && s[1] == 0;
      if (!first && nowNanos - s[0] < intervalNanos) {
        s[1]++;
        return OptionalLong.empty();
      }
      long suppressed = s[1];
      s[0] = nowNanos == 0 ? 1 : nowNanos;
      s[1] = 0;
      return OptionalLong.of(suppressed);
    }
  }
}
