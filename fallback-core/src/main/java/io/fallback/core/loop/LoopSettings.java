package io.fallback.core.loop;

import java.time.Duration;
import java.util.Objects;

/**
 * Timing of the fallback loop.
 *
 * @param commitInterval least time between two commits ({@code processing.commit_interval_ms});
 *     commits are coalesced, and one more commit happens on stop
 * @param initialBackoff wait before retrying a held batch the first time
 * @param maxBackoff the longest wait between retries of a held batch (doubling from the initial
 *     one)
 */
public record LoopSettings(Duration commitInterval, Duration initialBackoff, Duration maxBackoff) {

  /**
   * Validates the components.
   *
   * @throws IllegalArgumentException naming the bad value
   */
  public LoopSettings {
    Objects.requireNonNull(commitInterval, "commitInterval");
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (commitInterval.isNegative()) {
      throw new IllegalArgumentException(
          "processing.commit_interval_ms must be >= 0, but was " + commitInterval.toMillis());
    }
    if (initialBackoff.isNegative() || initialBackoff.isZero()) {
      throw new IllegalArgumentException("initialBackoff must be > 0, but was " + initialBackoff);
    }
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "maxBackoff must be >= initialBackoff (" + initialBackoff + "), but was " + maxBackoff);
    }
  }

  /**
   * Commit at most every second; retry held batches after 1 s, doubling up to 30 s.
   *
   * @return the defaults
   */
  public static LoopSettings ofDefaults() {
    return new LoopSettings(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(30));
  }

  /**
   * The wait before attempt {@code attempt + 1}, after {@code attempt} failures.
   *
   * @param attempt failures so far, {@code >= 1}
   * @return the wait
   */
  public Duration backoff(int attempt) {
    Duration d = initialBackoff;
    for (int i = 1; i < attempt && d.compareTo(maxBackoff) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
  }
}
