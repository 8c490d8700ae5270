package io.fallback.core;

import java.util.Map;
import java.util.Set;

/**
 * What the primary has already written, read from the sink, so that a takeover starts at the first
 * window the primary has not written and skips exactly those it has (DESIGN section 5).
 *
 * <p>Implementations query the destination (InfluxDB) and may throw on failure; the caller then
 * falls back to the safe choice (write everything, an identical rewrite is harmless).
 */
public interface PrimaryProgress {

  /**
   * For each key, the point time (window end - 1 ms, epoch milliseconds) of the newest point the
   * primary wrote.
   *
   * @return newest point time per key; keys the primary never wrote are absent
   */
  Map<String, Long> newestPointPerKey();

  /**
   * The windows the primary wrote with a point time in {@code [fromMillis, toMillis)}.
   *
   * @param fromMillis inclusive lower bound of the point time
   * @param toMillis exclusive upper bound of the point time
   * @return the written windows
   */
  Set<WindowId> writtenWindows(long fromMillis, long toMillis);

  /**
   * A window of one key.
   *
   * @param key the key (the nurse id)
   * @param windowStart window start, epoch milliseconds
   */
  record WindowId(String key, long windowStart) {}
}
