package io.fallback.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that runs one {@link FlinkCluster} per test class:
 *
 * <pre>{@code
 * @RegisterExtension static final FlinkClusterExtension FLINK = new FlinkClusterExtension();
 *
 * @Test void probe() { String url = FLINK.cluster().restUrl(); ... }
 * }</pre>
 *
 * <p>Registered on a static field, the cluster starts before all tests and is closed after them; on
 * an instance field, one cluster per test. Test methods may also take a {@code FlinkCluster}
 * parameter. The test JVM needs the {@code --add-opens} options listed in {@link FlinkCluster}.
 *
 * <p>This class is thread-safe for the way JUnit calls it.
 */
public final class FlinkClusterExtension
    implements BeforeAllCallback,
        AfterAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        ParameterResolver {

  private volatile FlinkCluster cluster;
  private volatile boolean perTest;

  /** Creates the extension; the cluster starts in the first JUnit callback. */
  public FlinkClusterExtension() {}

  /**
   * @return the running cluster of the current test class
   * @throws IllegalStateException if called outside the tests of the registering class
   */
  public FlinkCluster cluster() {
    FlinkCluster current = cluster;
    if (current == null) {
      throw new IllegalStateException(
          "FlinkClusterExtension has no cluster: register it with @RegisterExtension and call"
              + " cluster() from a test or lifecycle method");
    }
    return current;
  }

  /**
   * @return shortcut for {@code cluster().restUrl()}
   */
  public String restUrl() {
    return cluster().restUrl();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    cluster = FlinkCluster.start();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (cluster == null) {
      perTest = true;
      cluster = FlinkCluster.start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (perTest) {
      closeCluster();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    closeCluster();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext context) {
    return parameterContext.getParameter().getType() == FlinkCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext context) {
    return cluster();
  }

  private void closeCluster() {
    FlinkCluster current = cluster;
    cluster = null;
    if (current != null) {
      current.close();
    }
  }
}
