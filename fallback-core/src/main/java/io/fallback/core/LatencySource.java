package io.fallback.core;

import java.time.Duration;
import java.util.Optional;

/**
 * Reports how far behind the primary processor is.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>A present value is the primary's current processing latency: how old the oldest input is
 *       that the primary has not yet turned into output. Zero means "caught up", including an idle
 *       input with nothing to process.
 *   <li>An empty value means <em>no evidence</em>: the source could not tell (query failed, no data
 *       yet, nothing to compare against). The mode rules neither count nor reset a violation on no
 *       evidence (DESIGN section 4).
 *   <li>An exception is treated exactly like an empty value by the supervisor, which also bounds
 *       every call with a timeout; implementations should still bound their own I/O.
 *   <li>The source must measure the primary only: output written by the fallback must never make
 *       the primary look fresher than it is.
 * </ul>
 *
 * <p>Implementations are called from one supervisor thread at a time, but possibly a different
 * thread on each call; they must be safe for that (no thread confinement).
 */
@FunctionalInterface
public interface LatencySource {

  /**
   * Reads the primary's current processing latency.
   *
   * @return the latency, or empty when there is no evidence
   * @throws RuntimeException on failure; counted as no evidence
   */
  Optional<Duration> currentLatency();

  /**
   * A short name used in logs and events, for example {@code kafka_lag}.
   *
   * @return the name of this source
   */
  default String name() {
    return getClass().getSimpleName();
  }
}
