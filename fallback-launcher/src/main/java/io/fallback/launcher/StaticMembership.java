package io.fallback.launcher;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The Kafka static membership ({@code group.instance.id}) the launcher gives its consumer unless
 * the configuration sets one: {@code <kafka.group_id>-<host name>-<server.port>}. A process
 * restarted on the same host with the same configuration rejoins as the same member, so the broker
 * hands its partitions back at once instead of waiting for the dead member's session to expire (45
 * s by default). The port makes two launchers on one host distinct; with {@code server.port: 0}
 * (any free port) there is no stable identity and the consumer stays a dynamic member.
 *
 * <p>Set {@code kafka.properties."group.instance.id"} (or {@code consumer.group.instance.id}) to
 * choose the id, for example a StatefulSet pod name; set it to an empty string to turn static
 * membership off.
 *
 * <p>Stateless and thread-safe.
 */
final class StaticMembership {

  static final String KEY = "group.instance.id";
  private static final int MAX_LENGTH = 249;

  private StaticMembership() {}

  /**
   * The id to add to the consumer's properties, if any.
   *
   * @param groupId {@code kafka.group_id}
   * @param port {@code server.port}
   * @param clientProperties {@code kafka.properties}
   * @param hostName the host name
   * @return the id, or empty when configured explicitly or when the port is 0
   */
  static Optional<String> derive(
      String groupId, int port, Map<String, ?> clientProperties, Supplier<String> hostName) {
    if (clientProperties.containsKey(KEY)
        || clientProperties.containsKey("consumer." + KEY)
        || port == 0) {
      return Optional.empty();
    }
    String id = sanitize(groupId + "-" + hostName.get() + "-" + port);
    return Optional.of(id.length() > MAX_LENGTH ? id.substring(id.length() - MAX_LENGTH) : id);
  }

  /** The local host name, or {@code localhost} when it cannot be resolved. */
  static String localHostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  /** Kafka accepts ASCII letters, digits, '.', '_' and '-' in a group instance id. */
  private static String sanitize(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (char ch : s.toLowerCase(Locale.ROOT).toCharArray()) {
      boolean ok =
          (ch >= 'a' && ch <= 'z')
              || (ch >= '0' && ch <= '9')
              || ch == '.'
              || ch == '_'
              || ch == '-';
      out.append(ok ? ch : '_');
    }
    return out.toString();
  }
}
