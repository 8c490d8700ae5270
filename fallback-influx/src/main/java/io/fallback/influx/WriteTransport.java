package io.fallback.influx;

/**
 * Sends one chunk of line protocol to InfluxDB. One attempt per call: retries belong to the sink.
 * Implementations are thread-safe.
 */
interface WriteTransport extends AutoCloseable {

  /**
   * Sends the lines, millisecond precision; returns only after a 2xx answer.
   *
   * @param body newline-separated line protocol
   * @throws TransportException on any other outcome
   */
  void write(String body);

  /** Where the points go, for messages: no credentials. */
  String describe();

  /** Releases connections. Idempotent. */
  @Override
  void close();

  /** One failed attempt: the HTTP status (or -1 without an answer) and whether a retry may help. */
  final class TransportException extends RuntimeException {
    private final int status;
    private final boolean retryable;

    TransportException(int status, boolean retryable, String message, Throwable cause) {
      super(message, cause);
      this.status = status;
      this.retryable = retryable;
    }

    int status() {
      return status;
    }

    boolean retryable() {
      return retryable;
    }
  }
}
