package io.fallback.launcher.config;

import io.fallback.kafka.KafkaSourceSettings.OffsetReset;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code kafka} section. Immutable and thread-safe.
 *
 * <p>Built by the loader, whose bound values are never null (a missing required value fails there,
 * naming its key), so the components are not checked again here.
 *
 * @param bootstrapServers {@code kafka.bootstrap_servers} (or {@code KAFKA_BOOTSTRAP_SERVERS})
 * @param topic {@code kafka.topic}
 * @param groupId {@code kafka.group_id}: the fallback's own consumer group
 * @param autoOffsetReset {@code kafka.auto_offset_reset}
 * @param properties {@code kafka.properties}: client properties passed through, in the file's
 *     order, with the {@code FALLBACK_KAFKA_PROPERTIES_<NAME>} variables' values over the file's
 *     (new names last); secret values are held (the clients need them) but masked by {@link
 *     #toString()}
 * @param saslJaasConfig {@code kafka.sasl_jaas_config_env} and {@code kafka.sasl_jaas_config_file}
 */
public record KafkaConfig(
    String bootstrapServers,
    String topic,
    String groupId,
    OffsetReset autoOffsetReset,
    Map<String, String> properties,
    SecretRef saslJaasConfig) {

  /**
   * Copies the properties.
   *
   * @throws NullPointerException if {@code properties} is null
   */
  public KafkaConfig {
    properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
  }

  /**
   * The components, with the values of secret client properties masked ({@link
   * ClientProperties#isSecret}).
   */
  @Override
  public String toString() {
    return "KafkaConfig[bootstrapServers="
        + bootstrapServers
        + ", topic="
        + topic
        + ", groupId="
        + groupId
        + ", autoOffsetReset="
        + autoOffsetReset
        + ", properties="
        + ClientProperties.masked(properties)
        + ", saslJaasConfig="
        + saslJaasConfig
        + "]";
  }

  static KafkaConfig from(Values v) {
    return new KafkaConfig(
        v.requiredString(Keys.KAFKA_BOOTSTRAP),
        v.requiredString(Keys.KAFKA_TOPIC),
        v.requiredString(Keys.KAFKA_GROUP),
        OffsetReset.parse(v.requiredString(Keys.KAFKA_RESET)),
        v.map(Keys.KAFKA_PROPERTIES),
        v.secret(Keys.KAFKA_SASL_ENV, Keys.KAFKA_SASL_FILE));
  }
}
