package io.fallback.core.supervisor;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The supervisor's view of a scheduler, small enough to implement in virtual time for tests ({@link
 * ManualScheduler}).
 *
 * <p>Implementations must be thread-safe.
 */
public interface Scheduler {

  /**
   * Runs {@code task} once after {@code delay}.
   *
   * @param task the task
   * @param delay the delay, not negative
   * @return a handle to cancel it
   */
  Cancellable schedule(Runnable task, Duration delay);

  /**
   * Runs {@code task} after {@code initialDelay}, then every {@code period}.
   *
   * @param task the task; it must catch its own exceptions
   * @param initialDelay the first delay
   * @param period the period, positive
   * @return a handle to cancel it
   */
  Cancellable scheduleAtFixedRate(Runnable task, Duration initialDelay, Duration period);

  /** A scheduled task that can be cancelled. */
  @FunctionalInterface
  interface Cancellable {
    /** Cancels the task; a running execution finishes. Idempotent. */
    void cancel();
  }

  /**
   * Adapts a JDK scheduled executor. The caller keeps ownership: this adapter never shuts it down.
   *
   * @param executor the executor
   * @return a scheduler backed by it
   */
  static Scheduler of(ScheduledExecutorService executor) {
    return new Scheduler() {
      @Override
      public Cancellable schedule(Runnable task, Duration delay) {
        ScheduledFuture<?> f = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
      }

      @Override
      public Cancellable scheduleAtFixedRate(
          Runnable task, Duration initialDelay, Duration period) {
        ScheduledFuture<?> f =
            executor.scheduleAtFixedRate(
                task, initialDelay.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
      }
    };
  }
}
