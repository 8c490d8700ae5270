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
 * @param pipelineDepth batches between reading and writing at most: 0 runs the loop serially (poll,
 *     window, process, write, commit, then poll again); {@code n >= 1} lets the loop read and
 *     window up to {@code n} batches ahead while earlier ones are processed and written (each stage
 *     one batch at a time, in order) on the loop's own two stage threads. The guarantees are the
 *     same either way (see {@link FallbackLoop}).
 */
public record LoopSettings(
    Duration commitInterval, Duration initialBackoff, Duration maxBackoff, int pipelineDepth) {

  /** The pipeline depth of {@link #ofDefaults()} and of the three-argument constructor. */
  public static final int DEFAULT_PIPELINE_DEPTH = 2;

  /** The largest accepted pipeline depth. */
  public static final int MAX_PIPELINE_DEPTH = 64;

  /**
   * Settings with the {@link #DEFAULT_PIPELINE_DEPTH}.
   *
   * @param commitInterval least time between two commits
   * @param initialBackoff wait before retrying a held batch the first time
   * @param maxBackoff the longest wait between retries of a held batch
   * @throws IllegalArgumentException naming the bad value
   */
  public LoopSettings(Duration commitInterval, Duration initialBackoff, Duration maxBackoff) {
    this(commitInterval, initialBackoff, maxBackoff, DEFAULT_PIPELINE_DEPTH);
  }

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
    if (pipelineDepth < 0 || pipelineDepth > MAX_PIPELINE_DEPTH) {
      throw new IllegalArgumentException(
          "pipelineDepth must be between 0 and "
              + MAX_PIPELINE_DEPTH
              + ", but was "
              + pipelineDepth);
    }
  }

  /**
   * A copy with another pipeline depth.
   *
   * @param depth batches between reading and writing at most; 0 for the serial loop
   * @return the copy
   * @throws IllegalArgumentException if {@code depth} is negative or above {@link
   *     #MAX_PIPELINE_DEPTH}
   */
  public LoopSettings withPipelineDepth(int depth) {
    return new LoopSettings(commitInterval, initialBackoff, maxBackoff, depth);
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
