package io.fallback.testkit;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that runs one in-JVM {@link KafkaBroker} per test class:
 *
 * <pre>{@code
 * @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
 *
 * @Test void consumes() { KAFKA.broker().createTopic("stress-topic", 2); ... }
 * }</pre>
 *
 * <p>Registered on a static field, the broker starts before all tests and is closed after them; on
 * an instance field, one broker per test. Test methods may also take a {@code KafkaBroker}
 * parameter. Topics persist across the tests of a class: give each test its own topic names.
 *
 * <p>This class is thread-safe for the way JUnit calls it.
 */
public final class KafkaBrokerExtension
    implements BeforeAllCallback,
        AfterAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        ParameterResolver {

  private final Map<String, ?> brokerConfig;
  private volatile KafkaBroker broker;
  private volatile boolean perTest;

  /** A broker with the fast-test defaults of {@link KafkaBroker}. */
  public KafkaBrokerExtension() {
    this(Map.of());
  }

  /**
   * @param brokerConfig broker properties overriding the defaults
   */
  public KafkaBrokerExtension(Map<String, ?> brokerConfig) {
    this.brokerConfig = Map.copyOf(requireNonNull(brokerConfig, "brokerConfig"));
  }

  /**
   * @return the running broker of the current test class
   * @throws IllegalStateException if called outside the tests of the registering class
   */
  public KafkaBroker broker() {
    KafkaBroker current = broker;
    if (current == null) {
      throw new IllegalStateException(
          "KafkaBrokerExtension has no broker: register it with @RegisterExtension and call"
              + " broker() from a test or lifecycle method");
    }
    return current;
  }

  /**
   * @return shortcut for {@code broker().bootstrapServers()}
   */
  public String bootstrapServers() {
    return broker().bootstrapServers();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    broker = KafkaBroker.start(brokerConfig);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (broker == null) {
      perTest = true;
      broker = KafkaBroker.start(brokerConfig);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (perTest) {
      closeBroker();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    closeBroker();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext context) {
    return parameterContext.getParameter().getType() == KafkaBroker.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext context) {
    return broker();
  }

  private void closeBroker() {
    KafkaBroker current = broker;
    broker = null;
    if (current != null) {
      current.close();
    }
  }
}
