package io.fallback.core;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Where the fallback loop reads its input (the Kafka consumer in production).
 *
 * <p>Life cycle: {@link #open} once, then any number of {@link #poll}, {@link #commit}, {@link
 * #deadLetter} and {@link #hold} calls, then {@link #close}. All calls come from the single loop
 * thread; implementations need not be thread-safe, except {@link #wakeup()}, which any thread may
 * call.
 *
 * @param <I> the decoded record type
 */
public interface BatchSource<I> extends AutoCloseable {

  /**
   * Starts reading: chooses the start position of every assigned partition and reports each
   * assignment to {@code listener} before this call returns or from inside a later {@link #poll}.
   *
   * @param listener told about assigned and revoked partitions
   * @throws RuntimeException if the source cannot start; the loop retries later
   */
  void open(PartitionListener listener);

  /**
   * Returns the next records, at most the configured batch size, waiting at most the configured
   * batch timeout. An empty list is a normal answer. Records of one partition come in offset order.
   * Records that cannot be decoded never appear here: the source dead-letters them itself.
   *
   * @return the records read, possibly empty
   */
  List<SourceRecord<I>> poll();

  /**
   * Like {@link #poll()}, but returns (possibly empty) after at most {@code maxWait}, so that the
   * loop can commit on time while a batch is still being collected. A source that collects a batch
   * until it is full or its batch timeout has passed since its first record keeps what it collected
   * so far for the next call instead of returning a partial batch early. The default ignores {@code
   * maxWait} and calls {@link #poll()}.
   *
   * @param maxWait the longest this call may block; zero or positive
   * @return the records of a complete batch, possibly empty
   */
  default List<SourceRecord<I>> poll(Duration maxWait) {
    return poll();
  }

  /**
   * Makes the given positions durable. Called only after everything before each offset has been
   * written by the sink or dead-lettered. A position for a partition the source no longer owns is
   * ignored.
   *
   * @param checkpoints per partition
   * @throws RuntimeException if the commit failed; the loop keeps its state and commits again later
   */
  void commit(Map<Integer, Checkpoint> checkpoints);

  /**
   * Moves a record that must not be processed (for example late for a window already written) to
   * the dead-letter destination with a reason. Must be durable before the next {@link #commit}
   * returns.
   *
   * @param record the record
   * @param reason a short machine-readable reason, such as {@code late}
   */
  void deadLetter(SourceRecord<I> record, String reason);

  /**
   * Keeps the source alive for about {@code duration} without delivering records, while the loop
   * holds a batch it could not process or write (backpressure). Kafka pauses its partitions and
   * keeps polling so that the group does not evict it. Returns early on {@link #wakeup()}.
   *
   * @param duration how long to wait
   */
  void hold(Duration duration);

  /** Makes a blocked {@link #poll} or {@link #hold} return soon. Thread-safe. */
  void wakeup();

  /** Releases the source. Called after the loop's last {@link #commit}. Idempotent. */
  @Override
  void close();
}
