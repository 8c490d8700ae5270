package io.fallback.core.supervisor;

import static io.fallback.core.internal.Listeners.notifySafely;

import io.fallback.core.FallbackListener;
import io.fallback.core.loop.FallbackLoop;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs a fresh {@link FallbackLoop} each time the supervisor starts the fallback, and keeps it
 * running until {@link #stop()}.
 *
 * <p>Failures are never silent and never retried in a tight loop. Building the loop (the supplier)
 * and running it both happen on the loop thread, and anything either throws, an {@link Error} such
 * as {@link NoClassDefFoundError} included, is caught there:
 *
 * <ul>
 *   <li>the supplier throws: {@link FallbackListener#activationFailed}, the state is {@link
 *       State#FAILING}, and the activation is tried again after the backoff;
 *   <li>the loop throws, or returns without being asked to stop: {@link
 *       FallbackListener#fallbackFailed}, {@link State#FAILING}, and a fresh loop is started after
 *       the backoff.
 * </ul>
 *
 * The backoff starts at {@code initialBackoff} and doubles up to {@code maxBackoff} (defaults 1 s
 * and 60 s). The attempt count starts again at each {@link #start()}, and after a loop that ran for
 * at least {@code maxBackoff} before it failed. A held batch (a failing sink or model service) is
 * not a failure of the runner: the loop retries it itself.
 *
 * <p>Threads: by default the runner owns one thread, {@code fallback-loop}, which runs loops and
 * retry timers, and {@link #close(Duration)} shuts it down. Tests give an executor and a {@link
 * Scheduler} instead ({@link Builder#executor}), for example a direct executor and a {@link
 * ManualScheduler}, and then everything runs in virtual time; what the caller gives is never shut
 * down. Listener events are never sent while the runner's lock is held.
 *
 * <p>This class is thread-safe.
 */
public final class LoopRunner implements FallbackActivity {

  private final Supplier<FallbackLoop<?>> loops;
  private final FallbackListener listener;
  private final InstantSource clock;
  private final Scheduler timers;
  private final Executor loopThread;
  private final ScheduledThreadPoolExecutor ownedThread;
  private final Duration initialBackoff;
  private final Duration maxBackoff;

  // guarded by this
  private boolean started;
  private boolean wanted;
  private boolean closed;
  private long generation;
  private boolean busy;
  private boolean launchWhenIdle;
  private CompletableFuture<Void> idle = CompletableFuture.completedFuture(null);
  private FallbackLoop<?> current;
  private Instant runningSince;
  private int failures;
  private Failure lastFailure;
  private Instant nextAttemptAt;
  private Scheduler.Cancellable retry;

  /**
   * Creates a runner with its own loop thread, the system clock and the default backoff (1 s
   * doubling to 60 s). Prefer {@link #builder(Supplier)}, which takes the application's one clock.
   *
   * @param loops creates a new loop (with a new source and window stage) for each run
   * @param listener told about failures, restarts and the end of each run
   */
  public LoopRunner(Supplier<FallbackLoop<?>> loops, FallbackListener listener) {
    this(builder(loops).listener(listener));
  }

  private LoopRunner(Builder b) {
    this.loops = Objects.requireNonNull(b.loops, "loops");
    this.listener = Objects.requireNonNull(b.listener, "listener");
    this.clock = Objects.requireNonNull(b.clock, "clock");
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    if (b.executor == null) {
      ScheduledThreadPoolExecutor thread =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread t = new Thread(r, "fallback-loop");
                t.setDaemon(false);
                return t;
              });
      thread.setRemoveOnCancelPolicy(true);
      thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
      this.ownedThread = thread;
      this.loopThread = thread;
      this.timers = Scheduler.of(thread);
    } else {
      this.ownedThread = null;
      this.loopThread = b.executor;
      this.timers = b.timers;
    }
  }

  /**
   * A builder.
   *
   * @param loops creates a new loop (with a new source and window stage) for each run; may throw
   *     anything, which counts as a failed activation
   * @return a new builder
   */
  public static Builder builder(Supplier<FallbackLoop<?>> loops) {
    return new Builder(loops);
  }

  /**
   * Starts an activation: builds a loop and runs it on the loop thread. Does nothing if already
   * started (running, or failing with a retry pending). After a {@link #stop()}, the new run begins
   * once the previous loop has finished.
   *
   * @throws IllegalStateException after {@link #close(Duration)}
   */
  @Override
  public void start() {
    long gen;
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the loop runner is closed");
      }
      started = true;
      if (wanted) {
        return;
      }
      wanted = true;
      failures = 0;
      nextAttemptAt = null;
      gen = ++generation;
      if (busy) {
        launchWhenIdle = true; // the previous loop is still finishing its batch
        return;
      }
      markBusy();
    }
    submit(gen);
  }

  /**
   * Asks the loop to stop after the call in flight and cancels a pending retry. Idempotent. When
   * nothing runs (a failing activation waiting for its retry), {@link
   * FallbackListener#fallbackStopped} follows at once; otherwise when the loop has finished.
   */
  @Override
  public void stop() {
    boolean nothingRuns;
    synchronized (this) {
      if (current != null) {
        current.requestStop();
      }
      if (!wanted) {
        return;
      }
      wanted = false;
      generation++;
      launchWhenIdle = false;
      cancelRetry();
      nothingRuns = !busy;
    }
    if (nothingRuns) {
      notifySafely(() -> listener.fallbackStopped(null));
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return state() == State.RUNNING;
  }

  /**
   * What the runner is doing: {@link State#FAILING} from a failure until the retry begins, with the
   * failure, the attempt count and when the next attempt happens.
   *
   * @return the status
   */
  @Override
  public synchronized Status status() {
    int attempts = failures;
    if (ranLongEnough(runningSince, clock.instant())) {
      attempts = 0; // a run that outlasted the longest backoff counts as healthy
    }
    return new Status(
        state(), attempts, Optional.ofNullable(lastFailure), Optional.ofNullable(nextAttemptAt));
  }

  /**
   * Stops the loop, waits up to {@code timeout} for it to commit and close, then shuts down the
   * loop thread if the runner owns it (interrupting a loop that did not finish). Idempotent.
   *
   * @param timeout how long to wait
   * @return true if the loop finished in time
   */
  public boolean close(Duration timeout) {
    stop();
    CompletableFuture<Void> done;
    synchronized (this) {
      closed = true;
      done = idle;
    }
    boolean finished;
    try {
      done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      finished = true;
    } catch (TimeoutException e) {
      finished = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      finished = false;
    } catch (ExecutionException e) {
      finished = true; // never completed exceptionally
    }
    if (ownedThread != null) {
      ownedThread.shutdownNow();
    }
    return finished;
  }

  /** The state. Caller holds the lock. */
  private State state() {
    if (!started) {
      return State.NOT_STARTED;
    }
    if (!wanted) {
      return State.STOPPED;
    }
    return retry != null ? State.FAILING : State.RUNNING;
  }

  /** Builds a loop and runs it; on the loop thread. */
  private void activate(long gen) {
    if (!isCurrent(gen)) {
      finished(gen, null, null, null); // stopped before it began
      return;
    }
    FallbackLoop<?> loop;
    try {
      loop = Objects.requireNonNull(loops.get(), "the loop supplier returned null");
    } catch (Throwable e) {
      // any Throwable: a NoClassDefFoundError from a broken package must be reported and retried,
      // not vanish
      finished(gen, Phase.ACTIVATION, e, null);
      return;
    }
    Instant since;
    int attempt;
    boolean stale;
    synchronized (this) {
      current = loop;
      since = clock.instant();
      runningSince = since;
      attempt = failures + 1;
      stale = gen != generation || !wanted;
      if (stale) {
        loop.requestStop(); // stopped while it was being built: run() only closes its source
      }
    }
    if (attempt > 1 && !stale) {
      notifySafely(() -> listener.fallbackRestarted(attempt));
    }
    Throwable failure = null;
    try {
      loop.run();
      if (!loop.stopRequested()) {
        failure =
            new IllegalStateException("the fallback loop returned without being asked to stop");
      }
    } catch (Throwable e) {
      failure = e;
    }
    finished(gen, failure == null ? null : Phase.LOOP, failure, since);
  }

  /**
   * Records the end of an activation task: a clean stop ({@code error == null}) or a failure, which
   * is retried after the backoff while the same activation is still wanted. Then tells the
   * listener, and launches an activation that was started while this one was finishing.
   */
  private void finished(long gen, Phase phase, Throwable error, Instant since) {
    Runnable event;
    long next = -1;
    synchronized (this) {
      current = null;
      runningSince = null;
      Instant now = clock.instant();
      if (error == null) {
        event = () -> listener.fallbackStopped(null);
      } else {
        lastFailure = new Failure(phase, error, now);
        if (ranLongEnough(since, now)) {
          failures = 0; // it ran long enough to count as healthy: back off from the start again
        }
        int attempt = ++failures;
        Duration wait = backoff(attempt);
        if (gen == generation && wanted && !closed && scheduleRetry(gen, wait)) {
          nextAttemptAt = now.plus(wait);
          event =
              phase == Phase.ACTIVATION
                  ? () -> listener.activationFailed(error, attempt, wait)
                  : () -> listener.fallbackFailed(error, attempt, wait);
        } else {
          event = () -> listener.fallbackStopped(error); // failed while stopping: nothing to retry
        }
      }
      if (launchWhenIdle && wanted && !closed) {
        launchWhenIdle = false;
        next = generation;
      } else {
        busy = false;
        idle.complete(null);
      }
    }
    notifySafely(event);
    if (next >= 0) {
      submit(next);
    }
  }

  /**
   * The retry timer: begins the next attempt if the activation is still wanted. It cannot throw:
   * submit and activate catch everything except an {@link Error} thrown by a listener.
   */
  private void retry(long gen) {
    synchronized (this) {
      if (gen != generation || !wanted || closed || busy) {
        return;
      }
      retry = null;
      nextAttemptAt = null;
      markBusy();
    }
    submit(gen);
  }

  private void submit(long gen) {
    try {
      loopThread.execute(() -> activate(gen));
    } catch (RejectedExecutionException e) {
      boolean isClosed;
      synchronized (this) {
        isClosed = closed;
      }
      if (isClosed) {
        finished(gen, null, null, null);
      } else {
        finished(gen, Phase.ACTIVATION, e, null);
      }
    }
  }

  private synchronized boolean isCurrent(long gen) {
    return gen == generation && wanted && !closed;
  }

  /** Caller holds the lock. */
  private void markBusy() {
    busy = true;
    if (idle.isDone()) {
      idle = new CompletableFuture<>();
    }
  }

  /**
   * Schedules the retry; false if the timers refuse it (shut down by their owner), in which case
   * the runner counts as stopped and the supervisor starts it again at its next check. Caller holds
   * the lock.
   */
  private boolean scheduleRetry(long gen, Duration wait) {
    try {
      retry = timers.schedule(() -> retry(gen), wait);
      return true;
    } catch (RejectedExecutionException e) {
      wanted = false;
      generation++;
      return false;
    }
  }

  /** Caller holds the lock. */
  private void cancelRetry() {
    if (retry != null) {
      retry.cancel();
      retry = null;
    }
    nextAttemptAt = null;
  }

  /** Whether a run that began at {@code since} (null: none) has lasted at least the max backoff. */
  private boolean ranLongEnough(Instant since, Instant now) {
    return since != null && !since.plus(maxBackoff).isAfter(now);
  }

  private Duration backoff(int attempt) {
    Duration d = initialBackoff;
    for (int i = 1; i < attempt && d.compareTo(maxBackoff) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
  }

  /** Builds a {@link LoopRunner}. Not thread-safe. */
  public static final class Builder {
    private final Supplier<FallbackLoop<?>> loops;
    private FallbackListener listener = FallbackListener.NONE;
    private InstantSource clock = InstantSource.system();
    private Duration initialBackoff = Duration.ofSeconds(1);
    private Duration maxBackoff = Duration.ofSeconds(60);
    private Executor executor;
    private Scheduler timers;

    private Builder(Supplier<FallbackLoop<?>> loops) {
      this.loops = Objects.requireNonNull(loops, "loops");
    }

    /**
     * @param listener told about failures, restarts and the end of each run @return this
     */
    public Builder listener(FallbackListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * @param clock the application's one clock (default: the system clock) @return this
     */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The restart backoff after a failed activation or loop.
     *
     * @param initial the first wait, positive
     * @param max the longest wait, {@code >= initial}
     * @return this
     * @throws IllegalArgumentException for a non-positive initial wait or a maximum below it
     */
    public Builder restartBackoff(Duration initial, Duration max) {
      Objects.requireNonNull(initial, "initial");
      Objects.requireNonNull(max, "max");
      if (initial.isNegative() || initial.isZero()) {
        throw new IllegalArgumentException(
            "initial restart backoff must be > 0, but was " + initial);
      }
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            "max restart backoff must be >= the initial one (" + initial + "), but was " + max);
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /**
     * Runs loops on {@code executor} and retry timers on {@code timers} instead of an owned thread.
     * Neither is shut down by the runner. The runner submits one activation at a time.
     *
     * @param executor runs activations (building and running a loop); a direct executor runs them
     *     inline
     * @param timers schedules retries
     * @return this
     */
    public Builder executor(Executor executor, Scheduler timers) {
      this.executor = Objects.requireNonNull(executor, "executor");
      this.timers = Objects.requireNonNull(timers, "timers");
      return this;
    }

    /**
     * Builds the runner (not started).
     *
     * @return the runner
     */
    public LoopRunner build() {
      return new LoopRunner(this);
    }
  }
}
