package io.fallback.core.testing;

import io.fallback.core.BatchSource;
import io.fallback.core.Checkpoint;
import io.fallback.core.PartitionListener;
import io.fallback.core.SourceRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link BatchSource} that forwards every call to another one; tests override the calls they want
 * to observe or disturb (checking each commit against the sink, simulating a crash before a
 * commit). Thread safety is the delegate's.
 *
 * @param <I> the record type
 */
public abstract class ForwardingBatchSource<I> implements BatchSource<I> {

  private final BatchSource<I> delegate;

  /**
   * Creates a forwarding source.
   *
   * @param delegate where calls go
   */
  protected ForwardingBatchSource(BatchSource<I> delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /**
   * @return the source calls are forwarded to
   */
  protected BatchSource<I> delegate() {
    return delegate;
  }

  @Override
  public void open(PartitionListener listener) {
    delegate.open(listener);
  }

  @Override
  public List<SourceRecord<I>> poll() {
    return delegate.poll();
  }

  @Override
  public List<SourceRecord<I>> poll(Duration maxWait) {
    return delegate.poll(maxWait);
  }

  @Override
  public void commit(Map<Integer, Checkpoint> checkpoints) {
    delegate.commit(checkpoints);
  }

  @Override
  public void deadLetter(SourceRecord<I> record, String reason) {
    delegate.deadLetter(record, reason);
  }

  @Override
  public void hold(Duration duration) {
    delegate.hold(duration);
  }

  @Override
  public void wakeup() {
    delegate.wakeup();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
