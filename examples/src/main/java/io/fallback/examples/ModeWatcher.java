package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Transition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a fallback's mode (polling its state every 50 ms on a daemon thread) and keeps every
 * transition with the wall-clock time it was seen, so the drill can time detection and hand-back to
 * within ~50 ms. ({@link Transition#at()} is the start of the check that caused it, which can precede the
 * fault when that check's probe answered after the fault.)
 *
 * <p>This class is thread-safe.
 */
final class ModeWatcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger("drill");

  /**
   * A transition and when the watcher saw it.
   *
   * @param transition the transition
   * @param seenAt wall-clock time it was first seen, epoch milliseconds (at most ~50 ms late)
   */
  record Seen(Transition transition, long seenAt) {}

  private final Supplier<ModeState> state;
  private final List<Seen> transitions = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  ModeWatcher(Supplier<ModeState> state) {
    this.state = requireNonNull(state, "state");
    this.thread = new Thread(this::watch, "drill-mode-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * @return the transitions seen so far
   */
  synchronized List<Seen> transitions() {
    return List.copyOf(transitions);
  }

  /**
   * @return the fallback's current state
   */
  ModeState state() {
    return state.get();
  }

  /**
   * @return the current mode
   */
  Mode mode() {
    return state.get().mode();
  }

  /**
   * Waits for a transition to {@code to} seen at or after {@code afterMillis}.
   *
   * @param to the mode
   * @param afterMillis epoch milliseconds
   * @param timeout the longest wait
   * @return the transition, or empty after the timeout
   */
  Optional<Seen> await(Mode to, long afterMillis, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      synchronized (this) {
        for (Seen s : transitions) {
          if (s.transition().to() == to && s.seenAt() >= afterMillis) {
            return Optional.of(s);
          }
        }
        if (System.nanoTime() > deadline) {
          return Optional.empty();
        }
        try {
          wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Optional.empty();
        }
      }
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }

  private void watch() {
    Transition last = null;
    while (running) {
      try {
        Optional<Transition> current = state.get().lastTransition();
        if (current.isPresent() && !current.get().equals(last)) {
          last = current.get();
          synchronized (this) {
            transitions.add(new Seen(last, System.currentTimeMillis()));
            notifyAll();
          }
        }
        Thread.sleep(50);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("mode watcher: cannot read the fallback's state: {}", e.toString());
      }
    }
  }
}
