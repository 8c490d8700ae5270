package io.fallback.core.supervisor;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A scheduler and clock in virtual time, for tests: nothing runs until {@link #advance} moves the
 * clock, and then due tasks run on the calling thread, in time order. No threads, no sleeps.
 *
 * <p>Usable by users testing their own wiring, as Micrometer ships its {@code MockClock}. This
 * class is thread-safe, but tasks run on the thread that calls {@link #advance}.
 */
public final class ManualScheduler implements Scheduler, InstantSource {

  private final List<Task> tasks = new ArrayList<>();
  private Instant now;
  private long sequence;

  /**
   * Creates a scheduler whose clock starts at {@code start}.
   *
   * @param start the initial virtual time
   */
  public ManualScheduler(Instant start) {
    this.now = Objects.requireNonNull(start, "start");
  }

  @Override
  public synchronized Instant instant() {
    return now;
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, Duration delay) {
    Task t = new Task(task, now.plus(delay), null, sequence++);
    tasks.add(t);
    return () -> cancel(t);
  }

  @Override
  public synchronized Cancellable scheduleAtFixedRate(
      Runnable task, Duration initialDelay, Duration period) {
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period must be > 0, but was " + period);
    }
    Task t = new Task(task, now.plus(initialDelay), period, sequence++);
    tasks.add(t);
    return () -> cancel(t);
  }

  /**
   * Moves the clock forward by {@code duration}, running every task that falls due, each at its own
   * virtual time.
   *
   * @param duration how far, not negative
   */
  public void advance(Duration duration) {
    Instant target;
    synchronized (this) {
      target = now.plus(duration);
    }
    while (true) {
      Task next;
      synchronized (this) {
        next =
            tasks.stream()
                .filter(t -> !t.due.isAfter(target))
                .min(Comparator.comparing((Task t) -> t.due).thenComparingLong(t -> t.seq))
                .orElse(null);
        if (next == null) {
          now = target;
          return;
        }
        now = next.due;
        if (next.period == null) {
          tasks.remove(next);
        } else {
          next.due = next.due.plus(next.period);
        }
      }
      next.task.run();
    }
  }

  /** Runs tasks due now without moving the clock. */
  public void runDue() {
    advance(Duration.ZERO);
  }

  /**
   * The number of tasks still scheduled.
   *
   * @return pending tasks
   */
  public synchronized int pendingTasks() {
    return tasks.size();
  }

  private synchronized void cancel(Task t) {
    tasks.remove(t);
  }

  private static final class Task {
    final Runnable task;
    final Duration period;
    final long seq;
    Instant due;

    Task(Runnable task, Instant due, Duration period, long seq) {
      this.task = task;
      this.due = due;
      this.period = period;
      this.seq = seq;
    }
  }
}
