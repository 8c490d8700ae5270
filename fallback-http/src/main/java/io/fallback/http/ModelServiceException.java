package io.fallback.http;

/**
 * A call to the model service failed: unreachable, timed out, answered an error status, answered
 * something that is not a prediction, or the circuit breaker is open. No prediction exists for the
 * window(s) concerned; callers hold the batch and retry it later.
 */
public class ModelServiceException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient boolean retryable;

  /**
   * Creates an exception.
   *
   * @param message what failed, with a body excerpt where there was one
   * @param cause the underlying failure, may be null
   */
  public ModelServiceException(String message, Throwable cause) {
    this(message, cause, true);
  }

  ModelServiceException(String message, Throwable cause, boolean retryable) {
    super(message, cause);
    this.retryable = retryable;
  }

  /**
   * Whether another attempt might succeed (a 5xx, a timeout, a refused connection) as opposed to an
   * answer that will not change (a 4xx, a malformed body).
   *
   * @return true when worth retrying within the same call
   */
  boolean retryable() {
    return retryable;
  }
}
