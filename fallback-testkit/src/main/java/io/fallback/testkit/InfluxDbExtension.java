package io.fallback.testkit;

import org.junit.jupiter.api.Assumptions;

/**
 * JUnit 5 extension that runs one {@link InfluxDbServer} per test class:
 *
 * <pre>{@code
 * @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();
 *
 * @Test void writes() { INFLUX.server().createDatabase("flink_sink"); ... }
 * }</pre>
 *
 * <p>Registered on a static field, the server starts before all tests and is closed after them; on
 * an instance field, one server per test. Test methods may also take an {@code InfluxDbServer}
 * parameter.
 *
 * <p>When {@code influxd} is not installed, the tests are skipped (aborted) with the install hint,
 * except when the environment variable {@code CI} is {@code true}: then they fail.
 *
 * <p>This class is thread-safe for the way JUnit calls it (callbacks of one test class).
 */
public final class InfluxDbExtension extends ServerExtension<InfluxDbServer> {

  /** Creates the extension; the server starts in the first JUnit callback. */
  public InfluxDbExtension() {
    super(InfluxDbServer.class, InfluxDbExtension::startOrSkip);
  }

  /**
   * @return the running server of the current test class
   * @throws IllegalStateException if called outside the tests of the registering class
   */
  public InfluxDbServer server() {
    return running();
  }

  private static InfluxDbServer startOrSkip() {
    try {
      return InfluxDbServer.start();
    } catch (ServerNotInstalledException e) {
      throw skipOutsideCi(e);
    }
  }

  /**
   * Aborts (skips) the current test when a server is not installed, unless {@code CI=true}, in
   * which case the exception is returned for the caller to throw.
   */
  static RuntimeException skipOutsideCi(ServerNotInstalledException e) {
    return skipOutsideCi(e, TestkitPaths.isCi());
  }

  static RuntimeException skipOutsideCi(ServerNotInstalledException e, boolean ci) {
    if (ci) {
      return e;
    }
    Assumptions.abort(e.getMessage() + " (skipped because CI is not true)");
    return e; // not reached: abort always throws
  }
}
