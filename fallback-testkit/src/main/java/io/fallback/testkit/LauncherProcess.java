package io.fallback.testkit;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shipped fallback launcher run as its own process, exactly as operators run it: {@code java
 * -jar fallback-launcher.jar run --config <file>}, with the status port, the admin token and any
 * overrides in its environment. Tests and the drill observe it only from outside: {@code GET
 * /status}, {@code GET /metrics}, {@code POST /mode} with the token, and its log file (standard
 * output and error of the process).
 *
 * <pre>{@code
 * try (LauncherProcess launcher = LauncherProcess.builder(LauncherProcess.locate(), config)
 *     .token("s3cret")
 *     .logFile(Path.of("target", "launcher.log"))
 *     .start()) {
 *   launcher.setMode("force-fallback");
 *   ...
 * }
 * }</pre>
 *
 * <p>This class knows the launcher only by its command line, its environment variables and its HTTP
 * endpoints; it does not use the launcher's classes, so the test kit does not depend on the
 * launcher. The child's environment is that of this JVM without any {@code FALLBACK_*} variable or
 * seed override ({@code KAFKA_BOOTSTRAP_SERVERS}, {@code LATENCY_THRESHOLD}, {@code BATCH_SIZE}),
 * so that only the configuration file and what the caller sets apply.
 *
 * <p>{@link #terminate()} and {@link #close()} stop the process by its PID as an operator would
 * (SIGTERM, then SIGKILL after a grace period); {@link #kill()} is SIGKILL, as on a crash. A JVM
 * shutdown hook of this kit stops processes that were not stopped.
 *
 * <p>This class is thread-safe: the stop methods are synchronized, the rest reads the process, its
 * log file and its endpoints.
 */
public final class LauncherProcess implements AutoCloseable {

  /** System property naming the launcher jar, read by {@link #locate()}. */
  public static final String JAR_PROPERTY = "fallback.launcher.jar";

  /** Environment variable holding the admin token ({@code server.token_env}'s default). */
  public static final String TOKEN_ENV = "FALLBACK_ADMIN_TOKEN";

  /** Environment variable overriding {@code server.port}, set by this class. */
  public static final String PORT_ENV = "FALLBACK_SERVER_PORT";

  /** How to build the jar, named in the error when it is missing. */
  static final String BUILD_COMMAND = "./mvnw -q -B -DskipTests -pl fallback-launcher -am package";

  private static final Logger LOG = LoggerFactory.getLogger(LauncherProcess.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path JAR_IN_REPOSITORY =
      Path.of("fallback-launcher", "target", "fallback-launcher.jar");

  /** Variables of this JVM's environment that would change the child's configuration. */
  private static final List<String> SEED_OVERRIDES =
      List.of("KAFKA_BOOTSTRAP_SERVERS", "LATENCY_THRESHOLD", "BATCH_SIZE");

  private static final int PORT_ATTEMPTS = 3;
  private static final int TAIL_LINES = 30;

  private final String name;
  private final Process process;
  private final Path logFile;
  private final int port;
  private final String token;
  private final Duration stopGrace;
  private final Logger echo;
  private final HttpClient http;
  private final Thread follower;
  private volatile boolean stopped;

  private LauncherProcess(Builder b, Process process, Path logFile, int port) {
    this.name = b.name;
    this.process = process;
    this.logFile = logFile;
    this.port = port;
    this.token = b.token;
    this.stopGrace = b.stopGrace;
    this.echo = b.echo;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    if (echo != null) {
      follower = new Thread(this::followLog, "launcher-" + name + "-log");
      follower.setDaemon(true);
      follower.start();
    } else {
      follower = null;
    }
  }

  /**
   * The shipped launcher jar: the system property {@value #JAR_PROPERTY} if set, else {@code
   * fallback-launcher/target/fallback-launcher.jar} below the working directory or its parent (the
   * repository root or one of its modules).
   *
   * @return its absolute path
   * @throws IllegalStateException when it does not exist, naming the command that builds it
   */
  public static Path locate() {
    String configured = System.getProperty(JAR_PROPERTY);
    List<Path> candidates =
        configured != null && !configured.isBlank()
            ? List.of(Path.of(configured))
            : List.of(JAR_IN_REPOSITORY, Path.of("..").resolve(JAR_IN_REPOSITORY));
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate)) {
        return candidate.toAbsolutePath().normalize();
      }
    }
    throw new IllegalStateException(
        "the fallback launcher jar "
            + candidates.get(0).toAbsolutePath().normalize()
            + " does not exist: build it with "
            + BUILD_COMMAND
            + " (or set -D"
            + JAR_PROPERTY
            + "=PATH)");
  }

  /**
   * Starts describing a launcher process.
   *
   * @param jar the launcher jar, usually {@link #locate()}
   * @param config the YAML configuration file
   * @return a builder; {@link Builder#start()} starts the process
   */
  public static Builder builder(Path jar, Path config) {
    return new Builder(requireNonNull(jar, "jar"), requireNonNull(config, "config"));
  }

  /**
   * @return the process id
   */
  public long pid() {
    return process.pid();
  }

  /**
   * @return the status endpoint's port
   */
  public int port() {
    return port;
  }

  /**
   * @return {@code http://127.0.0.1:<port>}
   */
  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /**
   * @return the log file (standard output and error of the process); kept after it stops
   */
  public Path logFile() {
    return logFile;
  }

  /**
   * @return true while the process runs
   */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * @return the exit code once the process has exited, else null
   */
  public Integer exitCode() {
    return process.isAlive() ? null : process.exitValue();
  }

  /**
   * Fails when the process exited on its own.
   *
   * @throws Exited when the process has exited although this object did not stop it, with its exit
   *     code and the last lines of its log
   */
  public void ensureRunning() {
    if (!process.isAlive() && !stopped) {
      throw new Exited(
          "the "
              + name
              + " launcher (pid "
              + pid()
              + ") exited with code "
              + process.exitValue()
              + "; last lines of "
              + logFile
              + ":\n"
              + String.join("\n", lastLines(TAIL_LINES)));
    }
  }

  /**
   * {@code GET /status}.
   *
   * @return the JSON document
   * @throws IllegalStateException when it does not answer 200 with JSON
   */
  public JsonNode status() {
    try {
      return JSON.readTree(get("/status"));
    } catch (IOException e) {
      throw new IllegalStateException(
          name + " launcher: /status is not JSON: " + e.getMessage(), e);
    }
  }

  /**
   * {@code GET /metrics}.
   *
   * @return the Prometheus text; see {@link #samples(String)}
   * @throws IllegalStateException when it does not answer 200
   */
  public String metrics() {
    return get("/metrics");
  }

  /**
   * {@code POST /mode?mode=<mode>} with the admin token.
   *
   * @param mode {@code force-fallback}, {@code force-primary} or {@code auto}
   * @return the response body (the status after the change)
   * @throws IllegalStateException when no token was given or it does not answer 200
   */
  public String setMode(String mode) {
    requireNonNull(mode, "mode");
    if (token == null) {
      throw new IllegalStateException(name + " launcher: no admin token was given to the builder");
    }
    HttpResponse<String> response = request("POST", "/mode?mode=" + mode, token);
    return requireOk(response, "POST /mode?mode=" + mode);
  }

  /**
   * Sends a request to the status endpoint and returns the response whatever its status code, for
   * tests of the endpoint itself (a wrong token answers 401).
   *
   * @param method {@code GET} or {@code POST}
   * @param path the path and query, starting with {@code /}
   * @param bearer the {@code Authorization: Bearer} token, or null for none
   * @return the response
   * @throws IllegalStateException when the request cannot be sent
   */
  public HttpResponse<String> request(String method, String path, String bearer) {
    requireNonNull(method, "method");
    requireNonNull(path, "path");
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(baseUrl() + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(
          name + " launcher: " + method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          name + " launcher: interrupted during " + method + " " + path, e);
    }
  }

  /**
   * @return the whole log so far (empty when it cannot be read)
   */
  public String logText() {
    try {
      return Files.readString(logFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * The messages of the log: each line without its {@code "<time> <level> <logger> - "} prefix
   * (lines without one, such as stack traces, unchanged).
   *
   * @return the messages so far, in order
   */
  public List<String> messages() {
    return logText()
        .lines()
        .map(
            line -> {
              int dash = line.indexOf(" - ");
              return dash < 0 ? line : line.substring(dash + 3);
            })
        .toList();
  }

  /**
   * @param n how many, at least 0
   * @return the last {@code n} lines of the log
   */
  public List<String> lastLines(int n) {
    List<String> lines = logText().lines().toList();
    return lines.subList(Math.max(0, lines.size() - n), lines.size());
  }

  /**
   * Stops the process as an operator would: SIGTERM by PID, SIGKILL if it has not exited within the
   * grace period ({@link Builder#stopGrace}), and waits for the exit. The log is kept. Returns the
   * exit code at once when the process has already exited.
   *
   * @return the exit code: 0 or 143 after a clean SIGTERM, 137 when it had to be killed
   * @throws TestServerException if the process survives SIGKILL
   */
  public synchronized int terminate() {
    stopped = true;
    try {
      if (process.isAlive()) {
        log("{} launcher (pid {}): SIGTERM", name, pid());
        boolean graceful = ChildProcesses.terminate(process.toHandle(), stopGrace);
        if (!graceful) {
          LOG.warn(
              "{} launcher (pid {}) did not exit within {} s of SIGTERM; it was killed",
              name,
              pid(),
              stopGrace.toSeconds());
        }
      }
      return process.exitValue();
    } finally {
      joinFollower();
    }
  }

  /**
   * Kills the process at once by PID (SIGKILL: no shutdown hook, no commit, no leave-group, as on a
   * crash) and waits for the exit. Does nothing when it has already exited.
   *
   * @throws TestServerException if the process survives SIGKILL
   */
  public synchronized void kill() {
    stopped = true;
    try {
      if (process.isAlive()) {
        log("{} launcher (pid {}): SIGKILL", name, pid());
        ChildProcesses.kill(process.toHandle());
      }
    } finally {
      joinFollower();
    }
  }

  /** {@link #terminate()} unless the process was stopped already. Idempotent. */
  @Override
  public synchronized void close() {
    if (!stopped || process.isAlive()) {
      terminate();
    }
  }

  @Override
  public String toString() {
    return name + " launcher (pid " + pid() + ", " + baseUrl() + ", log " + logFile + ")";
  }

  /**
   * Parses Prometheus text into sample name (with labels) to value; comments, blank lines and lines
   * without a number are skipped.
   *
   * @param text the exposition, e.g. from {@link #metrics()}
   * @return the samples, in the order of the text
   */
  public static Map<String, Double> samples(String text) {
    requireNonNull(text, "text");
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
        result.put(
            line.substring(0, space).trim(), Double.parseDouble(line.substring(space + 1).trim()));
      } catch (NumberFormatException e) {
        // not a sample line; skip it
      }
    }
    return result;
  }

  /**
   * The sum of every sample of a metric over all its label sets.
   *
   * @param samples from {@link #samples(String)}
   * @param metric the sample name without labels, e.g. {@code fallback_errors_total}
   * @return the sum, or null when the metric is absent
   */
  public static Double sum(Map<String, Double> samples, String metric) {
    requireNonNull(samples, "samples");
    requireNonNull(metric, "metric");
    Double total = null;
    for (Map.Entry<String, Double> e : samples.entrySet()) {
      String key = e.getKey();
      if (key.equals(metric) || key.startsWith(metric + "{")) {
        total = (total == null ? 0 : total) + e.getValue();
      }
    }
    return total;
  }

  private String get(String path) {
    return requireOk(request("GET", path, null), "GET " + path);
  }

  private String requireOk(HttpResponse<String> response, String what) {
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          name
              + " launcher: "
              + what
              + " answered "
              + response.statusCode()
              + ": "
              + response.body());
    }
    return response.body();
  }

  private void log(String format, Object... args) {
    (echo != null ? echo : LOG).info(format, args);
  }

  private void awaitStatus(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      ensureRunning();
      try {
        status();
        return;
      } catch (IllegalStateException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              name
                  + " launcher (pid "
                  + pid()
                  + "): GET /status did not answer within "
                  + timeout.toSeconds()
                  + " s ("
                  + e.getMessage()
                  + "); last lines of "
                  + logFile
                  + ":\n"
                  + String.join("\n", lastLines(TAIL_LINES)),
              e);
        }
      }
      pause(100);
    }
  }

  /** Polling interval while waiting for the status endpoint. */
  private void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the " + name + " launcher", e);
    }
  }

  private void joinFollower() {
    if (follower == null) {
      return;
    }
    try {
      follower.join(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Follows the log file and echoes each line until the process has ended and all is read. */
  private void followLog() {
    long position = 0;
    StringBuilder partial = new StringBuilder();
    while (true) {
      boolean ended = !process.isAlive();
      try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
        if (file.length() > position) {
          file.seek(position);
          byte[] bytes = new byte[(int) Math.min(file.length() - position, 1 << 20)];
          file.readFully(bytes);
          position += bytes.length;
          partial.append(new String(bytes, StandardCharsets.UTF_8));
          int newline;
          while ((newline = partial.indexOf("\n")) >= 0) {
            echo.info("[{}] {}", name, partial.substring(0, newline));
            partial.delete(0, newline + 1);
          }
          continue;
        }
      } catch (IOException e) {
        LOG.debug("cannot follow {}: {}", logFile, e.toString());
      }
      if (ended) {
        return;
      }
      try {
        // a file has no change notification that works everywhere: poll it
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * How to start a launcher process. Not thread-safe: build it on one thread, then call {@link
   * #start()}.
   */
  public static final class Builder {

    private final Path jar;
    private final Path config;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private String name = "fallback";
    private String token;
    private Path logFile;
    private int port;
    private Duration startTimeout = Duration.ofSeconds(60);
    private Duration stopGrace = Duration.ofSeconds(45);
    private Logger echo;

    private Builder(Path jar, Path config) {
      this.jar = jar;
      this.config = config;
    }

    /**
     * @param name a short name for log lines, threads and errors ("fallback", "shadow"); default
     *     {@code fallback}
     * @return this builder
     */
    public Builder name(String name) {
      this.name = requireNonNull(name, "name");
      return this;
    }

    /**
     * Adds variables to the child's environment (hosts, {@code FALLBACK_<SECTION>_<KEY>}
     * overrides). {@value #PORT_ENV} and {@value #TOKEN_ENV} are set by this class.
     *
     * @param variables name to value
     * @return this builder
     */
    public Builder environment(Map<String, String> variables) {
      environment.putAll(requireNonNull(variables, "variables"));
      return this;
    }

    /**
     * @param token the admin token, passed as {@value #TOKEN_ENV} and used by {@link #setMode};
     *     default none
     * @return this builder
     */
    public Builder token(String token) {
      this.token = requireNonNull(token, "token");
      return this;
    }

    /**
     * @param logFile where the process's output goes (replaced); default {@code
     *     launcher-<name>-<port>.log} in the kit's log directory ({@code target/})
     * @return this builder
     */
    public Builder logFile(Path logFile) {
      this.logFile = requireNonNull(logFile, "logFile");
      return this;
    }

    /**
     * A fixed status port, e.g. one that must stay the same across a restart (static membership
     * derives from it). By default a free port is chosen, and another one if the launcher finds it
     * taken.
     *
     * @param port 1 to 65535
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder port(int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be between 1 and 65535, but was " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * @param timeout the longest wait for {@code GET /status} to answer; default 60 s
     * @return this builder
     */
    public Builder startTimeout(Duration timeout) {
      this.startTimeout = requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * @param grace how long {@link #terminate()} waits after SIGTERM before SIGKILL; default 45 s
     * @return this builder
     */
    public Builder stopGrace(Duration grace) {
      this.stopGrace = requireNonNull(grace, "grace");
      return this;
    }

    /**
     * Echoes each line of the process's output to {@code logger} at INFO as {@code [<name>]
     * <line>}, and logs the start and stop there too. Default: no echo.
     *
     * @param logger where to echo
     * @return this builder
     */
    public Builder echo(Logger logger) {
      this.echo = requireNonNull(logger, "logger");
      return this;
    }

    /**
     * Starts {@code java -jar <jar> run --config <config>} and waits until its {@code /status}
     * answers. When the port was chosen here and the launcher finds it taken, starts again on
     * another one (up to three times).
     *
     * @return the running process; close it when done
     * @throws Exited if the process exits before {@code /status} answers, with its log's last lines
     * @throws IllegalStateException if {@code /status} does not answer within the start timeout
     * @throws TestServerException if the process cannot be started
     */
    public LauncherProcess start() {
      IllegalStateException last = null;
      for (int attempt = 1; attempt <= (port > 0 ? 1 : PORT_ATTEMPTS); attempt++) {
        int chosen = port > 0 ? port : Ports.freePort();
        LauncherProcess launched = launch(chosen);
        try {
          launched.awaitStatus(startTimeout);
          return launched;
        } catch (IllegalStateException e) {
          launched.kill();
          last = e;
          if (port > 0 || !launched.logText().contains("Address already in use")) {
            throw e;
          }
          launched.log("{} launcher: port {} was taken, retrying with another one", name, chosen);
        }
      }
      throw last;
    }

    private LauncherProcess launch(int chosenPort) {
      Path log =
          logFile != null
              ? logFile
              : TestkitPaths.logDirectory().resolve("launcher-" + name + "-" + chosenPort + ".log");
      List<String> command =
          List.of(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-jar",
              jar.toString(),
              "run",
              "--config",
              config.toAbsolutePath().toString());
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
      Map<String, String> env = pb.environment();
      // this JVM's environment must not reconfigure the child: only the file and the caller apply
      env.keySet().removeIf(k -> k.startsWith("FALLBACK_") || SEED_OVERRIDES.contains(k));
      env.putAll(environment);
      env.put(PORT_ENV, String.valueOf(chosenPort));
      if (token != null) {
        env.put(TOKEN_ENV, token);
      }
      Process process;
      try {
        Path parent = log.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        process = pb.start();
      } catch (IOException e) {
        throw new TestServerException("launcher: cannot start " + String.join(" ", command), e);
      }
      ChildProcesses.register(process.toHandle());
      LauncherProcess launched = new LauncherProcess(this, process, log, chosenPort);
      launched.log(
          "{} launcher: started pid {}: {} (port {}, log {})",
          name,
          process.pid(),
          String.join(" ", command),
          chosenPort,
          log);
      return launched;
    }
  }

  /** The launcher process exited while it should be running. */
  public static final class Exited extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message the exit code and the last lines of the log
     */
    public Exited(String message) {
      super(message);
    }
  }
}
