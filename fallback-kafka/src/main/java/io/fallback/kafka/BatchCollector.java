package io.fallback.kafka;

import io.fallback.core.SourceRecord;
import io.fallback.core.window.Reading;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The batch a {@link KafkaBatchSource} is collecting, across poll calls, and the one it handed over
 * last.
 *
 * <p>Records are decoded as they join ({@link #offer}); a record that cannot be decoded goes to the
 * dead-letter publisher and does not join. The batch is full when it holds {@code batch_size}
 * records or when the {@linkplain #footprint footprint} of its records reaches the byte budget (the
 * memory bound); records beyond it wait in a leftover queue for the next batch. Held at most: the
 * batch being collected and the raw records of the batch handed over last (each up to the budget
 * plus one record) and the leftover of one poll ({@code max.poll.records} records). The batch is
 * {@linkplain #ready ready} when it is full, when the batch timeout has passed since its first
 * record, or when the source was catching up and has caught up. Records of a revoked partition are
 * {@linkplain #drop dropped}: they sit after the committed offset and whoever reads the partition
 * next reads them again. The raw records of the batch handed over last stay available to {@link
 * #findHanded} for dead-lettering.
 *
 * <p>Time arrives as {@link System#nanoTime()}-style values, so tests need no clock. Not
 * thread-safe: the source's thread only.
 */
final class BatchCollector {

  /**
   * Heap bytes one collected record holds besides its key and value bytes: the raw {@code
   * ConsumerRecord} (object, headers, key and value array headers, kept for dead-lettering), the
   * {@code SourceRecord}, the decoded {@code Reading} with its {@code float[]}, and two list slots.
   * Measured on Java 17 (64-bit, compressed oops, G1) with the nurse schema by {@code
   * fallback-benchmarks}' {@code RecordFootprint}: 200 000 collected records held 68.5 MB of heap,
   * 342.3 bytes per record with 64.4-byte values and 7-byte keys, so 271 bytes besides key and
   * value; rounded up.
   */
  static final int RECORD_OVERHEAD_BYTES = 272;

  private final int batchSize;
  private final long budgetBytes;
  private final long batchTimeoutNanos;
  private final ReadingDecoder decoder;
  private final DeadLetterPublisher deadLetters;
  private final IntPredicate active;

  private final ArrayDeque<ConsumerRecord<byte[], byte[]>> leftover = new ArrayDeque<>();
  private List<SourceRecord<Reading>> collecting = new ArrayList<>();
  private List<ConsumerRecord<byte[], byte[]>> collectingRaw = new ArrayList<>();
  private long collectingSince;
  private long collectingBytes;
  private long leftoverBytes;
  private List<ConsumerRecord<byte[], byte[]>> handedRaw = List.of();
  private int handedCursor;

  /**
   * A collector without a byte budget.
   *
   * @param batchSize the most records in one batch
   * @param batchTimeoutNanos the longest a batch waits after its first record
   * @param decoder turns values into readings
   * @param deadLetters receives what cannot be decoded
   * @param active whether a partition is being read (records of others are dropped)
   */
  BatchCollector(
      int batchSize,
      long batchTimeoutNanos,
      ReadingDecoder decoder,
      DeadLetterPublisher deadLetters,
      IntPredicate active) {
    this(batchSize, Long.MAX_VALUE, batchTimeoutNanos, decoder, deadLetters, active);
  }

  /**
   * @param batchSize the most records in one batch
   * @param budgetBytes the most record bytes ({@link #footprint}) in one batch; a batch holds at
   *     least one record
   * @param batchTimeoutNanos the longest a batch waits after its first record
   * @param decoder turns values into readings
   * @param deadLetters receives what cannot be decoded
   * @param active whether a partition is being read (records of others are dropped)
   */
  BatchCollector(
      int batchSize,
      long budgetBytes,
      long batchTimeoutNanos,
      ReadingDecoder decoder,
      DeadLetterPublisher deadLetters,
      IntPredicate active) {
    this.batchSize = batchSize;
    this.budgetBytes = budgetBytes;
    this.batchTimeoutNanos = batchTimeoutNanos;
    this.decoder = decoder;
    this.deadLetters = deadLetters;
    this.active = active;
  }

  /**
   * The heap bytes a collected record holds, decoded and raw: its key and value bytes plus {@link
   * #RECORD_OVERHEAD_BYTES} (objects, array headers, the decoded values).
   *
   * @param r the record
   * @return its footprint in bytes
   */
  static long footprint(ConsumerRecord<byte[], byte[]> r) {
    byte[] key = r.key();
    byte[] value = r.value();
    return RECORD_OVERHEAD_BYTES
        + (key == null ? 0 : key.length)
        + (value == null ? 0 : value.length);
  }

  /** Takes leftover records first, up to a full batch. */
  void takeLeftover(long nowNanos) {
    while (!leftover.isEmpty() && !full()) {
      ConsumerRecord<byte[], byte[]> r = leftover.pollFirst();
      leftoverBytes -= footprint(r);
      accept(r, nowNanos);
    }
  }

  /** Adds a fetched record to the batch, or to the leftover queue when the batch is full. */
  void offer(ConsumerRecord<byte[], byte[]> r, long nowNanos) {
    if (!full()) {
      accept(r, nowNanos);
    } else {
      leftover.addLast(r);
      leftoverBytes += footprint(r);
    }
  }

  private void accept(ConsumerRecord<byte[], byte[]> r, long nowNanos) {
    if (!active.test(r.partition())) {
      // unreachable in practice (unresolved partitions are paused, revoked ones dropped); dropping
      // is safe either way: a pending partition is sought to its start position, a revoked one is
      // re-read by its owner
      return;
    }
    Reading reading;
    try {
      reading = decoder.decode(r.value(), r.timestamp());
    } catch (DecodeException e) {
      deadLetters.send(r, e.reason(), e.getMessage());
      return;
    } catch (RuntimeException e) {
      // a decoder defect must not lose the record: dead-letter it with the error
      deadLetters.send(r, DeadLetterReason.UNDECODABLE, "decoder error: " + e);
      return;
    }
    if (collecting.isEmpty()) {
      collectingSince = nowNanos;
    }
    collecting.add(new SourceRecord<>(r.partition(), r.offset(), reading));
    collectingRaw.add(r);
    collectingBytes += footprint(r);
  }

  /**
   * @return the footprint of the records collected and not handed over, and of the leftover
   */
  long bytesHeld() {
    return collectingBytes + leftoverBytes;
  }

  /**
   * @return records collected and not handed over
   */
  int size() {
    return collecting.size();
  }

  /**
   * @return whether records wait beyond the current batch
   */
  boolean hasLeftover() {
    return !leftover.isEmpty();
  }

  /**
   * @return whether the batch is full: {@code batch_size} records, or records whose footprint
   *     reached the byte budget
   */
  boolean full() {
    return collecting.size() >= batchSize || collectingBytes >= budgetBytes;
  }

  /**
   * @return whether the batch timeout has passed since the first record of a non-empty batch
   */
  boolean timedOut(long nowNanos) {
    return !collecting.isEmpty() && nowNanos - collectingSince >= batchTimeoutNanos;
  }

  /**
   * The time the current batch may still wait, bounded by {@code otherwise}.
   *
   * @return nanoseconds until the batch times out, or {@code otherwise} when that is sooner or the
   *     batch is empty
   */
  long remainingNanos(long nowNanos, long otherwise) {
    return collecting.isEmpty()
        ? otherwise
        : Math.min(otherwise, collectingSince + batchTimeoutNanos - nowNanos);
  }

  /** Drops the collected and leftover records of {@code partitions}. */
  void drop(Set<Integer> partitions) {
    leftover.removeIf(r -> partitions.contains(r.partition()));
    leftoverBytes = 0;
    leftover.forEach(r -> leftoverBytes += footprint(r));
    if (collecting.isEmpty()) {
      return;
    }
    List<SourceRecord<Reading>> keptBatch = new ArrayList<>(collecting.size());
    List<ConsumerRecord<byte[], byte[]>> keptRaw = new ArrayList<>(collecting.size());
    for (int i = 0; i < collecting.size(); i++) {
      if (!partitions.contains(collecting.get(i).partition())) {
        keptBatch.add(collecting.get(i));
        keptRaw.add(collectingRaw.get(i));
      }
    }
    collecting = keptBatch;
    collectingRaw = keptRaw;
    collectingBytes = 0;
    keptRaw.forEach(r -> collectingBytes += footprint(r));
  }

  /**
   * Hands the batch over and starts a new one; the raw records stay findable until the next
   * hand-over.
   */
  List<SourceRecord<Reading>> handOver() {
    List<SourceRecord<Reading>> out = collecting;
    handedRaw = collectingRaw;
    handedCursor = 0;
    collectingBytes = 0;
    collecting = new ArrayList<>(Math.min(batchSize, 8192));
    collectingRaw = new ArrayList<>(Math.min(batchSize, 8192));
    return out;
  }

  /**
   * Finds a record of the batch handed over last; the loop dead-letters in batch order, so scanning
   * from a cursor is linear overall.
   *
   * @return the raw record, or null
   */
  ConsumerRecord<byte[], byte[]> findHanded(int partition, long offset) {
    int n = handedRaw.size();
    for (int k = 0; k < n; k++) {
      int i = (handedCursor + k) % n;
      ConsumerRecord<byte[], byte[]> r = handedRaw.get(i);
      if (r.partition() == partition && r.offset() == offset) {
        handedCursor = i + 1 == n ? 0 : i + 1;
        return r;
      }
    }
    return null;
  }
}
