package io.fallback.core.window;

import io.fallback.core.Checkpoint;
import io.fallback.core.PrimaryProgress.WindowId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The stateful windowing stage between the source and the processor: tumbling event-time windows
 * per key, a watermark per partition, and the positions to commit.
 *
 * <p>Semantics (DESIGN sections 5 and 10):
 *
 * <ul>
 *   <li>A record goes to window {@code [start, start + size)} with {@code start = ts - floorMod(ts,
 *       size)}.
 *   <li>Each partition has a watermark {@code maxEventTime - maxOutOfOrderness - 1 ms}; after each
 *       record, every open window of that partition with {@code end - 1 <= watermark} fires, oldest
 *       end first. Firing after each record, not per batch, makes firing depend on offset order
 *       only, so a restart that re-reads the same records fires the same windows with the same
 *       contents.
 *   <li>A record for a window whose end is at or before the partition's watermark (rounded down to
 *       a window boundary) is {@link Outcome#LATE}, as Flink drops it; the loop dead-letters it.
 *       That boundary is the checkpoint's {@code emittedThrough}: it depends on offset order alone,
 *       so a restart from a checkpoint decides lateness exactly as the run before it.
 *   <li>After a restart, a record below the restored {@code readThrough} whose window ends at or
 *       before the restored {@code emittedThrough} was already handled before the restart: {@link
 *       Outcome#SKIPPED}.
 *   <li>Windows listed with {@link #skipWindows} (written by the primary before a takeover) are
 *       fired silently: dropped rather than emitted.
 * </ul>
 *
 * <p>Window state is primitive: one {@code double[]} of sums, a count and the smallest offset per
 * open window. Not thread-safe: owned by the loop thread.
 */
public final class WindowStage {

  /** What {@link #add} did with a record. */
  public enum Outcome {
    /** Added to an open window. */
    ACCEPTED,
    /** Its window was written before a restart; nothing to do. */
    SKIPPED,
    /** Its window has already fired in this run; the record must be dead-lettered. */
    LATE
  }

  private final WindowSpec spec;
  private final long size;
  private final long outOfOrderness;
  private final int fields;
  private final Map<Integer, PartitionState> partitions = new HashMap<>();
  private final List<WindowResult> fired = new ArrayList<>();
  private Set<WindowId> skip = new HashSet<>();
  private long skippedWindows;

  /**
   * Creates an empty stage.
   *
   * @param spec window size, out-of-orderness and fields
   */
  public WindowStage(WindowSpec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.size = spec.size().toMillis();
    this.outOfOrderness = spec.maxOutOfOrderness().toMillis();
    this.fields = spec.fieldNames().size();
  }

  /**
   * The spec of this stage.
   *
   * @return the spec
   */
  public WindowSpec spec() {
    return spec;
  }

  /**
   * Starts tracking a partition.
   *
   * @param partition the partition
   * @param restored its last committed checkpoint, if any
   */
  public void assigned(int partition, Optional<Checkpoint> restored) {
    partitions.put(partition, new PartitionState(restored.orElse(null), partition));
  }

  /**
   * Stops tracking a partition and drops its open windows; their records sit at or after the last
   * committed offset, so whoever reads the partition next reads them again.
   *
   * @param partition the partition
   */
  public void revoked(int partition) {
    partitions.remove(partition);
  }

  /**
   * Adds windows to drop instead of emitting because the primary already wrote them.
   *
   * @param windows the windows
   */
  public void skipWindows(Set<WindowId> windows) {
    Set<WindowId> union = new HashSet<>(skip);
    union.addAll(windows);
    this.skip = union;
  }

  /**
   * Adds one record.
   *
   * @param partition its partition, which must be assigned
   * @param offset its offset
   * @param reading the decoded record; its field count must match the spec
   * @return what happened to it
   * @throws IllegalStateException if the partition is not assigned
   * @throws IllegalArgumentException if the field count does not match the spec
   */
  public Outcome add(int partition, long offset, Reading reading) {
    PartitionState p = partitions.get(partition);
    if (p == null) {
      throw new IllegalStateException("partition " + partition + " is not assigned");
    }
    if (reading.size() != fields) {
      throw new IllegalArgumentException(
          "reading has " + reading.size() + " fields, the window spec " + fields);
    }
    long ts = reading.eventTime();
    long start = spec.windowStart(ts);
    long end = start + size;
    p.readThrough = Math.max(p.readThrough, offset + 1);
    p.anyRead = true;
    if (end <= p.emittedThrough) {
      return offset < p.restoredReadThrough ? Outcome.SKIPPED : Outcome.LATE;
    }
    Map<String, Window> byKey = p.openByEnd.get(end);
    if (byKey == null) {
      byKey = new HashMap<>();
      p.openByEnd.put(end, byKey);
    }
    Window w = byKey.get(reading.key());
    if (w == null) {
      w = new Window(reading.key(), start, end, fields, offset);
      byKey.put(reading.key(), w);
      p.openWindows++;
    }
    w.add(reading, offset);
    if (ts > p.maxEventTime) {
      p.maxEventTime = ts;
      fireUpTo(p, ts - outOfOrderness);
    }
    return Outcome.ACCEPTED;
  }

  /**
   * Returns and forgets the windows fired since the last call, in firing order.
   *
   * @return the completed windows, possibly empty
   */
  public List<WindowResult> drainFired() {
    if (fired.isEmpty()) {
      return List.of();
    }
    List<WindowResult> out = new ArrayList<>(fired);
    fired.clear();
    return out;
  }

  /**
   * The positions to commit once every window returned by {@link #drainFired} has been written: per
   * partition, the smallest offset still held by an open window (or the next offset when none is
   * open), the end of the newest fired window, and the next offset after everything read.
   * Partitions with nothing read and nothing restored are absent.
   *
   * @return checkpoints per partition
   */
  public Map<Integer, Checkpoint> checkpoints() {
    Map<Integer, Checkpoint> out = new HashMap<>();
    for (Map.Entry<Integer, PartitionState> e : partitions.entrySet()) {
      PartitionState p = e.getValue();
      if (!p.anyRead) {
        if (p.restored != null) {
          out.put(e.getKey(), p.restored);
        }
        continue;
      }
      long offset = p.readThrough;
      for (Map<String, Window> byKey : p.openByEnd.values()) {
        for (Window w : byKey.values()) {
          offset = Math.min(offset, w.minOffset);
        }
      }
      out.put(
          e.getKey(),
          new Checkpoint(offset, p.emittedThrough, Math.max(p.readThrough, p.restoredReadThrough)));
    }
    return out;
  }

  /**
   * The number of windows currently open, over all partitions.
   *
   * @return open windows
   */
  public int openWindows() {
    int n = 0;
    for (PartitionState p : partitions.values()) {
      n += p.openWindows;
    }
    return n;
  }

  /**
   * Windows dropped because the primary had written them.
   *
   * @return count since creation
   */
  public long skippedWindows() {
    return skippedWindows;
  }

  /** Fires every open window of {@code p} whose end is at or before {@code limit}. */
  private void fireUpTo(PartitionState p, long limit) {
    // watermark = maxTs - ooo - 1; a window fires when end - 1 <= watermark,
    // i.e. end <= maxTs - ooo
    Iterator<Map.Entry<Long, Map<String, Window>>> it = p.openByEnd.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, Map<String, Window>> e = it.next();
      if (e.getKey() > limit) {
        break;
      }
      for (Window w : e.getValue().values()) {
        if (skip.contains(new WindowId(w.key, w.start))) {
          skippedWindows++;
        } else {
          fired.add(w.result(p.partition));
        }
        p.openWindows--;
      }
      it.remove();
    }
    // every window ending at or before the watermark counts as fired, whether it had records or
    // not, so lateness depends on the watermark alone and a restart from a checkpoint decides it
    // the same way
    p.emittedThrough = Math.max(p.emittedThrough, spec.windowStart(limit));
  }

  private static final class PartitionState {
    final int partition;
    final Checkpoint restored;
    final long restoredReadThrough;
    final TreeMap<Long, Map<String, Window>> openByEnd = new TreeMap<>();
    long emittedThrough;
    long readThrough;
    long maxEventTime = Long.MIN_VALUE;
    boolean anyRead;
    int openWindows;

    PartitionState(Checkpoint restored, int partition) {
      this.partition = partition;
      this.restored = restored;
      this.emittedThrough = restored == null ? Checkpoint.NONE : restored.emittedThrough();
      this.restoredReadThrough = restored == null ? 0 : restored.readThrough();
      this.readThrough = restored == null ? 0 : restored.offset();
    }
  }

  private static final class Window {
    final String key;
    final long start;
    final long end;
    final double[] sums;
    long count;
    long minOffset;

    Window(String key, long start, long end, int fields, long offset) {
      this.key = key;
      this.start = start;
      this.end = end;
      this.sums = new double[fields];
      this.minOffset = offset;
    }

    void add(Reading r, long offset) {
      for (int i = 0; i < sums.length; i++) {
        sums[i] += r.value(i);
      }
      count++;
      minOffset = Math.min(minOffset, offset);
    }

    WindowResult result(int partition) {
      float[] means = new float[sums.length];
      for (int i = 0; i < sums.length; i++) {
        means[i] = (float) (sums[i] / count);
      }
      return new WindowResult(key, start, end, count, means, partition);
    }
  }
}
