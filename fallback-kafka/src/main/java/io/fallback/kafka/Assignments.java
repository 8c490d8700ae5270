package io.fallback.kafka;

import io.fallback.core.PartitionListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions a {@link KafkaBatchSource} reads, as the group assigns and revokes them.
 *
 * <p>An assigned partition is paused and its start chosen at once, inside the rebalance callback,
 * by {@link StartPositions}; then it is reported to the {@link PartitionListener} and resumed
 * (unless the source is holding, which resumes it when the hold ends). If choosing fails, the
 * partition stays paused ("pending") and {@link #retry} tries again at the next poll. A revoked or
 * lost partition is reported to the listener (not after the source closed: the loop has finished by
 * then) and its collected records are dropped: they sit after the committed offset, and whoever
 * reads the partition next reads them again.
 *
 * <p>Not thread-safe: the source's thread only (the consumer calls the callbacks from inside its
 * poll).
 */
final class Assignments implements ConsumerRebalanceListener {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBatchSource.class);

  private final String topic;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final StartPositions starts;
  private final PartitionListener listener;
  private final Consumer<Set<Integer>> dropCollected;
  private final Runnable started;
  private final BooleanSupplier closed;

  /** Assigned, start not chosen yet; paused. */
  private final Set<TopicPartition> pending = new HashSet<>();

  /** Reported to the listener as assigned. */
  private final Set<Integer> active = new HashSet<>();

  /** {@link #active} for other threads (status). */
  private volatile Set<Integer> owned = Set.of();

  private boolean holding;

  /**
   * @param topic the input topic (assignments of other topics are ignored)
   * @param consumer the consumer whose callbacks these are
   * @param starts chooses start positions
   * @param listener told about partitions
   * @param dropCollected drops the collected records of revoked partitions
   * @param started called when a partition starts being read (the source is catching up again)
   * @param closed whether the source has closed
   */
  Assignments(
      String topic,
      KafkaConsumer<byte[], byte[]> consumer,
      StartPositions starts,
      PartitionListener listener,
      Consumer<Set<Integer>> dropCollected,
      Runnable started,
      BooleanSupplier closed) {
    this.topic = topic;
    this.consumer = consumer;
    this.starts = starts;
    this.listener = listener;
    this.dropCollected = dropCollected;
    this.started = started;
    this.closed = closed;
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    List<TopicPartition> ours = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      if (tp.topic().equals(topic)) {
        ours.add(tp);
      }
    }
    if (ours.isEmpty()) {
      return;
    }
    LOG.info("partitions assigned: {}", numbers(ours));
    pending.addAll(ours);
    // nothing may be fetched from them before their start is chosen
    consumer.pause(ours);
    try {
      resolve();
    } catch (RuntimeException e) {
      LOG.warn(
          "partitions {}: cannot choose the start position yet ({}); trying again at the next poll",
          numbers(pending),
          e.toString());
    }
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    drop(partitions, "revoked");
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    drop(partitions, "lost");
  }

  private void drop(Collection<TopicPartition> partitions, String how) {
    if (partitions.isEmpty()) {
      return;
    }
    Set<Integer> dropped = new HashSet<>();
    for (TopicPartition tp : partitions) {
      dropped.add(tp.partition());
    }
    dropCollected.accept(dropped);
    boolean isClosed = closed.getAsBoolean();
    for (TopicPartition tp : partitions) {
      pending.remove(tp);
      // consumer.close() revokes too: the loop has finished by then and is not told. The loop is
      // told while the partition is still active, so that it can commit what it wrote of it.
      if (active.contains(tp.partition()) && !isClosed) {
        listener.revoked(tp.partition());
      }
      active.remove(tp.partition());
      owned = Set.copyOf(active);
    }
    LOG.info("partitions {}: {}", isClosed ? "released on close" : how, numbers(partitions));
  }

  /**
   * Chooses the start of the pending partitions again.
   *
   * @param mayFail whether a failure is only logged (records are waiting to be handed over first)
   * @throws RuntimeException if choosing failed and {@code mayFail} is false
   */
  void retry(boolean mayFail) {
    if (pending.isEmpty()) {
      return;
    }
    try {
      resolve();
    } catch (RuntimeException e) {
      if (!mayFail) {
        throw e;
      }
      LOG.warn(
          "cannot resolve assigned partitions yet ({}); handing over what was read first",
          e.toString());
    }
  }

  /**
   * Chooses the start of every pending partition, seeks, reports it, resumes it; on failure they
   * stay pending.
   */
  private void resolve() {
    Map<TopicPartition, OffsetAndMetadata> own = starts.committed(consumer, pending);
    Map<TopicPartition, OffsetAndMetadata> primary = starts.primaryOffsets();
    for (TopicPartition tp : sorted(pending)) {
      StartPositions.StartPosition start =
          starts.choose(consumer, tp, own.get(tp), primary.get(tp));
      if (!start.alreadyWritten().isEmpty()) {
        listener.alreadyWritten(start.alreadyWritten());
      }
      listener.assigned(tp.partition(), start.restored());
      pending.remove(tp);
      active.add(tp.partition());
      owned = Set.copyOf(active);
      started.run();
      if (!holding) {
        consumer.resume(List.of(tp));
      }
    }
  }

  /**
   * Whether the consumer has read up to the end of every partition it reads, as the last fetch
   * responses told it ({@code currentLag}, no request). A partition whose lag is not known yet is
   * not caught up.
   */
  boolean caughtUp() {
    for (TopicPartition tp : consumer.assignment()) {
      if (!active.contains(tp.partition()) || pending.contains(tp)) {
        continue;
      }
      OptionalLong lag = consumer.currentLag(tp);
      if (lag.isEmpty() || lag.getAsLong() > 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * @return whether the partition is being read (assigned and its start chosen)
   */
  /**
   * The partitions being read, for any thread.
   *
   * @return a snapshot
   */
  Set<Integer> owned() {
    return owned;
  }

  boolean isActive(int partition) {
    return active.contains(partition);
  }

  /**
   * Pauses every assigned partition and polls for about {@code duration}, so the group keeps this
   * member while the loop holds a batch, then resumes the partitions being read. Records that
   * arrive anyway (a partition assigned and started during the poll) are sought back, to be read
   * again. Returns early when a wakeup is requested, and takes it.
   */
  void hold(Duration duration, Wakeup wakeup) {
    holding = true;
    consumer.pause(consumer.assignment());
    try {
      ConsumerRecords<byte[], byte[]> records = consumer.poll(duration);
      for (TopicPartition tp : records.partitions()) {
        long first = records.records(tp).get(0).offset();
        LOG.warn(
            "partition {}: {} record(s) arrived while held; reading them again from offset {}",
            tp.partition(),
            records.records(tp).size(),
            first);
        consumer.seek(tp, first);
      }
    } catch (WakeupException e) {
      // a stop was requested: return now
    } finally {
      wakeup.clear();
      holding = false;
      Set<TopicPartition> resume = new HashSet<>(consumer.assignment());
      resume.removeAll(pending);
      consumer.resume(resume);
    }
  }

  private static List<TopicPartition> sorted(Collection<TopicPartition> tps) {
    Map<Integer, TopicPartition> out = new TreeMap<>();
    tps.forEach(tp -> out.put(tp.partition(), tp));
    return new ArrayList<>(out.values());
  }

  private static List<Integer> numbers(Collection<TopicPartition> tps) {
    return sorted(tps).stream().map(TopicPartition::partition).toList();
  }
}
