package io.fallback.testkit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka 4.x broker in KRaft mode (combined broker and controller) running inside the
 * test JVM, built on Kafka's {@code KafkaClusterTestKit}. It listens on an ephemeral port of {@code
 * localhost}; its data lives in a temporary directory deleted on {@link #close()}.
 *
 * <p>Defaults are tuned for fast tests: replication factor 1 for the offsets, transaction and
 * share-group state topics, a group's initial rebalance delay of 0, 4 partitions for {@code
 * __consumer_offsets}. Topics are auto-created as in a default broker. Override any broker property
 * with {@link #start(Map)}.
 *
 * <p>For a broker that can be stopped, restarted on the same address, or killed with SIGKILL, use
 * {@link KafkaBrokerProcess}.
 *
 * <p>This class is thread-safe.
 */
public final class KafkaBroker extends TestServer {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);

  /** Broker properties applied by default; {@link #start(Map)} overrides them. */
  static final Map<String, String> FAST_TEST_DEFAULTS =
      Map.of(
          "offsets.topic.replication.factor", "1",
          "offsets.topic.num.partitions", "4",
          "transaction.state.log.replication.factor", "1",
          "transaction.state.log.min.isr", "1",
          "transaction.state.log.num.partitions", "4",
          "share.coordinator.state.topic.replication.factor", "1",
          "share.coordinator.state.topic.min.isr", "1",
          "group.initial.rebalance.delay.ms", "0");

  private final KafkaClusterTestKit cluster;
  private final String bootstrapServers;
  private final Duration startupTime;
  private Admin admin;

  private KafkaBroker(KafkaClusterTestKit cluster, Duration startupTime) {
    super("kafka broker");
    this.cluster = cluster;
    this.bootstrapServers = cluster.bootstrapServers();
    this.startupTime = startupTime;
  }

  /**
   * Starts a broker with the fast-test defaults and waits until it is ready.
   *
   * @return the running broker; close it when done
   * @throws TestServerException if it cannot be formatted or started
   */
  public static KafkaBroker start() {
    return start(Map.of());
  }

  /**
   * Starts a broker with the fast-test defaults overridden by {@code brokerConfig} and waits until
   * it is ready.
   *
   * @param brokerConfig broker properties, e.g. {@code log.retention.ms}
   * @return the running broker; close it when done
   * @throws TestServerException if it cannot be formatted or started
   */
  public static KafkaBroker start(Map<String, ?> brokerConfig) {
    requireNonNull(brokerConfig, "brokerConfig");
    long begin = System.nanoTime();
    KafkaClusterTestKit cluster = null;
    try {
      TestKitNodes nodes =
          new TestKitNodes.Builder()
              .setCombined(true)
              .setNumBrokerNodes(1)
              .setNumControllerNodes(1)
              .build();
      KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
      Map<String, Object> config = new HashMap<>(FAST_TEST_DEFAULTS);
      config.putAll(brokerConfig);
      config.forEach(builder::setConfigProp);
      cluster = builder.build();
      LOG.debug("kafka: test kit built after {} ms", (System.nanoTime() - begin) / 1_000_000);
      cluster.format();
      LOG.debug("kafka: formatted after {} ms", (System.nanoTime() - begin) / 1_000_000);
      cluster.startup();
      LOG.debug("kafka: started after {} ms", (System.nanoTime() - begin) / 1_000_000);
      cluster.waitForReadyBrokers();
      Duration startupTime = Duration.ofNanos(System.nanoTime() - begin);
      KafkaBroker broker = new KafkaBroker(cluster, startupTime);
      LOG.info(
          "kafka broker (in-JVM KRaft) ready at {} in {} ms",
          broker.bootstrapServers,
          startupTime.toMillis());
      return broker;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(cluster);
      throw new TestServerException("kafka: interrupted while starting the in-JVM broker", e);
    } catch (Exception e) {
      closeQuietly(cluster);
      throw new TestServerException("kafka: cannot start the in-JVM broker", e);
    }
  }

  /**
   * @return {@code host:port} of the broker's client listener
   */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * @return a new mutable map with {@code bootstrap.servers}, to add client settings to
   */
  public Map<String, Object> clientConfig() {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return config;
  }

  /**
   * An admin client owned by this broker, created on first use and closed by {@link #close()}. Do
   * not close it yourself.
   *
   * @return the shared admin client
   * @throws IllegalStateException if the broker is closed
   */
  public synchronized Admin admin() {
    requireOpen();
    if (admin == null) {
      admin = Admin.create(clientConfig());
    }
    return admin;
  }

  /**
   * Creates a topic with replication factor 1 and waits until all its partitions have a leader.
   *
   * @param name topic name
   * @param partitions number of partitions, at least 1
   * @throws TestServerException if the topic exists already or is not ready within 30 s
   */
  public void createTopic(String name, int partitions) {
    createTopic(name, partitions, Map.of());
  }

  /**
   * Creates a topic with topic-level configs (e.g. {@code retention.ms}), replication factor 1, and
   * waits until all its partitions have a leader.
   *
   * @param name topic name
   * @param partitions number of partitions, at least 1
   * @param topicConfig topic properties
   * @throws TestServerException if the topic exists already or is not ready within 30 s
   */
  public void createTopic(String name, int partitions, Map<String, String> topicConfig) {
    requireNonNull(name, "name");
    requireNonNull(topicConfig, "topicConfig");
    KafkaTopics.create(admin(), name, partitions, topicConfig);
  }

  /**
   * @return how long {@link #start()} took from building the cluster to a ready broker
   */
  public Duration startupTime() {
    return startupTime;
  }

  /**
   * @return Kafka's test kit behind this broker, for what this class does not offer
   */
  public KafkaClusterTestKit cluster() {
    return cluster;
  }

  /** Closes the admin client and shuts the broker down, deleting its data. */
  @Override
  protected void shutDown() {
    try {
      if (admin != null) {
        admin.close(Duration.ofSeconds(5));
      }
    } finally {
      try {
        // KafkaClusterTestKit.close() throws when called twice; close() calls this once
        cluster.close();
      } catch (Exception e) {
        throw new TestServerException("kafka: error while closing the in-JVM broker", e);
      }
    }
  }

  @Override
  protected String address() {
    return bootstrapServers;
  }

  private static void closeQuietly(KafkaClusterTestKit cluster) {
    if (cluster == null) {
      return;
    }
    try {
      cluster.close();
    } catch (Exception suppressed) {
      LOG.warn("kafka: error while closing a broker that failed to start", suppressed);
    }
  }
}
