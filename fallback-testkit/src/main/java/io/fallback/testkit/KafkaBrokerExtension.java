package io.fallback.testkit;

import static java.util.Objects.requireNonNull;

import java.util.Map;

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
public final class KafkaBrokerExtension extends ServerExtension<KafkaBroker> {

  /** A broker with the fast-test defaults of {@link KafkaBroker}. */
  public KafkaBrokerExtension() {
    this(Map.of());
  }

  /**
   * @param brokerConfig broker properties overriding the defaults
   */
  public KafkaBrokerExtension(Map<String, ?> brokerConfig) {
    super(KafkaBroker.class, starter(Map.copyOf(requireNonNull(brokerConfig, "brokerConfig"))));
  }

  private static java.util.function.Supplier<KafkaBroker> starter(Map<String, ?> config) {
    return () -> KafkaBroker.start(config);
  }

  /**
   * @return the running broker of the current test class
   * @throws IllegalStateException if called outside the tests of the registering class
   */
  public KafkaBroker broker() {
    return running();
  }

  /**
   * @return shortcut for {@code broker().bootstrapServers()}
   */
  public String bootstrapServers() {
    return broker().bootstrapServers();
  }
}
