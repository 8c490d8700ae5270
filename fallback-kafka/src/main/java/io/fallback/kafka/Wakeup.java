package io.fallback.kafka;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * A stop request for a source's blocking calls: it wakes the consumer's poll and a plain wait
 * alike, and stays requested until the blocked call (or the next one) has seen it.
 *
 * <p>Thread-safe: {@link #request} from any thread, the rest from the source's thread.
 */
final class Wakeup {

  private final Object lock = new Object();
  private volatile boolean requested;

  /** Requests a wakeup: {@code consumer} (if any) is woken, and so is a {@link #await}. */
  void request(Consumer<?, ?> consumer) {
    requested = true;
    if (consumer != null) {
      consumer.wakeup();
    }
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  /**
   * @return whether a wakeup is requested and not yet taken
   */
  boolean requested() {
    return requested;
  }

  /** Takes the request, if any. */
  void clear() {
    requested = false;
  }

  /** Waits for about {@code duration}, or until a wakeup is requested (then taken). */
  void await(Duration duration) {
    long deadline = System.nanoTime() + duration.toNanos();
    synchronized (lock) {
      while (!requested) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          break;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, remaining);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      requested = false;
    }
  }
}
