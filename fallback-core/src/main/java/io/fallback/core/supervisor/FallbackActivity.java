package io.fallback.core.supervisor;

/**
 * What the supervisor starts and stops: the fallback loop in production ({@link LoopRunner}).
 *
 * <p>{@link #start()} and {@link #stop()} return promptly; the work happens elsewhere. A start after a
 * stop begins a fresh run once the previous one has finished. Implementations must be thread-safe.
 */
public interface FallbackActivity {

  /** Starts processing; does nothing if already running. */
  void start();

  /** Asks processing to stop; the batch in flight finishes or is abandoned uncommitted. */
  void stop();

  /**
   * Whether a run is in progress (started and not yet finished). The supervisor restarts an activity
   * that ended on its own while the mode is still fallback.
   *
   * @return true while running
   */
  boolean isRunning();
}
