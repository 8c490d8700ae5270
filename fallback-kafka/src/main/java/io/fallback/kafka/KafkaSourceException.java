package io.fallback.kafka;

/**
 * A failure of the Kafka adapters that the Kafka client does not report itself: a dead letter that
 * could not be sent, a request that timed out, offsets that could not be read. The fallback loop
 * treats it like any failure of its source: it keeps its state and retries later.
 */
public final class KafkaSourceException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, naming the group, topic or partition
   * @param cause the underlying error, or null
   */
  public KafkaSourceException(String message, Throwable cause) {
    super(message, cause);
  }
}
