package io.fallback.testkit;

import static java.util.Objects.requireNonNull;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real InfluxDB 1.x server ({@code influxd} from Debian's {@code influxdb} package, 1.6.7) run as
 * a child process, for integration tests.
 *
 * <p>{@link #start()} creates a temporary directory with {@code meta}, {@code data} and {@code
 * wal}, picks two free 127.0.0.1 ports (RPC {@code bind-address} and {@code [http] bind-address}),
 * writes a config with the internal monitor store and usage reporting disabled, starts {@code
 * influxd -config <file>} and waits until {@code GET /ping} answers 204. The server's output goes
 * to {@code target/influxd-<port>.log} of the module running the tests (see {@link #logFile()}).
 *
 * <p>{@link #stop()} terminates the process and keeps its data ({@link #kill()} crashes it); {@link
 * #restart()} starts it again on the same port and data directory, so {@link #url()} stays valid.
 * {@link #close()} stops it and deletes the data. A JVM shutdown hook kills servers that were not
 * closed.
 *
 * <p>Note: Java does not allow an instance method {@code start()} next to the static factory {@code
 * start()}; calling {@code server.start()} on an instance compiles but creates a <em>new</em>
 * server. To start a stopped server again, call {@link #restart()}.
 *
 * <p>If {@code influxd} is not installed, {@link #start()} throws {@link
 * ServerNotInstalledException}; install it with {@code scripts/setup.sh} or {@code apt-get install
 * -y influxdb}. {@link InfluxDbExtension} skips the test class outside CI and fails it under {@code
 * CI=true}.
 *
 * <p>This class is thread-safe: lifecycle methods are synchronized; HTTP helpers may be called
 * concurrently.
 */
public final class InfluxDbServer extends ChildProcessServer {

  /** System property naming the {@code influxd} executable to use instead of searching PATH. */
  public static final String EXECUTABLE_PROPERTY = "fallback.testkit.influxd";

  private static final Path DEBIAN_INFLUXD = Path.of("/usr/bin/influxd");
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final Path executable;
  private final HttpClient http;
  private volatile int httpPort;
  private volatile int rpcPort;

  private InfluxDbServer(Path executable, Path directory) {
    super("influxd", directory, STARTUP_TIMEOUT, STOP_GRACE);
    this.executable = executable;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
  }

  /**
   * Starts a new server on free 127.0.0.1 ports with an empty temporary data directory and waits
   * until it answers {@code /ping}.
   *
   * @return the running server; close it when done
   * @throws ServerNotInstalledException if {@code influxd} is not installed
   * @throws TestServerException if it does not become ready within 30 s
   */
  public static InfluxDbServer start() {
    Path executable = findExecutable().orElseThrow(InfluxDbServer::notInstalled);
    Path directory = TestkitPaths.newTempDirectory("influxd-");
    return initialize(
        new InfluxDbServer(executable, directory),
        server -> {
          server.prepare();
          server.launch();
        });
  }

  /**
   * Where {@code influxd} is installed: the path in the system property {@value
   * #EXECUTABLE_PROPERTY} if set, else the first {@code influxd} on {@code PATH}, else {@code
   * /usr/bin/influxd}.
   *
   * @return the executable, or empty if it is not installed
   */
  public static Optional<Path> findExecutable() {
    String configured = System.getProperty(EXECUTABLE_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      Path executable = Path.of(configured);
      return Files.isRegularFile(executable) && Files.isExecutable(executable)
          ? Optional.of(executable)
          : Optional.empty();
    }
    String path = System.getenv("PATH");
    Stream<Path> onPath =
        path == null
            ? Stream.empty()
            : Stream.of(path.split(File.pathSeparator))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, "influxd"));
    return Stream.concat(onPath, Stream.of(DEBIAN_INFLUXD))
        .filter(Files::isRegularFile)
        .filter(Files::isExecutable)
        .findFirst();
  }

  /**
   * @return true if {@code influxd} is installed (see {@link #findExecutable()})
   */
  public static boolean isInstalled() {
    return findExecutable().isPresent();
  }

  static ServerNotInstalledException notInstalled() {
    String configured = System.getProperty(EXECUTABLE_PROPERTY);
    String where =
        configured != null && !configured.isBlank()
            ? "not an executable file: "
                + configured
                + " (system property "
                + EXECUTABLE_PROPERTY
                + ")"
            : "not found on PATH nor at /usr/bin/influxd";
    return new ServerNotInstalledException(
        "influxd: "
            + where
            + ". InfluxDB 1.x integration tests need it: run scripts/setup.sh"
            + " (or as root: apt-get install -y influxdb)");
  }

  /**
   * @return the base URL of the HTTP API, e.g. {@code http://127.0.0.1:40123}; the same across
   *     {@link #stop()} and {@link #restart()}
   */
  public String url() {
    return "http://127.0.0.1:" + httpPort;
  }

  /**
   * @return the HTTP port on 127.0.0.1
   */
  public int port() {
    return httpPort;
  }

  /**
   * Creates a database ({@code CREATE DATABASE "db"}); existing databases are left as they are.
   *
   * @param db database name
   * @throws TestServerException if the server rejects the statement or cannot be reached
   */
  public void createDatabase(String db) {
    requireNonNull(db, "db");
    String body =
        post("/query", "q=" + encode("CREATE DATABASE \"" + db.replace("\"", "\\\"") + "\""));
    if (body.contains("\"error\"")) {
      throw new TestServerException("influxd: CREATE DATABASE " + db + " failed: " + body);
    }
  }

  /**
   * Runs an InfluxQL statement ({@code POST /query}, times as RFC 3339 strings).
   *
   * @param db database, or null for statements that name none
   * @param influxQl the statement(s)
   * @return the raw JSON body; statement errors appear inside it as {@code "error"}
   * @throws TestServerException if the server answers other than 200 or cannot be reached
   */
  public String query(String db, String influxQl) {
    return query(db, influxQl, null);
  }

  /**
   * Runs an InfluxQL statement with {@code epoch} precision for the returned times.
   *
   * @param db database, or null for statements that name none
   * @param influxQl the statement(s)
   * @param epoch {@code ns}, {@code u}, {@code ms}, {@code s}, {@code m} or {@code h}, or null for
   *     RFC 3339 strings
   * @return the raw JSON body
   * @throws TestServerException if the server answers other than 200 or cannot be reached
   */
  public String query(String db, String influxQl, String epoch) {
    requireNonNull(influxQl, "influxQl");
    StringBuilder form = new StringBuilder("q=").append(encode(influxQl));
    if (db != null) {
      form.append("&db=").append(encode(db));
    }
    if (epoch != null) {
      form.append("&epoch=").append(encode(epoch));
    }
    return post("/query", form.toString());
  }

  /**
   * Writes points in line protocol with millisecond timestamps ({@code POST
   * /write?db=…&precision=ms}).
   *
   * @param db an existing database
   * @param lineProtocolMs one point per line, timestamps in epoch milliseconds
   * @throws TestServerException if the server answers other than 204 or cannot be reached
   */
  public void write(String db, String lineProtocolMs) {
    requireNonNull(db, "db");
    requireNonNull(lineProtocolMs, "lineProtocolMs");
    URI uri = URI.create(url() + "/write?db=" + encode(db) + "&precision=ms");
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(REQUEST_TIMEOUT)
            .header("Content-Type", "text/plain; charset=utf-8")
            .POST(HttpRequest.BodyPublishers.ofString(lineProtocolMs))
            .build();
    HttpResponse<String> response = send(request);
    if (response.statusCode() != 204) {
      throw new TestServerException(
          "influxd: write to "
              + db
              + " answered "
              + response.statusCode()
              + ": "
              + response.body());
    }
  }

  /**
   * @return true if {@code GET /ping} answers 204 right now
   */
  public boolean ping() {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url() + "/ping")).timeout(Duration.ofSeconds(2)).build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 204;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  protected String address() {
    return url();
  }

  /** Picks two free ports (HTTP and RPC) and writes {@code influxdb.conf} for them. */
  @Override
  protected void prepare() {
    int[] ports = Ports.freePorts(2);
    httpPort = ports[0];
    rpcPort = ports[1];
    logTo("influxd-" + httpPort + ".log");
    writeConfig();
  }

  @Override
  protected List<String> command() {
    return List.of(executable.toString(), "-config", config().toString());
  }

  private Path config() {
    return dataDirectory().resolve("influxdb.conf");
  }

  /** Ready when {@code GET /ping} answers 204. */
  @Override
  protected void awaitReady(Process child, long deadlineNanos) {
    pollUntil(child, deadlineNanos, this::ping, Duration.ofMillis(25));
  }

  private void writeConfig() {
    Path directory = dataDirectory();
    String text =
        String.join(
            "\n",
            "reporting-enabled = false",
            "bind-address = \"127.0.0.1:" + rpcPort + "\"",
            "",
            "[meta]",
            "  dir = " + quoted(directory.resolve("meta")),
            "  logging-enabled = false",
            "",
            "[data]",
            "  dir = " + quoted(directory.resolve("data")),
            "  wal-dir = " + quoted(directory.resolve("wal")),
            "  wal-fsync-delay = \"0s\"",
            "  query-log-enabled = false",
            "",
            "[monitor]",
            "  store-enabled = false",
            "",
            "[subscriber]",
            "  enabled = false",
            "",
            "[continuous_queries]",
            "  enabled = false",
            "",
            "[http]",
            "  enabled = true",
            "  bind-address = \"127.0.0.1:" + httpPort + "\"",
            "  auth-enabled = false",
            "  log-enabled = false",
            "  pprof-enabled = false",
            "  unix-socket-enabled = false",
            "");
    try {
      for (String sub : new String[] {"meta", "data", "wal"}) {
        Files.createDirectories(directory.resolve(sub));
      }
      Files.writeString(config(), text);
    } catch (IOException e) {
      throw new UncheckedIOException("influxd: cannot write " + config(), e);
    }
  }

  private String post(String path, String form) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url() + path))
            .timeout(REQUEST_TIMEOUT)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build();
    HttpResponse<String> response = send(request);
    if (response.statusCode() != 200) {
      throw new TestServerException(
          "influxd: " + path + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (ConnectException e) {
      throw new TestServerException("influxd: not reachable at " + url() + " (stopped?)", e);
    } catch (IOException e) {
      throw new TestServerException("influxd: " + request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestServerException("influxd: interrupted during " + request.uri(), e);
    }
  }

  private static String quoted(Path path) {
    return "\""
        + path.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"")
        + "\"";
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
