package io.fallback.launcher.config;

import io.fallback.kafka.KafkaSourceSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kafka client properties ({@code kafka.properties}) from the environment, and which of them are
 * secrets.
 *
 * <p>Environment mapping: {@code FALLBACK_KAFKA_PROPERTIES_<NAME>} sets {@code
 * kafka.properties."<name>"}, the convention of Confluent's Kafka images: {@code <NAME>} is
 * lower-cased, then a single {@code _} becomes {@code .}, a double {@code __} becomes {@code -} and
 * a triple {@code ___} becomes {@code _}. So {@code SECURITY_PROTOCOL} is {@code
 * security.protocol}, {@code SASL_JAAS_CONFIG} is {@code sasl.jaas.config} and {@code
 * CONSUMER_MAX_POLL_RECORDS} is {@code consumer.max.poll.records} (the {@code consumer.}/{@code
 * producer.}/{@code admin.} prefixes route a property to one client). A name that starts or ends
 * with {@code _}, or holds a run of four or more, is ambiguous and refused; a property whose name
 * has upper-case letters cannot be written this way (set it in the file). Like Debezium Server's
 * and Spring Boot's relaxed binding, the variable overrides the file's entry of the same property
 * and keeps the file's other entries.
 *
 * <p>Secrets: {@code sasl.jaas.config}, and any property whose name contains {@code password},
 * {@code secret} or {@code user.info}, or that is {@code ssl.keystore.key} (with or without a
 * client prefix). Their values are masked wherever the configuration is shown, and no message
 * echoes them.
 *
 * <p>The loader reads every mapping key of type {@code MAP} from the environment this way (for
 * example {@code FALLBACK_LOGGING_LEVELS_ORG_APACHE_KAFKA} is {@code
 * logging.levels."org.apache.kafka"}); the secrets rule is about Kafka client properties.
 *
 * <p>Stateless and thread-safe.
 */
final class ClientProperties {

  /** How a masked value is shown. */
  static final String MASK = "****";

  private static final List<String> CLIENT_PREFIXES = List.of("consumer.", "producer.", "admin.");

  private ClientProperties() {}

  /**
   * The property a variable's suffix names.
   *
   * @param suffix what follows {@code FALLBACK_KAFKA_PROPERTIES_}, for example {@code
   *     SASL_JAAS_CONFIG}
   * @return the property name, for example {@code sasl.jaas.config}
   * @throws IllegalArgumentException saying why the suffix names no property, without the variable
   */
  static String fromVariable(String suffix) {
    if (suffix.isEmpty()) {
      throw new IllegalArgumentException("names no entry");
    }
    if (suffix.startsWith("_") || suffix.endsWith("_")) {
      throw new IllegalArgumentException(
          "a name cannot start or end with _ (_ is '.', __ is '-', ___ is '_');"
              + " set this entry in the file");
    }
    StringBuilder name = new StringBuilder(suffix.length());
    int i = 0;
    while (i < suffix.length()) {
      char c = suffix.charAt(i);
      if (c != '_') {
        boolean ok =
            (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '.'
                || c == '-';
        if (!ok) {
          throw new IllegalArgumentException(
              "a name may hold only letters, digits and _ (_ is '.', __ is '-',"
                  + " ___ is '_'), but had '"
                  + c
                  + "'");
        }
        name.append(Character.toLowerCase(c));
        i++;
        continue;
      }
      int run = 0;
      while (i < suffix.length() && suffix.charAt(i) == '_') {
        run++;
        i++;
      }
      switch (run) {
        case 1 -> name.append('.');
        case 2 -> name.append('-');
        case 3 -> name.append('_');
        default ->
            throw new IllegalArgumentException(
                "a run of "
                    + run
                    + " underscores is ambiguous (_ is '.', __ is"
                    + " '-', ___ is '_'); set this entry in the file");
      }
    }
    return name.toString();
  }

  /**
   * The variable suffix that names a property: the inverse of {@link #fromVariable(String)}.
   *
   * @param property a lower-case property name, for example {@code
   *     ssl.endpoint.identification.algorithm}
   * @return the suffix, for example {@code SSL_ENDPOINT_IDENTIFICATION_ALGORITHM}
   */
  static String toVariable(String property) {
    StringBuilder out = new StringBuilder(property.length() + 8);
    for (char c : property.toCharArray()) {
      switch (c) {
        case '.' -> out.append('_');
        case '-' -> out.append("__");
        case '_' -> out.append("___");
        default -> out.append(Character.toUpperCase(c));
      }
    }
    return out.toString();
  }

  /**
   * Whether a property's value is a secret.
   *
   * @param property the name, with or without a client prefix
   * @return true for a secret
   */
  static boolean isSecret(String property) {
    return KafkaSourceSettings.isSecret(property);
  }

  /**
   * The name without a {@code consumer.}, {@code producer.} or {@code admin.} prefix.
   *
   * @param property the name
   * @return the name the client sees
   */
  static String withoutClientPrefix(String property) {
    for (String prefix : CLIENT_PREFIXES) {
      if (property.startsWith(prefix)) {
        return property.substring(prefix.length());
      }
    }
    return property;
  }

  /**
   * The properties as they may be shown: secret values replaced by {@link #MASK}.
   *
   * @param properties the properties
   * @return a copy, in the same order
   */
  static Map<String, String> masked(Map<String, String> properties) {
    Map<String, String> out = new LinkedHashMap<>();
    properties.forEach((k, v) -> out.put(k, isSecret(k) ? MASK : v));
    return out;
  }
}
