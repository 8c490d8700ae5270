package io.fallback.core;

import io.fallback.core.mode.CheckVerdict;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Observation;
import io.fallback.core.mode.Transition;
import java.time.Duration;
import java.util.Map;

/**
 * Receives what the supervisor and the fallback loop do; the launcher turns these events into the
 * seed's log lines and into metrics. Core itself never logs.
 *
 * <p>Every method has an empty default. Methods are called synchronously from the supervisor's thread
 * (checks, transitions) or the loop's thread (batches), so they must be fast and must not throw; an
 * exception thrown by a listener is caught and ignored by the caller so it cannot break processing.
 * Implementations must be thread-safe, since the two threads call concurrently.
 */
public interface FallbackListener {

  /** A listener that ignores everything. */
  FallbackListener NONE = new FallbackListener() {};

  /** The supervisor started its checks ({@code Starting latency monitor...}). */
  default void monitorStarted() {}

  /**
   * One check was evaluated.
   *
   * @param observation what was observed
   * @param verdict how it was counted
   * @param state the state after the check
   */
  default void checkCompleted(Observation observation, CheckVerdict verdict, ModeState state) {}

  /**
   * A check could not be taken at all (an unexpected error in the supervisor, not a probe failure,
   * which counts as unhealthy or no evidence). Checks continue at the next interval.
   *
   * @param error the error
   */
  default void checkFailed(Throwable error) {}

  /**
   * The mode changed.
   *
   * @param transition from, to, cause and the observations behind it
   */
  default void transitioned(Transition transition) {}

  /** The fallback loop is starting ({@code Starting Dask fallback processor...}). */
  default void fallbackStarting() {}

  /** The fallback loop was asked to stop ({@code Stopping Dask fallback processor...}). */
  default void fallbackStopping() {}

  /**
   * The fallback loop has stopped and closed its source ({@code Returned to primary processing path}
   * when it was a hand-back).
   *
   * @param failure the error that ended the loop, or {@code null} after a requested stop
   */
  default void fallbackStopped(Throwable failure) {}

  /**
   * A poll returned records ({@code Collected 1000 messages in 28.45s}).
   *
   * @param records how many
   * @param took how long the poll took
   */
  default void batchCollected(int records, Duration took) {}

  /**
   * Completed windows were processed ({@code Processed batch in 12.34s}).
   *
   * @param windows how many windows
   * @param outputs how many outputs
   * @param took how long
   */
  default void batchProcessed(int windows, int outputs, Duration took) {}

  /**
   * Outputs were written and acknowledged ({@code Wrote 15 points to InfluxDB}).
   *
   * @param outputs how many
   * @param took how long
   */
  default void batchWritten(int outputs, Duration took) {}

  /**
   * A stage failed; the batch is held and retried after {@code retryIn}.
   *
   * @param stage which stage
   * @param cause the error
   * @param attempt 1 for the first failure of this batch
   * @param retryIn when the next attempt happens
   */
  default void batchFailed(Stage stage, Throwable cause, int attempt, Duration retryIn) {}

  /**
   * Positions were committed.
   *
   * @param checkpoints per partition
   */
  default void committed(Map<Integer, Checkpoint> checkpoints) {}

  /**
   * A record was sent to the dead-letter destination by the loop.
   *
   * @param record which
   * @param reason why, for example {@code late}
   */
  default void deadLettered(SourceRecord<?> record, String reason) {}

  /**
   * Records were skipped because their windows were already written (after a restart, or by the
   * primary before a takeover).
   *
   * @param records how many records
   */
  default void recordsSkipped(int records) {}

  /** A stage of the loop. */
  enum Stage {
    /** Opening the source. */
    OPEN,
    /** Polling the source. */
    POLL,
    /** Processing windows (the model service). */
    PROCESS,
    /** Writing outputs (InfluxDB). */
    WRITE,
    /** Committing positions. */
    COMMIT
  }
}
