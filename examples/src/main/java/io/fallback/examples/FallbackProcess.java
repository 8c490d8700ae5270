package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fallback.testkit.Ports;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fallback launcher run as its own process, exactly as the README tells operators: {@code java -jar
 * fallback-launcher/target/fallback-launcher.jar run --config <file>}, with the hosts, the status port and
 * the admin token in the environment. The drill observes it only from outside: {@code GET /status} and
 * {@code GET /metrics}, {@code POST /mode} with the token, and its log file (standard output and error of
 * the process), which is also echoed to the drill's console.
 *
 * <p>The jar is the one the build ships: the system property {@value #JAR_PROPERTY} (set by
 * {@code examples/pom.xml} for {@code exec:exec} and Failsafe), else {@code
 * fallback-launcher/target/fallback-launcher.jar} from the repository root or the examples module.
 *
 * <p>{@link #close()} stops the process by its PID: SIGTERM, then SIGKILL after a grace period. A JVM
 * shutdown hook does the same if the drill itself is stopped. This class is thread-safe.
 */
final class FallbackProcess implements AutoCloseable {

  /** System property naming the launcher jar. */
  static final String JAR_PROPERTY = "fallback.launcher.jar";
  /** Environment variable holding the admin token ({@code server.token_env}'s default). */
  static final String TOKEN_ENV = "FALLBACK_ADMIN_TOKEN";

  private static final Logger LOG = LoggerFactory.getLogger("fallback");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration SIGTERM_GRACE = Duration.ofSeconds(45);
  private static final String BUILD_HINT = "build it with ./mvnw -DskipTests -pl fallback-launcher -am package";
  /** Variables of the drill's own environment that would change the child's configuration. */
  private static final List<String> SEED_OVERRIDES = List.of("KAFKA_BOOTSTRAP_SERVERS", "LATENCY_THRESHOLD", "BATCH_SIZE");

  private final String name;
  private final Process process;
  private final Path log;
  private final int port;
  private final String token;
  private final HttpClient http;
  private final Thread echo;
  private final Thread hook;
  private volatile boolean closed;
  private Integer exitCode;

  private FallbackProcess(String name, Process process, Path log, int port, String token) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.port = port;
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    this.echo = new Thread(this::echoLog, "drill-" + name + "-log");
    echo.setDaemon(true);
    echo.start();
    ProcessHandle handle = process.toHandle();
    this.hook = new Thread(() -> {
      handle.destroy();
      try {
        handle.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        handle.destroyForcibly();
      }
    }, "drill-" + name + "-stop");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * The shipped launcher jar.
   *
   * @return its absolute path
   * @throws IllegalStateException when it does not exist, saying how to build it
   */
  static Path locateJar() {
    String configured = System.getProperty(JAR_PROPERTY);
    List<Path> candidates = configured != null && !configured.isBlank()
        ? List.of(Path.of(configured))
        : List.of(Path.of("fallback-launcher", "target", "fallback-launcher.jar"),
            Path.of("..", "fallback-launcher", "target", "fallback-launcher.jar"));
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate)) {
        return candidate.toAbsolutePath().normalize();
      }
    }
    throw new IllegalStateException("the fallback launcher jar "
        + candidates.get(0).toAbsolutePath().normalize() + " does not exist: " + BUILD_HINT
        + " (or set -D" + JAR_PROPERTY + "=PATH)");
  }

  /**
   * Starts {@code java -jar <jar> run --config <config>} and waits until its {@code /status} answers.
   *
   * @param name a short name for logs and threads ("fallback", "shadow")
   * @param jar the launcher jar
   * @param config the YAML file
   * @param environment variables added to the child's environment (hosts, overrides); {@code
   *     FALLBACK_SERVER_PORT} and {@value #TOKEN_ENV} are set here
   * @param token the admin token
   * @param log where the process's output goes (replaced)
   * @param timeout the longest wait for {@code /status}
   * @return the running process
   * @throws IllegalStateException if it exits or does not answer in time, with the last lines of its log
   */
  static FallbackProcess start(String name, Path jar, Path config, Map<String, String> environment, String token,
      Path log, Duration timeout) {
    requireNonNull(name, "name");
    requireNonNull(jar, "jar");
    requireNonNull(config, "config");
    requireNonNull(token, "token");
    IllegalStateException last = null;
    // the port is free when chosen but another process may take it before the launcher binds: retry then
    for (int attempt = 1; attempt <= 3; attempt++) {
      int port = Ports.freePort();
      FallbackProcess p = launch(name, jar, config, environment, token, log, port);
      try {
        p.awaitStatus(timeout);
        return p;
      } catch (IllegalStateException e) {
        p.close();
        last = e;
        if (!p.logText().contains("Address already in use")) {
          throw e;
        }
        LOG.warn("[drill] {}: port {} was taken, retrying with another one", name, port);
      }
    }
    throw last;
  }

  private static FallbackProcess launch(String name, Path jar, Path config, Map<String, String> environment,
      String token, Path log, int port) {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString(), "run", "--config", config.toAbsolutePath().toString());
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    Map<String, String> env = pb.environment();
    // the drill's own environment must not reconfigure the child: only what the drill sets applies
    env.keySet().removeIf(k -> k.startsWith("FALLBACK_") || SEED_OVERRIDES.contains(k));
    env.putAll(environment);
    env.put("FALLBACK_SERVER_PORT", String.valueOf(port));
    env.put(TOKEN_ENV, token);
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      Process process = pb.start();
      LOG.info("[drill] {}: started pid {}: {} (log {})", name, process.pid(), String.join(" ", command), log);
      return new FallbackProcess(name, process, log, port, token);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
    }
  }

  private void awaitStatus(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      ensureRunning();
      try {
        status();
        return;
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(name + " (pid " + pid() + "): GET /status did not answer within "
              + DrillReport.secs(timeout) + " (" + e.getMessage() + "); last lines of " + log + ":\n"
              + String.join("\n", lastLines(30)));
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + name, e);
      }
    }
  }

  /**
   * @return the process id
   */
  long pid() {
    return process.pid();
  }

  /**
   * @return the status endpoint's port
   */
  int port() {
    return port;
  }

  /**
   * @return the log file
   */
  Path log() {
    return log;
  }

  /**
   * @return {@code http://127.0.0.1:<port>}
   */
  String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /**
   * @return true while the process runs
   */
  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * @throws Exited when the process has exited (unless {@link #close()} stopped it), with its exit code and
   *     the last lines of its log
   */
  void ensureRunning() {
    if (!closed && !process.isAlive()) {
      throw new Exited("the " + name + " launcher (pid " + pid() + ") exited with code "
          + process.exitValue() + "; last lines of " + log + ":\n" + String.join("\n", lastLines(30)));
    }
  }

  /**
   * {@code GET /status}.
   *
   * @return the JSON document
   * @throws IllegalStateException when it does not answer 200
   */
  JsonNode status() {
    try {
      return JSON.readTree(get("/status"));
    } catch (IOException e) {
      throw new IllegalStateException(name + ": /status is not JSON: " + e.getMessage(), e);
    }
  }

  /**
   * {@code GET /metrics}.
   *
   * @return the Prometheus text
   * @throws IllegalStateException when it does not answer 200
   */
  String metrics() {
    return get("/metrics");
  }

  /**
   * {@code POST /mode?mode=<mode>} with the admin token.
   *
   * @param mode {@code force-fallback}, {@code force-primary} or {@code auto}
   * @return the response body
   * @throws IllegalStateException when it does not answer 200
   */
  String setMode(String mode) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/mode?mode=" + mode))
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.noBody())
        .build();
    return send(request, "POST /mode?mode=" + mode);
  }

  private String get(String path) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(5)).GET().build(),
        "GET " + path);
  }

  private String send(HttpRequest request, String what) {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(name + ": " + what + " answered " + response.statusCode() + ": "
            + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new IllegalStateException(name + ": " + what + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * @return the whole log so far (empty when unreadable)
   */
  String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * @param n how many
   * @return the last {@code n} lines of the log
   */
  List<String> lastLines(int n) {
    List<String> lines = logText().lines().toList();
    return lines.subList(Math.max(0, lines.size() - n), lines.size());
  }

  /**
   * @return the exit code once {@link #close()} stopped the process, else null
   */
  synchronized Integer exitCode() {
    return exitCode;
  }

  /**
   * Stops the process by PID: SIGTERM, then SIGKILL after a grace period; keeps the log. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (process.isAlive()) {
        process.destroy(); // SIGTERM: the launcher finishes its batch, commits and exits
        if (!process.waitFor(SIGTERM_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.warn("[drill] {} (pid {}) did not exit within {} of SIGTERM; killing it", name, pid(),
              DrillReport.secs(SIGTERM_GRACE));
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      }
      exitCode = process.isAlive() ? null : process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down: the hook runs anyway
      }
      try {
        echo.join(1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Follows the log file and echoes each line to the drill's console until the process ended. */
  private void echoLog() {
    long position = 0;
    StringBuilder partial = new StringBuilder();
    while (true) {
      boolean ended = !process.isAlive();
      try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
        if (file.length() > position) {
          file.seek(position);
          byte[] bytes = new byte[(int) Math.min(file.length() - position, 1 << 20)];
          file.readFully(bytes);
          position += bytes.length;
          partial.append(new String(bytes, StandardCharsets.UTF_8));
          int newline;
          while ((newline = partial.indexOf("\n")) >= 0) {
            LOG.info("[{}] {}", name, partial.substring(0, newline));
            partial.delete(0, newline + 1);
          }
          continue;
        }
      } catch (IOException e) {
        LOG.debug("[drill] cannot follow {}: {}", log, e.toString());
      }
      if (ended) {
        return;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Override
  public String toString() {
    return name + " launcher (pid " + pid() + ", " + baseUrl() + ", log " + log + ")";
  }

  /**
   * Parses Prometheus text into sample name (with labels) → value.
   *
   * @param text the exposition
   * @return the samples, in order
   */
  static Map<String, Double> samples(String text) {
    Map<String, Double> result = new LinkedHashMap<>();
    for (String line : text.lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      if (space <= 0) {
        continue;
      }
      try {
        result.put(line.substring(0, space).trim(), Double.parseDouble(line.substring(space + 1).trim()));
      } catch (NumberFormatException e) {
        // not a sample line; ignore
      }
    }
    return result;
  }

  /**
   * The sum of every sample of a metric (all label sets), or null when the metric is absent.
   *
   * @param samples from {@link #samples}
   * @param metric the sample name without labels
   * @return the sum, or null
   */
  static Double sum(Map<String, Double> samples, String metric) {
    Double total = null;
    for (Map.Entry<String, Double> e : samples.entrySet()) {
      String key = e.getKey();
      if (key.equals(metric) || key.startsWith(metric + "{")) {
        total = (total == null ? 0 : total) + e.getValue();
      }
    }
    return total;
  }

  /** The launcher process exited while it should be running. */
  static final class Exited extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    Exited(String message) {
      super(message);
    }
  }
}
