package io.fallback.core.supervisor;

import io.fallback.core.FallbackListener;
import io.fallback.core.loop.FallbackLoop;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs a fresh {@link FallbackLoop} on its own named thread each time the supervisor starts the
 * fallback. Owns that thread: {@link #close(Duration)} stops the loop and shuts the thread down.
 *
 * <p>This class is thread-safe.
 */
public final class LoopRunner implements FallbackActivity {

  private final Supplier<FallbackLoop<?>> loops;
  private final FallbackListener listener;
  private final ExecutorService thread;
  private FallbackLoop<?> current;
  private Future<?> running;

  /**
   * Creates a runner.
   *
   * @param loops creates a new loop (with a new source and window stage) for each activation
   * @param listener told when a run ends
   */
  public LoopRunner(Supplier<FallbackLoop<?>> loops, FallbackListener listener) {
    this.loops = Objects.requireNonNull(loops, "loops");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "fallback-loop");
              t.setDaemon(false);
              return t;
            });
  }

  @Override
  public synchronized void start() {
    if (isRunning()) {
      return;
    }
    FallbackLoop<?> loop = loops.get();
    current = loop;
    running = thread.submit(() -> runLoop(loop));
  }

  @Override
  public synchronized void stop() {
    if (current != null) {
      current.requestStop();
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return running != null && !running.isDone() && !current.stopRequested();
  }

  /**
   * Stops the loop, waits up to {@code timeout} for it to commit and close, then shuts its thread down.
   * Idempotent.
   *
   * @param timeout how long to wait
   * @return true if the loop finished in time
   */
  public boolean close(Duration timeout) {
    stop();
    thread.shutdown();
    try {
      return thread.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      thread.shutdownNow();
    }
  }

  private void runLoop(FallbackLoop<?> loop) {
    Throwable failure = null;
    try {
      loop.run();
    } catch (RuntimeException | Error e) {
      failure = e;
      if (e instanceof Error error) {
        stopped(error);
        throw error;
      }
    }
    stopped(failure);
  }

  private void stopped(Throwable failure) {
    try {
      listener.fallbackStopped(failure);
    } catch (RuntimeException ignored) {
      // a listener must not break the runner (FallbackListener contract)
    }
  }
}
