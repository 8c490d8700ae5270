package io.fallback.influx;

import java.util.Optional;

/**
 * A write that InfluxDB did not acknowledge. Thrown by {@link InfluxSink#write}; the points of the
 * batch may be partly written, so the caller keeps the whole batch (rewriting a point is harmless).
 *
 * <p>{@link #retryable()} tells the two cases apart: {@code true} when the server was unreachable,
 * slow or answered 5xx until the sink's retry bound ran out (writing again later may succeed);
 * {@code false} when the server rejected a point (4xx): writing the same point again will fail the
 * same way, and {@link #rejectedPoint()} names it. The message never contains credentials.
 */
public final class InfluxWriteException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final boolean retryable;
  private final String rejectedPoint;

  InfluxWriteException(
      String message, int status, boolean retryable, String rejectedPoint, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.retryable = retryable;
    this.rejectedPoint = rejectedPoint;
  }

  /**
   * The HTTP status of the last answer.
   *
   * @return the status, or -1 when there was no answer (connection refused, timeout)
   */
  public int status() {
    return status;
  }

  /**
   * Whether writing the same points again later may succeed.
   *
   * @return false for a point the server rejected
   */
  public boolean retryable() {
    return retryable;
  }

  /**
   * The line of the point the server rejected, when it could be identified.
   *
   * @return the line protocol of the rejected point
   */
  public Optional<String> rejectedPoint() {
    return Optional.ofNullable(rejectedPoint);
  }
}
