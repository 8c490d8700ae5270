package io.fallback.influx;

/**
 * An InfluxQL query that failed: no answer, a non-2xx answer, or an error in the result. The
 * message names the query and never contains credentials.
 */
public final class InfluxQueryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  InfluxQueryException(String message, Throwable cause) {
    super(message, cause);
  }
}
