package io.fallback.core.testing;

import io.fallback.core.BatchSource;
import io.fallback.core.Checkpoint;
import io.fallback.core.PartitionListener;
import io.fallback.core.SourceRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A {@link BatchSource} over in-memory partitions, for tests and demos: records are appended per
 * partition, commits and dead letters are kept, and a new instance can be opened over the same
 * {@link Log} to model a restart.
 *
 * <p>Thread-safe: a producer thread may append while the loop thread polls.
 *
 * @param <I> the record type
 */
public final class InMemoryBatchSource<I> implements BatchSource<I> {

  /**
   * The durable part shared by every source opened over it: the partitions' records, the committed
   * checkpoints and the dead letters. Thread-safe.
   *
   * @param <I> the record type
   */
  public static final class Log<I> {
    private final List<List<I>> partitions = new ArrayList<>();
    private final Map<Integer, Checkpoint> committed = new HashMap<>();
    private final List<SourceRecord<I>> deadLetters = new ArrayList<>();
    private final List<Map<Integer, Checkpoint>> commitHistory = new ArrayList<>();

    /**
     * Creates a log with {@code partitions} empty partitions.
     *
     * @param partitions the partition count, positive
     */
    public Log(int partitions) {
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions must be >= 1, but was " + partitions);
      }
      for (int i = 0; i < partitions; i++) {
        this.partitions.add(new ArrayList<>());
      }
    }

    /**
     * Appends a record.
     *
     * @param partition the partition
     * @param value the record
     * @return its offset
     */
    public synchronized long append(int partition, I value) {
      List<I> p = partitions.get(partition);
      p.add(Objects.requireNonNull(value, "value"));
      return p.size() - 1L;
    }

    /**
     * @return the number of partitions
     */
    public synchronized int partitionCount() {
      return partitions.size();
    }

    /**
     * @param partition the partition @return records appended to it
     */
    public synchronized long size(int partition) {
      return partitions.get(partition).size();
    }

    /**
     * @return a copy of the committed checkpoints
     */
    public synchronized Map<Integer, Checkpoint> committed() {
      return Map.copyOf(committed);
    }

    /**
     * @return every commit made, in order
     */
    public synchronized List<Map<Integer, Checkpoint>> commitHistory() {
      return List.copyOf(commitHistory);
    }

    /**
     * @return a copy of the dead letters
     */
    public synchronized List<SourceRecord<I>> deadLetters() {
      return List.copyOf(deadLetters);
    }

    /**
     * Reads one record.
     *
     * @param partition the partition
     * @param offset the offset
     * @return the record, or null past the end
     */
    public synchronized I read(int partition, long offset) {
      List<I> p = partitions.get(partition);
      return offset < p.size() ? p.get((int) offset) : null;
    }

    /**
     * Commits checkpoints, as a source does.
     *
     * @param checkpoints per partition
     */
    public synchronized void commit(Map<Integer, Checkpoint> checkpoints) {
      committed.putAll(checkpoints);
      commitHistory.add(Map.copyOf(checkpoints));
    }

    synchronized void deadLetter(SourceRecord<I> record) {
      deadLetters.add(record);
    }
  }

  private final Log<I> log;
  private final int batchSize;
  private final Consumer<Duration> waiter;
  private final long[] positions;
  private boolean open;
  private boolean closed;

  /**
   * Creates a source over {@code log}.
   *
   * @param log the shared log
   * @param batchSize the most records per poll
   * @param waiter called by {@link #hold} and by an empty {@link #poll}, to wait (a test advances a
   *     virtual clock; a demo sleeps)
   */
  public InMemoryBatchSource(Log<I> log, int batchSize, Consumer<Duration> waiter) {
    this.log = Objects.requireNonNull(log, "log");
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, but was " + batchSize);
    }
    this.batchSize = batchSize;
    this.waiter = Objects.requireNonNull(waiter, "waiter");
    this.positions = new long[log.partitionCount()];
  }

  @Override
  public void open(PartitionListener listener) {
    if (open) {
      throw new IllegalStateException("already open");
    }
    open = true;
    Map<Integer, Checkpoint> committed = log.committed();
    for (int p = 0; p < positions.length; p++) {
      Checkpoint c = committed.get(p);
      positions[p] = c == null ? 0 : c.offset();
      listener.assigned(p, Optional.ofNullable(c));
    }
  }

  @Override
  public List<SourceRecord<I>> poll() {
    List<SourceRecord<I>> out = new ArrayList<>();
    boolean progress = true;
    while (out.size() < batchSize && progress) {
      progress = false;
      for (int p = 0; p < positions.length && out.size() < batchSize; p++) {
        I value = log.read(p, positions[p]);
        if (value != null) {
          out.add(new SourceRecord<>(p, positions[p], value));
          positions[p]++;
          progress = true;
        }
      }
    }
    if (out.isEmpty()) {
      waiter.accept(Duration.ofMillis(100));
    }
    return out;
  }

  @Override
  public void commit(Map<Integer, Checkpoint> checkpoints) {
    log.commit(checkpoints);
  }

  @Override
  public void deadLetter(SourceRecord<I> record, String reason) {
    log.deadLetter(record);
  }

  @Override
  public void hold(Duration duration) {
    waiter.accept(duration);
  }

  @Override
  public void wakeup() {}

  @Override
  public void close() {
    closed = true;
  }

  /**
   * @return whether {@link #close()} was called
   */
  public boolean isClosed() {
    return closed;
  }
}
