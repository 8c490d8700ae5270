package io.fallback.testkit;

/**
 * A test server of this kit could not be started, reached or stopped. The message starts with the
 * component ({@code influxd}, {@code kafka}, {@code flink}) and, for child processes, names the log
 * file to read.
 */
public class TestServerException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message what failed, starting with the component
   */
  public TestServerException(String message) {
    super(message);
  }

  /**
   * @param message what failed, starting with the component
   * @param cause the underlying failure
   */
  public TestServerException(String message, Throwable cause) {
    super(message, cause);
  }
}
