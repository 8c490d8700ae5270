package io.fallback.launcher;

import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fallback.testkit.LauncherProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

/** What the launcher process tests share: the stub model, starting the jar, waiting on it. */
final class LauncherProcesses {

  /** The admin token every test launcher gets. */
  static final String TOKEN = "s3cret-token";

  /** Lines that mean the jar is broken (issue 11: no Avro classes in it) or a thread died. */
  static final Pattern FATAL =
      Pattern.compile("NoClassDefFoundError|ClassNotFoundException|Exception in thread");

  private LauncherProcesses() {}

  /**
   * A local model service with a small deterministic model (stress 2 when hr > 90, else 1) and a
   * health endpoint.
   *
   * @return the started server; stop it after the tests
   * @throws IOException if it cannot bind
   */
  static HttpServer startModel() throws IOException {
    return startModel(Duration.ZERO);
  }

  /**
   * The same model service, answering one call at a time, each after {@code delay}: a model slow
   * enough that a drain lasts long enough to crash an instance in the middle of it.
   *
   * @param delay the time each call takes
   * @return the started server; stop it after the tests
   * @throws IOException if it cannot bind
   */
  static HttpServer startModel(Duration delay) throws IOException {
    HttpServer model = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    model.createContext(
        "/model/api/predict",
        ex -> {
          if (!delay.isZero()) {
            try {
              Thread.sleep(delay.toMillis()); // the model's own cost, not a synchronisation
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          String q = ex.getRequestURI().getQuery();
          float hr = Float.parseFloat(q.replaceAll(".*hr=([^&]+).*", "$1"));
          respond(ex, "{\"stress_level_prediction\": \"" + (hr > 90 ? 2 : 1) + "\"}");
        });
    model.createContext("/health", ex -> respond(ex, "{\"status\":\"ok\"}"));
    model.start();
    return model;
  }

  private static void respond(HttpExchange ex, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(200, bytes.length);
    try (OutputStream body = ex.getResponseBody()) {
      body.write(bytes);
    }
  }

  /**
   * {@code java -jar fallback-launcher.jar run --config <file>}, its output in a log file under
   * {@code target/} (kept for a failed run), the admin token in its environment; only the file
   * configures it otherwise.
   */
  static LauncherProcess launch(Path jar, Path config, Path logFile) {
    return builder(jar, config, logFile).start();
  }

  /**
   * The same launch on a fixed status port, named in the kit's log: a process started again on the
   * port it had keeps its static membership and its group instance id.
   */
  static LauncherProcess launch(Path jar, Path config, Path logFile, String name, int port) {
    return builder(jar, config, logFile).name(name).port(port).start();
  }

  private static LauncherProcess.Builder builder(Path jar, Path config, Path logFile) {
    return LauncherProcess.builder(jar, config)
        .token(TOKEN)
        .logFile(logFile)
        .stopGrace(Duration.ofSeconds(60));
  }

  static String mode(LauncherProcess launcher) {
    return launcher.status().path("mode").asText();
  }

  /**
   * Polls until the condition holds; fails at once when the process exited or its log shows a
   * broken jar, and in any failure shows the last lines of the log.
   */
  static void awaitLauncher(
      LauncherProcess launcher, String what, Duration timeout, Callable<Boolean> condition) {
    try {
      await(what)
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(200))
          .failFast(
              "the launcher process exited or its log shows a fatal error",
              () -> !launcher.isAlive() || FATAL.matcher(launcher.logText()).find())
          .until(condition);
    } catch (ConditionTimeoutException | TerminalFailureException e) {
      Integer exitCode = launcher.exitCode();
      throw new AssertionError(
          e.getMessage()
              + (exitCode == null ? "" : " (exit code " + exitCode + ")")
              + "; last lines of "
              + launcher.logFile().toAbsolutePath()
              + ":\n"
              + String.join("\n", launcher.lastLines(40)),
          e);
    }
  }
}
