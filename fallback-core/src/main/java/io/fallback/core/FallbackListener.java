package io.fallback.core;

import io.fallback.core.mode.CheckVerdict;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Observation;
import io.fallback.core.mode.Transition;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Receives what the supervisor and the fallback loop do; the launcher turns these events into the
 * seed's log lines and into metrics. Core itself never logs.
 *
 * <p>Every method has a default that does nothing (or forwards, as documented). Methods are called
 * synchronously from the supervisor's thread (checks, transitions), a probe's thread ({@link
 * #probeFailed}) or the loop's thread (batches, activation), so they must be fast and must not
 * throw; an exception thrown by a listener is caught and ignored by the caller so it cannot break
 * processing. Implementations must be thread-safe, since these threads call concurrently.
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
   * One health-only probe of the fast confirmation was evaluated (see {@link
   * io.fallback.core.mode.ModeStateMachine#observeHealth}).
   *
   * @param at when the probe was taken
   * @param health what it found
   * @param verdict how it was counted ({@code PROBE_UNHEALTHY} with count and limit, {@code
   *     PROBE_HEALTHY}, ...)
   * @param state the state after the probe
   */
  default void healthProbed(Instant at, Health health, CheckVerdict verdict, ModeState state) {}

  /**
   * A check could not be taken at all (an unexpected error in the supervisor, not a probe failure,
   * which counts as unhealthy or no evidence). Checks continue at the next interval.
   *
   * @param error the error, any {@link Throwable}
   */
  default void checkFailed(Throwable error) {}

  /**
   * A health probe or latency source threw instead of answering. The check still counts it: a
   * health probe as unhealthy, a latency source as no evidence. Called on the probe's thread.
   *
   * @param probe the {@code name()} of the probe or latency source
   * @param error what it threw, any {@link Throwable} (an {@link Error} included)
   */
  default void probeFailed(String probe, Throwable error) {}

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
   * The fallback loop has stopped and closed its source ({@code Returned to primary processing
   * path} when it was a hand-back).
   *
   * @param failure the error that ended the loop when it is not retried (it happened while
   *     stopping), or {@code null} after a requested stop; a failure that is retried arrives as
   *     {@link #fallbackFailed} instead
   */
  default void fallbackStopped(Throwable failure) {}

  /**
   * The fallback could not be activated: building its loop threw (for example a {@link
   * NoClassDefFoundError} from a broken package). Nothing runs; the activation is retried after
   * {@code retryIn}, with a growing backoff. Not followed by {@link #fallbackStopped}.
   *
   * @param error what was thrown, any {@link Throwable}
   * @param attempt 1 for the first failed attempt of this activation
   * @param retryIn when the next attempt happens
   */
  default void activationFailed(Throwable error, int attempt, Duration retryIn) {}

  /**
   * The running fallback loop failed (it threw, or returned without being asked to stop) and has
   * closed its source. Nothing runs; a fresh loop is started after {@code retryIn}, with a growing
   * backoff. The default forwards to {@link #fallbackStopped(Throwable)}, as before retries
   * existed.
   *
   * @param error what ended the loop, any {@link Throwable}
   * @param attempt 1 for the first failure of this activation (or the first after a long healthy
   *     run)
   * @param retryIn when the loop is started again
   */
  default void fallbackFailed(Throwable error, int attempt, Duration retryIn) {
    fallbackStopped(error);
  }

  /**
   * After failed attempts ({@link #activationFailed}, {@link #fallbackFailed}), a new loop was
   * built and is running. Not called for the first attempt of an activation, which {@link
   * #fallbackStarting} announces.
   *
   * @param attempt the number of this attempt, {@code >= 2}
   */
  default void fallbackRestarted(int attempt) {}

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
   * A stage failed; the batch is held and retried after {@code retryIn}. Only {@link
   * RuntimeException}s are held and retried this way; anything else ends the loop ({@link
   * #fallbackFailed}).
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
