package io.fallback.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Splits the passthrough client properties ({@code kafka.properties.*}) between the clients this module
 * creates: a key known to a client's configuration (security, SASL, timeouts...) goes to every client that
 * knows it; a key prefixed {@code consumer.}, {@code producer.} or {@code admin.} goes, without the prefix,
 * to that client only and wins over the unprefixed one; any other key goes to the consumer alone (the
 * Kafka client logs it as unknown). Stateless and thread-safe.
 */
final class ClientConfigs {

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
}
