package io.fallback.testkit;

import static java.util.Objects.requireNonNull;

import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The life cycle the test kit's JUnit 5 extensions share: registered on a static field, the server
 * starts before all tests of the class and is closed after them; on an instance field, one server
 * per test. Test methods may also take the server as a parameter.
 *
 * <p>This class is thread-safe for the way JUnit calls it.
 *
 * @param <S> the server type
 */
public abstract class ServerExtension<S extends AutoCloseable>
    implements BeforeAllCallback,
        AfterAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        ParameterResolver {

  private final Class<S> type;
  private final Supplier<S> starter;
  private volatile S server;
  private volatile boolean perTest;

  /**
   * @param type the server type, resolved as a test parameter
   * @param starter starts a server (may throw to abort or fail the test)
   */
  protected ServerExtension(Class<S> type, Supplier<S> starter) {
    this.type = requireNonNull(type, "type");
    this.starter = requireNonNull(starter, "starter");
  }

  /**
   * The running server of the current test class or test.
   *
   * @return the server
   * @throws IllegalStateException if called outside the tests of the registering class
   */
  protected final S running() {
    S current = server;
    if (current == null) {
      throw new IllegalStateException(
          getClass().getSimpleName()
              + " has no "
              + type.getSimpleName()
              + ": register it with"
              + " @RegisterExtension and use it from a test or lifecycle method");
    }
    return current;
  }

  @Override
  public final void beforeAll(ExtensionContext context) {
    server = starter.get();
  }

  @Override
  public final void beforeEach(ExtensionContext context) {
    if (server == null) {
      perTest = true;
      server = starter.get();
    }
  }

  @Override
  public final void afterEach(ExtensionContext context) throws Exception {
    if (perTest) {
      closeServer();
    }
  }

  @Override
  public final void afterAll(ExtensionContext context) throws Exception {
    closeServer();
  }

  @Override
  public final boolean supportsParameter(
      ParameterContext parameterContext, ExtensionContext context) {
    return parameterContext.getParameter().getType() == type;
  }

  @Override
  public final Object resolveParameter(
      ParameterContext parameterContext, ExtensionContext context) {
    return running();
  }

  private void closeServer() throws Exception {
    S current = server;
    server = null;
    if (current != null) {
      current.close();
    }
  }
}
