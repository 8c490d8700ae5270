package io.fallback.kafka;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Blocking calls to the Kafka clients, shared by the source, the start positions, the backlog and
 * the hand-back.
 *
 * <p>Stateless; thread-safe.
 */
final class KafkaCalls {

  private KafkaCalls() {}

  /**
   * Waits for an admin request, bounded by {@code timeout}; a failure is rethrown as the request's
   * own unchecked exception or a {@link KafkaSourceException}.
   */
  static <T> T await(KafkaFuture<T> future, Duration timeout) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaSourceException("interrupted while waiting for Kafka", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new KafkaSourceException("Kafka request failed", e.getCause());
    } catch (TimeoutException e) {
      throw new KafkaSourceException("Kafka request timed out after " + timeout, e);
    }
  }

  /**
   * Runs a blocking consumer call; a wakeup meant for a poll that already returned makes the next
   * blocking call throw once, so it is retried once.
   */
  static <T> T retryingWakeup(Supplier<T> call) {
    try {
      return call.get();
    } catch (WakeupException e) {
      return call.get();
    }
  }
}
