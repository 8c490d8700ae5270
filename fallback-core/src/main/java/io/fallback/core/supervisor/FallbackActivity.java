package io.fallback.core.supervisor;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the supervisor starts and stops: the fallback loop in production ({@link LoopRunner}).
 *
 * <p>{@link #start()} and {@link #stop()} return promptly; the work happens elsewhere. A start
 * after a stop begins a fresh run once the previous one has finished. {@link #start()} should not
 * throw: an activity reports its own failures (through the {@link
 * io.fallback.core.FallbackListener}) and retries them itself, showing {@link State#FAILING}
 * meanwhile. If it throws anyway, the supervisor reports it as an activation failure and tries
 * again at the next check. Implementations must be thread-safe.
 */
public interface FallbackActivity {

  /** Starts processing; does nothing if already started (running or retrying after a failure). */
  void start();

  /**
   * Asks processing to stop, cancelling a pending retry; the batch in flight finishes or is
   * abandoned uncommitted.
   */
  void stop();

  /**
   * Whether a run is in progress (started, not failing, not asked to stop).
   *
   * @return true while running
   */
  boolean isRunning();

  /**
   * What the activity is doing, for the supervisor and for status reports. The default derives it
   * from {@link #isRunning()}: {@link State#RUNNING} or {@link State#STOPPED}. The supervisor
   * starts an activity again when it is {@link State#STOPPED} or {@link State#NOT_STARTED} while
   * the mode is still fallback; it leaves a {@link State#FAILING} activity to its own retries.
   *
   * @return the status, never null
   */
  default Status status() {
    return new Status(
        isRunning() ? State.RUNNING : State.STOPPED, 0, Optional.empty(), Optional.empty());
  }

  /** The lifecycle state of an activity. */
  enum State {
    /** Never started. */
    NOT_STARTED,
    /** Started: being built or running. */
    RUNNING,
    /** Started, but the last attempt failed; a new attempt is scheduled. Nothing runs meanwhile. */
    FAILING,
    /** Asked to stop (possibly still finishing its batch), or ended. */
    STOPPED
  }

  /** Where a failure happened. */
  enum Phase {
    /** Building the loop (the loop supplier threw). */
    ACTIVATION,
    /** Running the loop (the loop threw, or returned without being asked to stop). */
    LOOP
  }

  /**
   * A failure of the activity.
   *
   * @param phase where it happened
   * @param error the error, any {@link Throwable} (a {@link NoClassDefFoundError} included)
   * @param at when
   */
  record Failure(Phase phase, Throwable error, Instant at) {
    /**
     * Validates the components.
     *
     * @throws NullPointerException for a null component
     */
    public Failure {
      Objects.requireNonNull(phase, "phase");
      Objects.requireNonNull(error, "error");
      Objects.requireNonNull(at, "at");
    }
  }

  /**
   * A snapshot of what an activity is doing.
   *
   * @param state the lifecycle state
   * @param failedAttempts consecutive failed attempts of the current activation (0 while healthy)
   * @param lastFailure the most recent failure, kept after recovery, if any
   * @param nextAttemptAt when the next attempt happens, while {@link State#FAILING}
   */
  record Status(
      State state,
      int failedAttempts,
      Optional<Failure> lastFailure,
      Optional<Instant> nextAttemptAt) {
    /**
     * Validates the components.
     *
     * @throws NullPointerException for a null component
     * @throws IllegalArgumentException for a negative attempt count
     */
    public Status {
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(lastFailure, "lastFailure");
      Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
      if (failedAttempts < 0) {
        throw new IllegalArgumentException(
            "failedAttempts must be >= 0, but was " + failedAttempts);
      }
    }
  }
}
