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

/**
 * A single-node Kafka 4.x broker (KRaft, combined broker and controller) in a child JVM, for tests
 * that stop, restart or kill the broker: {@link #stop()} is a graceful shutdown by PID (SIGTERM),
 * {@link #kill()} is SIGKILL ({@code Process.destroyForcibly()}), and {@link #start()} (or {@link
 * #restart()}) brings it back on the same ports and data directory, so {@link #bootstrapServers()}
 * stays valid.
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
 * broker ever served a client. {@link #close()} kills the broker (its data is deleted right after)
 * and deletes the directory; a JVM shutdown hook does so for brokers that were not closed.
 *
 * <p>This class is thread-safe: lifecycle methods are synchronized.
 */
public final class KafkaBrokerProcess extends ChildProcessServer {

  private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_GRACE = Duration.ofSeconds(30);

  private final Map<String, String> overrides;
  private volatile int port;
  private volatile int controllerPort;

  private KafkaBrokerProcess(Path directory, Map<String, String> overrides) {
    super("kafka broker", directory, STARTUP_TIMEOUT, STOP_GRACE);
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
    return initialize(
        new KafkaBrokerProcess(directory, Map.copyOf(brokerConfig)), KafkaBrokerProcess::prepare);
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
    if (!isRunning()) {
      launch();
    }
    return this;
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

  @Override
  protected String address() {
    return bootstrapServers();
  }

  /** The data is deleted right after: no need to wait for a controlled shutdown. */
  @Override
  protected void stopForClose() {
    kill();
  }

  /**
   * Picks two free ports (client and controller listener), writes {@code server.properties} for
   * them and formats the storage.
   */
  @Override
  protected void prepare() {
    Path directory = dataDirectory();
    int[] ports = Ports.freePorts(2);
    port = ports[0];
    controllerPort = ports[1];
    logTo("kafka-" + port + ".log");
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

  @Override
  protected List<String> command() {
    return javaCommand(
        List.of("kafka.Kafka", dataDirectory().resolve("server.properties").toString()));
  }

  /** Ready when the listener accepts connections and the broker answers an admin request. */
  @Override
  protected void awaitReady(Process child, long deadlineNanos) {
    Map<String, Object> config = clientConfig();
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000);
    config.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 50);
    config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
    config.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
    config.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 200);
    // wait for the listener first: an admin client polling a closed port logs a WARN per attempt
    pollUntil(child, deadlineNanos, this::acceptsConnections, Duration.ofMillis(20));
    try (Admin admin = Admin.create(config)) {
      pollUntil(child, deadlineNanos, () -> hasNodes(admin), Duration.ofMillis(50));
    }
  }

  private static boolean hasNodes(Admin admin) {
    try {
      return !admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty();
    } catch (ExecutionException | TimeoutException e) {
      // not caught up yet: poll again until the deadline
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestServerException("kafka: interrupted while waiting for the broker", e);
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

  private void runToCompletion(List<String> mainAndArgs, Duration timeout) {
    ProcessBuilder builder =
        new ProcessBuilder(javaCommand(mainAndArgs))
            .directory(dataDirectory().toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
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
                + logFile()
                + ":\n"
                + TestkitPaths.tail(logFile(), 3000));
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
    command.add("-Dlogback.configurationFile=" + dataDirectory().resolve("logback.xml"));
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

  private static final String LOGBACK_CONFIG =
      "<configuration>\n"
          + "  <appender name=\"OUT\" class=\"ch.qos.logback.core.ConsoleAppender\">\n"
          + "    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} -"
          + " %msg%n</pattern></encoder>\n"
          + "  </appender>\n"
          + "  <root level=\"INFO\"><appender-ref ref=\"OUT\"/></root>\n"
          + "</configuration>\n";
}
