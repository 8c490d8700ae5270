package io.fallback.testkit;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

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
 * <p>Its parts: {@code LauncherStarter} starts the process, {@code LauncherEndpoint} talks to the
 * status endpoint, {@code LauncherLog} reads and echoes the log, {@code PrometheusText} reads the
 * metrics; the stop by PID and the idempotent close are those of the kit's other servers.
 *
 * <p>This class is thread-safe: the stop methods are synchronized, the rest reads the process, its
 * log file and its endpoints.
 */
public final class LauncherProcess extends TestServer {

  /** System property naming the launcher jar, read by {@link #locate()}. */
  public static final String JAR_PROPERTY = "fallback.launcher.jar";

  /** Environment variable holding the admin token ({@code server.token_env}'s default). */
  public static final String TOKEN_ENV = "FALLBACK_ADMIN_TOKEN";

  /** Environment variable overriding {@code server.port}, set by this class. */
  public static final String PORT_ENV = "FALLBACK_SERVER_PORT";

  /** How many lines of the log an error about the process quotes. */
  static final int TAIL_LINES = 30;

  private final String name;
  private final Process process;
  private final LauncherLog log;
  private final int port;
  private final Duration stopGrace;
  private final LauncherEndpoint endpoint;
  private volatile boolean stopped;

  /** A started process; {@link LauncherStarter} makes it and waits for its status endpoint. */
  LauncherProcess(
      String name, Process process, LauncherLog log, int port, String token, Duration stopGrace) {
    super(name + " launcher");
    this.name = name;
    this.process = process;
    this.log = log;
    this.port = port;
    this.stopGrace = stopGrace;
    this.endpoint = new LauncherEndpoint(name, port, token);
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
    return LauncherStarter.locateJar();
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
    return endpoint.baseUrl();
  }

  /**
   * @return the log file (standard output and error of the process); kept after it stops
   */
  public Path logFile() {
    return log.file();
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
          String.format(
              "the %s launcher (pid %d) exited with code %d; %s",
              name, pid(), process.exitValue(), log.tail(TAIL_LINES)));
    }
  }

  /**
   * {@code GET /status}.
   *
   * @return the JSON document
   * @throws IllegalStateException when it does not answer 200 with JSON
   */
  public JsonNode status() {
    return endpoint.status();
  }

  /**
   * {@code GET /metrics}.
   *
   * @return the Prometheus text; see {@link #samples(String)}
   * @throws IllegalStateException when it does not answer 200
   */
  public String metrics() {
    return endpoint.metrics();
  }

  /**
   * {@code POST /mode?mode=<mode>} with the admin token.
   *
   * @param mode {@code force-fallback}, {@code force-primary} or {@code auto}
   * @return the response body (the status after the change)
   * @throws IllegalStateException when no token was given or it does not answer 200
   */
  public String setMode(String mode) {
    return endpoint.setMode(mode);
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
    return endpoint.request(method, path, bearer);
  }

  /**
   * @return the whole log so far (empty when it cannot be read)
   */
  public String logText() {
    return log.text();
  }

  /**
   * The messages of the log: each line without its {@code "<time> <level> <logger> - "} prefix
   * (lines without one, such as stack traces, unchanged).
   *
   * @return the messages so far, in order
   */
  public List<String> messages() {
    return log.messages();
  }

  /**
   * @param n how many, at least 0
   * @return the last {@code n} lines of the log
   */
  public List<String> lastLines(int n) {
    return log.lastLines(n);
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
        log.info("{} launcher (pid {}): SIGTERM", name, pid());
        boolean graceful = ChildProcesses.terminate(process.toHandle(), stopGrace);
        if (!graceful) {
          log.warn(
              "{} launcher (pid {}) did not exit within {} s of SIGTERM; it was killed",
              name,
              pid(),
              stopGrace.toSeconds());
        }
      }
      return process.exitValue();
    } finally {
      log.awaitFollower();
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
        log.info("{} launcher (pid {}): SIGKILL", name, pid());
        ChildProcesses.kill(process.toHandle());
      }
    } finally {
      log.awaitFollower();
    }
  }

  /** {@link #close()}: {@link #terminate()} unless the process was stopped already. */
  @Override
  protected void shutDown() {
    if (!stopped || process.isAlive()) {
      terminate();
    }
  }

  @Override
  protected String address() {
    return baseUrl();
  }

  @Override
  public String toString() {
    return name + " launcher (pid " + pid() + ", " + baseUrl() + ", log " + log.file() + ")";
  }

  /**
   * Parses Prometheus text into sample name (with labels) to value; comments, blank lines and lines
   * without a number are skipped.
   *
   * @param text the exposition, e.g. from {@link #metrics()}
   * @return the samples, in the order of the text
   */
  public static Map<String, Double> samples(String text) {
    return PrometheusText.samples(text);
  }

  /**
   * The sum of every sample of a metric over all its label sets.
   *
   * @param samples from {@link #samples(String)}
   * @param metric the sample name without labels, e.g. {@code fallback_errors_total}
   * @return the sum, or null when the metric is absent
   */
  public static Double sum(Map<String, Double> samples, String metric) {
    return PrometheusText.sum(samples, metric);
  }

  /**
   * How to start a launcher process. Not thread-safe: build it on one thread, then call {@link
   * #start()}.
   */
  public static final class Builder {

    // package-private: LauncherStarter reads them
    final Path jar;
    final Path config;
    final Map<String, String> environment = new LinkedHashMap<>();
    String name = "fallback";
    String token;
    Path logFile;
    int port;
    Duration startTimeout = Duration.ofSeconds(60);
    Duration stopGrace = Duration.ofSeconds(45);
    Logger echo;

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
      return LauncherStarter.start(this);
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
