package io.fallback.kafka;

/**
 * The values of the {@code fallback.reason} header on the dead-letter topic, as constants. The loop
 * may dead-letter with other reasons too (it passes {@code late}).
 */
public final class DeadLetterReason {

  /** The value is not a datum of the schema (corrupt bytes, truncated, wrong schema, not JSON). */
  public static final String UNDECODABLE = "undecodable";

  /** The key field is absent or null. */
  public static final String MISSING_KEY = "missing-key";

  /** The timestamp field is absent or null. */
  public static final String MISSING_TIMESTAMP = "missing-timestamp";

  /** The timestamp does not parse with {@code processing.timestamp_format}. */
  public static final String BAD_TIMESTAMP = "bad-timestamp";

  /** The record belongs to a window that has already fired (sent by the loop). */
  public static final String LATE = "late";

  private DeadLetterReason() {}
}
