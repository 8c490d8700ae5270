package io.fallback.core;

import io.fallback.core.PrimaryProgress.WindowId;
import java.util.Optional;
import java.util.Set;

/**
 * Told by a {@link BatchSource} when partitions come and go.
 *
 * <p>Called on the thread that calls {@link BatchSource#open} or {@link BatchSource#poll}, from
 * inside that call, so the loop never sees a record of a partition it was not told about.
 */
public interface PartitionListener {

  /**
   * A partition is now read by this source.
   *
   * @param partition the partition
   * @param restored the checkpoint committed for it before, if any; its {@code emittedThrough} and
   *     {@code readThrough} let the loop skip windows that were already written
   */
  void assigned(int partition, Optional<Checkpoint> restored);

  /**
   * A partition is no longer read by this source. The loop drops its open windows: their records
   * sit at or after the committed offset, so whoever reads the partition next re-reads them.
   *
   * @param partition the partition
   */
  void revoked(int partition);

  /**
   * Windows the primary has already written, found by the source when it took over from the
   * primary: the loop drops them instead of writing them again. May be called more than once; the
   * sets add up.
   *
   * @param windows the windows to drop
   */
  default void alreadyWritten(Set<WindowId> windows) {}
}
