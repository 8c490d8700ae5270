package io.fallback.launcher;

import io.fallback.launcher.config.ConfigLoader;
import io.fallback.launcher.config.FallbackConfig;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** {@code run}: starts the application and keeps it running until SIGTERM / SIGINT. */
final class Launcher {

  /** Set once the JVM's shutdown began; {@link Main#main} must then not call System.exit. */
  static volatile boolean shuttingDown;

  private Launcher() {}

  static int run(FallbackConfig config, ConfigLoader loader, Map<String, String> environment)
      throws InterruptedException {
    LoggingSetup.apply(config.logging());
    FallbackApplication app = FallbackApplication.start(config, environment);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  shuttingDown = true;
                  app.close();
                  stopped.countDown();
                },
                "fallback-shutdown"));
    stopped.await();
    return Main.OK;
  }
}
