package io.fallback.launcher;

import com.sun.net.httpserver.HttpServer;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The launcher process tests' model service ({@link LauncherProcesses#startModel()}), started once
 * per test class and stopped after it: {@code @RegisterExtension static final StubModelExtension
 * MODEL = new StubModelExtension();}.
 */
final class StubModelExtension implements BeforeAllCallback, AfterAllCallback {

  private final Duration delay;
  private HttpServer server;

  /** A model answering at once. */
  StubModelExtension() {
    this(Duration.ZERO);
  }

  /**
   * A model answering one call at a time, each after {@code delay}.
   *
   * @param delay the time each call takes
   */
  StubModelExtension(Duration delay) {
    this.delay = delay;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server = LauncherProcesses.startModel(delay);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (server != null) {
      server.stop(0);
    }
  }

  /**
   * @return the predict endpoint, for {@code ml_service.endpoint}
   */
  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/model/api/predict";
  }
}
