package io.fallback.testkit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

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
public final class InfluxDbExtension
    implements BeforeAllCallback,
        AfterAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        ParameterResolver {

  private volatile InfluxDbServer server;
  private volatile boolean perTest;

  /** Creates the extension; the server starts in the first JUnit callback. */
  public InfluxDbExtension() {}

  /**
   * @return the running server of the current test class
   * @throws IllegalStateException if called outside the tests of the registering class
   */
  public InfluxDbServer server() {
    InfluxDbServer current = server;
    if (current == null) {
      throw new IllegalStateException(
          "InfluxDbExtension has no server: register it with @RegisterExtension and call server()"
              + " from a test or lifecycle method");
    }
    return current;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    server = startOrSkip();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (server == null) {
      perTest = true;
      server = startOrSkip();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (perTest) {
      closeServer();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    closeServer();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext context) {
    return parameterContext.getParameter().getType() == InfluxDbServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext context) {
    return server();
  }

  private void closeServer() {
    InfluxDbServer current = server;
    server = null;
    if (current != null) {
      current.close();
    }
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
