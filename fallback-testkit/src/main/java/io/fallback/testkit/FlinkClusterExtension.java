package io.fallback.testkit;

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
public final class FlinkClusterExtension extends ServerExtension<FlinkCluster> {

  /** Creates the extension; the cluster starts in the first JUnit callback. */
  public FlinkClusterExtension() {
    super(FlinkCluster.class, FlinkCluster::start);
  }

  /**
   * @return the running cluster of the current test class
   * @throws IllegalStateException if called outside the tests of the registering class
   */
  public FlinkCluster cluster() {
    return running();
  }

  /**
   * @return shortcut for {@code cluster().restUrl()}
   */
  public String restUrl() {
    return cluster().restUrl();
  }
}
