package io.fallback.core;

/**
 * What the fallback loop commits for one partition.
 *
 * <p>{@code offset} is the first offset that a restart must read again: the oldest record still
 * held in an open window, or the next unread offset when no window is open. {@code emittedThrough}
 * is the end (exclusive, epoch milliseconds) of the newest window already written for this
 * partition; windows fire in watermark order, so every window ending at or before it has been
 * written. {@code readThrough} is the next offset after everything this checkpoint accounts for: a
 * restart that re-reads a record below it, for a window ending at or before {@code emittedThrough},
 * knows the record was already handled, whereas such a record at or above it is genuinely late.
 *
 * @param offset first offset to re-read after a restart
 * @param emittedThrough end of the newest written window, or {@link Long#MIN_VALUE} if none
 * @param readThrough next offset after everything accounted for, {@code >= offset}
 */
public record Checkpoint(long offset, long emittedThrough, long readThrough) {

  /** {@code emittedThrough} value meaning "no window written yet". */
  public static final long NONE = Long.MIN_VALUE;

  /**
   * Validates the components.
   *
   * @throws IllegalArgumentException for a negative offset or {@code readThrough < offset}
   */
  public Checkpoint {
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0, but was " + offset);
    }
    if (readThrough < offset) {
      throw new IllegalArgumentException(
          "readThrough must be >= offset (" + offset + "), but was " + readThrough);
    }
  }
}
