package io.fallback.testkit;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka 4.x broker (KRaft, combined broker and controller) in a child JVM, for tests
 * that stop, restart or kill the broker: {@link #stop()} is a graceful shutdown by PID (SIGTERM),
 * {@link #kill()} is SIGKILL ({@code Process.destroyForcibly()}), and {@link #start()} brings it
 * back on the same ports and data directory, so {@link #bootstrapServers()} stays valid.
 *
 * <p>{@link #create()} picks two free 127.0.0.1 ports (client and controller listener), writes
 * {@code server.properties} into a temporary directory, and formats the storage with {@code
 * kafka.tools.StorageTool format --standalone}. The child JVM runs {@code kafka.Kafka
 * server.properties} with the classpath of the current JVM (which holds {@code kafka_2.13} through
 * this kit's dependencies). Its output goes to {@code target/kafka-<port>.log} (see {@link
 * #logFile()}). The defaults are those of {@link KafkaBroker} (replication factor 1, no initial
 * rebalance delay), plus a broker session timeout of 4 s (heartbeat 0.5 s) so that a restart after
 * {@link #kill()} is not refused for the default 9 s.
 *
 * <pre>{@code
 * try (KafkaBrokerProcess kafka = KafkaBrokerProcess.create().start()) {
 *   kafka.createTopic("stress-topic", 2);
 *   ...
 *   kafka.kill();
 *   kafka.start();
 * }
 * }</pre>
 *
 * <p>The ports are fixed at creation. Only if the very first start finds a port taken (another
 * process bound it in between) are new ports chosen and the storage formatted again, before the
 * broker ever served a client. A JVM shutdown hook kills brokers that were not closed.
 *
 * <p>This class is thread-safe: lifecycle methods are synchronized.
 */
public final class KafkaBrokerProcess implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerProcess.class);
  private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_GRACE = Duration.ofSeconds(30);
  private static final int FIRST_START_ATTEMPTS = 3;

  private final Path directory;
  private final Map<String, String> overrides;
  private volatile int port;
  private volatile int controllerPort;
  private Path logFile;
  private Process process;
  private boolean everStarted;
  private boolean closed;
  private Duration lastStartupTime = Duration.ZERO;

  private KafkaBrokerProcess(Path directory, Map<String, String> overrides) {
    this.directory = directory;
    this.overrides = overrides;
  }

  /**
   * Creates and formats a broker without starting it. Call {@link #start()}.
   *
   * @return the stopped broker; close it when done
   * @throws TestServerException if the storage cannot be formatted
   */
  public static KafkaBrokerProcess create() {
    return create(Map.of());
  }

  /**
   * Creates and formats a broker whose {@code server.properties} has {@code brokerConfig} on top of
   * the defaults. Listener settings are the kit's and should not be overridden.
   *
   * @param brokerConfig broker properties, e.g. {@code log.retention.ms}
   * @return the stopped broker; close it when done
   * @throws TestServerException if the storage cannot be formatted
   */
  public static KafkaBrokerProcess create(Map<String, String> brokerConfig) {
    requireNonNull(brokerConfig, "brokerConfig");
    Path directory = TestkitPaths.newTempDirectory("kafka-process-");
    KafkaBrokerProcess broker = new KafkaBrokerProcess(directory, Map.copyOf(brokerConfig));
    try {
      broker.prepare();
      return broker;
    } catch (RuntimeException e) {
      broker.close();
      throw e;
    }
  }

  /**
   * Starts the broker process and waits until it answers an admin request. Does nothing if it is
   * running.
   *
   * @return this broker
   * @throws IllegalStateException if the broker is closed
   * @throws TestServerException if it does not become ready within 60 s
   */
  public synchronized KafkaBrokerProcess start() {
    requireOpen();
    if (isRunning()) {
      return this;
    }
    for (int attempt = 1; ; attempt++) {
      try {
        launch();
        everStarted = true;
        return this;
      } catch (TestServerException e) {
        if (everStarted || attempt >= FIRST_START_ATTEMPTS) {
          throw e;
        }
        LOG.warn("kafka broker did not start on port {} (attempt {}), new ports", port, attempt, e);
        prepare();
      }
    }
  }

  /**
   * Stops the broker gracefully by PID (SIGTERM: controlled shutdown, logs flushed), SIGKILL if it
   * has not exited within 30 s. Data is kept. Does nothing if it is not running.
   */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    boolean graceful = ChildProcesses.terminate(process.toHandle(), STOP_GRACE);
    LOG.info(
        "kafka broker on port {} stopped ({})", port, graceful ? "SIGTERM" : "killed after grace");
    process = null;
  }

  /**
   * Kills the broker at once (SIGKILL, {@code Process.destroyForcibly()}) and waits for the process
   * to be gone: unflushed data may be lost, as on a crash. Does nothing if it is not running.
   */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    ChildProcesses.kill(process.toHandle());
    LOG.info("kafka broker on port {} killed (SIGKILL)", port);
    process = null;
  }

  /**
   * @return true if the process is alive
   */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * @return the PID of the running process
   * @throws IllegalStateException if it is not running
   */
  public synchronized long pid() {
    if (process == null) {
      throw new IllegalStateException("kafka broker on port " + port + " is not running");
    }
    return process.pid();
  }

  /**
   * @return {@code 127.0.0.1:<port>}, the same across stop, kill and start
   */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /**
   * @return a new mutable map with {@code bootstrap.servers}, to add client settings to
   */
  public Map<String, Object> clientConfig() {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    return config;
  }

  /**
   * Creates a topic with replication factor 1 and waits until all its partitions have a leader.
   *
   * @param name topic name
   * @param partitions number of partitions, at least 1
   * @throws TestServerException if the topic exists already or is not ready within 30 s
   */
  public void createTopic(String name, int partitions) {
    requireNonNull(name, "name");
    try (Admin admin = Admin.create(clientConfig())) {
      KafkaTopics.create(admin, name, partitions, Map.of());
    }
  }

  /**
   * @return the log file of the broker process (appended across restarts)
   */
  public synchronized Path logFile() {
    return logFile;
  }

  /**
   * @return the temporary directory with {@code server.properties} and the Kafka log dir
   */
  public Path dataDirectory() {
    return directory;
  }

  /**
   * @return how long the last {@link #start()} took from launching the JVM to a ready broker
   */
  public synchronized Duration lastStartupTime() {
    return lastStartupTime;
  }

  /** Kills the broker if it runs and deletes its data. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (process != null) {
        // the data is deleted right after: no need to wait for a controlled shutdown
        ChildProcesses.kill(process.toHandle());
        process = null;
      }
    } finally {
      ChildProcesses.deleteRecursively(directory);
    }
  }

  @Override
  public String toString() {
    return "KafkaBrokerProcess[" + bootstrapServers() + "]";
  }

  private void prepare() {
    int[] ports = Ports.freePorts(2);
    port = ports[0];
    controllerPort = ports[1];
    logFile = TestkitPaths.logDirectory().resolve("kafka-" + port + ".log");
    Path logDir = directory.resolve("kafka-logs");
    ChildProcesses.deleteRecursively(logDir);
    Path properties = directory.resolve("server.properties");
    try {
      Files.createDirectories(logDir);
      Files.writeString(properties, serverProperties(logDir));
      Files.writeString(directory.resolve("logback.xml"), LOGBACK_CONFIG);
    } catch (IOException e) {
      throw new UncheckedIOException("kafka: cannot write " + properties, e);
    }
    String clusterId = Uuid.randomUuid().toString();
    runToCompletion(
        List.of(
            "kafka.tools.StorageTool",
            "format",
            "--standalone",
            "--cluster-id",
            clusterId,
            "--config",
            properties.toString()),
        FORMAT_TIMEOUT);
  }

  private String serverProperties(Path logDir) {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put(
        "listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
    props.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
    props.put("log.dirs", logDir.toAbsolutePath().toString());
    props.put("num.partitions", "1");
    props.putAll(KafkaBroker.FAST_TEST_DEFAULTS);
    // after a kill, the restarted controller rejects the new incarnation
    // (DUPLICATE_BROKER_REGISTRATION)
    // until the old session expires: 4 s instead of 9 s, with heartbeats frequent enough for that
    props.put("broker.session.timeout.ms", "4000");
    props.put("broker.heartbeat.interval.ms", "500");
    props.putAll(overrides);
    StringBuilder text = new StringBuilder("# written by fallback-testkit KafkaBrokerProcess\n");
    props.forEach(
        (key, value) ->
            text.append(key).append('=').append(value.replace("\\", "\\\\")).append('\n'));
    return text.toString();
  }

  private void launch() {
    Path properties = directory.resolve("server.properties");
    ProcessBuilder builder =
        new ProcessBuilder(javaCommand(List.of("kafka.Kafka", properties.toString())))
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    long begin = System.nanoTime();
    Process child;
    try {
      child = builder.start();
    } catch (IOException e) {
      throw new TestServerException("kafka: cannot start the broker JVM", e);
    }
    ChildProcesses.register(child.toHandle());
    try {
      awaitReady(child, begin + STARTUP_TIMEOUT.toNanos());
    } catch (RuntimeException e) {
      ChildProcesses.kill(child.toHandle());
      throw e;
    }
    process = child;
    lastStartupTime = Duration.ofNanos(System.nanoTime() - begin);
    LOG.info(
        "kafka broker pid {} ready at {} in {} ms (log {})",
        child.pid(),
        bootstrapServers(),
        lastStartupTime.toMillis(),
        logFile);
  }

  private void awaitReady(Process child, long deadlineNanos) {
    Map<String, Object> config = clientConfig();
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000);
    config.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 50);
    config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
    config.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
    config.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 200);
    // wait for the listener first: an admin client polling a closed port logs a WARN per attempt
    while (!acceptsConnections()) {
      checkAlive(child);
      checkDeadline(deadlineNanos);
      pauseMillis(20);
    }
    try (Admin admin = Admin.create(config)) {
      while (true) {
        checkAlive(child);
        try {
          if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          // not caught up yet: poll again until the deadline
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new TestServerException("kafka: interrupted while waiting for the broker", e);
        }
        checkDeadline(deadlineNanos);
        pauseMillis(50);
      }
    }
  }

  private boolean acceptsConnections() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void checkAlive(Process child) {
    if (!child.isAlive()) {
      throw new TestServerException(
          "kafka: broker JVM exited with status "
              + child.exitValue()
              + " before it was ready on "
              + bootstrapServers()
              + "; log "
              + logFile
              + ":\n"
              + TestkitPaths.tail(logFile, 3000));
    }
  }

  private void checkDeadline(long deadlineNanos) {
    if (System.nanoTime() > deadlineNanos) {
      throw new TestServerException(
          "kafka: broker not ready on "
              + bootstrapServers()
              + " within "
              + STARTUP_TIMEOUT
              + "; log "
              + logFile);
    }
  }

  /** Polling interval while waiting for readiness. */
  private static void pauseMillis(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestServerException("kafka: interrupted while waiting for the broker", e);
    }
  }

  private void runToCompletion(List<String> mainAndArgs, Duration timeout) {
    ProcessBuilder builder =
        new ProcessBuilder(javaCommand(mainAndArgs))
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    try {
      Process child = builder.start();
      ChildProcesses.register(child.toHandle());
      if (!child.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        ChildProcesses.kill(child.toHandle());
        throw new TestServerException(
            "kafka: " + mainAndArgs.get(0) + " did not finish within " + timeout);
      }
      ChildProcesses.terminate(child.toHandle(), Duration.ZERO);
      if (child.exitValue() != 0) {
        throw new TestServerException(
            "kafka: "
                + String.join(" ", mainAndArgs)
                + " exited with "
                + child.exitValue()
                + "; log "
                + logFile
                + ":\n"
                + TestkitPaths.tail(logFile, 3000));
      }
    } catch (IOException e) {
      throw new TestServerException("kafka: cannot run " + mainAndArgs.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestServerException("kafka: interrupted while running " + mainAndArgs.get(0), e);
    }
  }

  private List<String> javaCommand(List<String> mainAndArgs) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xms64m");
    command.add("-Xmx512m");
    command.add("-XX:+UseSerialGC");
    // C1 only: the broker JVM lives for seconds to minutes, start-up matters more than peak speed
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:-UsePerfData");
    command.add("-Djava.awt.headless=true");
    // whichever SLF4J backend the test classpath brings: INFO, not DEBUG
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
    command.add("-Dorg.slf4j.simpleLogger.log.org.apache.kafka=info");
    command.add("-Dorg.slf4j.simpleLogger.log.kafka=info");
    command.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
    command.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
    command.add("-Dlogback.configurationFile=" + directory.resolve("logback.xml"));
    command.add("-cp");
    command.add(classpath());
    command.addAll(mainAndArgs);
    return command;
  }

  /** The classpath of this JVM; under Surefire/Failsafe the real test classpath. */
  static String classpath() {
    String testClasspath = System.getProperty("surefire.test.class.path");
    if (testClasspath != null && !testClasspath.isBlank()) {
      return testClasspath;
    }
    return System.getProperty("java.class.path");
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("kafka broker process on port " + port + " is closed");
    }
  }

  private static final String LOGBACK_CONFIG =
      "<configuration>\n"
          + "  <appender name=\"OUT\" class=\"ch.qos.logback.core.ConsoleAppender\">\n"
          + "    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} -"
          + " %msg%n</pattern></encoder>\n"
          + "  </appender>\n"
          + "  <root level=\"INFO\"><appender-ref ref=\"OUT\"/></root>\n"
          + "</configuration>\n";
}
