package io.fallback.core;

import java.util.Objects;

/**
 * One decoded input record and where it came from.
 *
 * @param partition the partition (shard) it was read from, {@code >= 0}
 * @param offset its offset within that partition, {@code >= 0}
 * @param value the decoded value
 * @param <I> the decoded type
 */
public record SourceRecord<I>(int partition, long offset, I value) {

  /**
   * Validates the components.
   *
   * @throws IllegalArgumentException for a negative partition or offset
   * @throws NullPointerException for a null value
   */
  public SourceRecord {
    if (partition < 0) {
      throw new IllegalArgumentException("partition must be >= 0, but was " + partition);
    }
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0, but was " + offset);
    }
    Objects.requireNonNull(value, "value");
  }
}
