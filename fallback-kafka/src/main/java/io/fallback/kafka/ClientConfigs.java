package io.fallback.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits the passthrough client properties ({@code kafka.properties.*}) between the clients this
 * module creates: a key known to a client's configuration (security, SASL, timeouts...) goes to
 * every client that knows it; a key prefixed {@code consumer.}, {@code producer.} or {@code admin.}
 * goes, without the prefix, to that client only and wins over the unprefixed one; any other key
 * goes to the consumer alone (the Kafka client logs it as unknown). Stateless and thread-safe.
 */
final class ClientConfigs {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBatchSource.class);
  private static final AtomicBoolean AUTO_COMMIT_WARNED = new AtomicBoolean();

  private ClientConfigs() {}

  static Map<String, Object> consumer(String bootstrapServers, Map<String, Object> passthrough) {
    return select(bootstrapServers, passthrough, "consumer.", ConsumerConfig.configNames(), true);
  }

  static Map<String, Object> producer(String bootstrapServers, Map<String, Object> passthrough) {
    return select(bootstrapServers, passthrough, "producer.", ProducerConfig.configNames(), false);
  }

  static Map<String, Object> admin(String bootstrapServers, Map<String, Object> passthrough) {
    return select(bootstrapServers, passthrough, "admin.", AdminClientConfig.configNames(), false);
  }

  private static Map<String, Object> select(
      String bootstrapServers,
      Map<String, Object> passthrough,
      String prefix,
      Set<String> known,
      boolean takeUnknown) {
    Map<String, Object> out = new HashMap<>();
    for (Map.Entry<String, Object> e : passthrough.entrySet()) {
      String key = e.getKey();
      if (isClientPrefixed(key)) {
        continue;
      }
      boolean unknownEverywhere =
          !ConsumerConfig.configNames().contains(key)
              && !ProducerConfig.configNames().contains(key)
              && !AdminClientConfig.configNames().contains(key);
      if (known.contains(key) || (takeUnknown && unknownEverywhere)) {
        out.put(key, e.getValue());
      }
    }
    for (Map.Entry<String, Object> e : passthrough.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        out.put(e.getKey().substring(prefix.length()), e.getValue());
      }
    }
    out.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return out;
  }

  private static boolean isClientPrefixed(String key) {
    return key.startsWith("consumer.") || key.startsWith("producer.") || key.startsWith("admin.");
  }

  /**
   * The fallback consumer's configuration: the pass-through properties, then what the source relies
   * on ({@code enable.auto.commit} false, with a WARN once if asked for true; {@code group.id};
   * client {@code auto.offset.reset} earliest; {@code max.poll.records} at most {@code batch_size};
   * a blank {@code group.instance.id} removed; the cooperative sticky assignor unless {@code
   * group.protocol} is {@code consumer}).
   *
   * @throws IllegalArgumentException if {@code max.poll.records} is not an integer
   */
  static Map<String, Object> fallbackConsumer(KafkaSourceSettings settings) {
    Map<String, Object> config =
        ClientConfigs.consumer(settings.bootstrapServers(), settings.clientProperties());
    Object autoCommit = config.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);
    if (autoCommit != null
        && Boolean.parseBoolean(String.valueOf(autoCommit).trim())
        && AUTO_COMMIT_WARNED.compareAndSet(false, true)) {
      LOG.warn(
          "enable.auto.commit=true is ignored: the fallback commits offsets only after the sink acknowledged"
              + " the windows they complete");
    }
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    int maxPoll = settings.batchSize();
    Object configured = config.get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
    if (configured != null) {
      try {
        maxPoll = Math.min(maxPoll, Integer.parseInt(String.valueOf(configured).trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "kafka.properties.max.poll.records must be an integer, but was " + configured, e);
      }
    }
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(1, maxPoll));
    Object instanceId = config.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    if (instanceId != null && String.valueOf(instanceId).isBlank()) {
      config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG); // blank = dynamic membership
    }
    Object protocol = config.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
    if (protocol == null || !String.valueOf(protocol).trim().equalsIgnoreCase("consumer")) {
      config.putIfAbsent(
          ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
          CooperativeStickyAssignor.class.getName());
    }
    return config;
  }
}
