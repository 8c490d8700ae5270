package io.fallback.testkit;

/**
 * The executable of a test server is not installed on this machine (for example {@code influxd}).
 * The message says how to install it. The JUnit extensions of this kit turn it into a skipped test
 * outside CI and into a failure when the environment variable {@code CI} is {@code true}.
 */
public class ServerNotInstalledException extends TestServerException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message what is missing and how to install it
   */
  public ServerNotInstalledException(String message) {
    super(message);
  }
}
