package io.fallback.launcher.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code group} section: several launcher instances sharing the work. Immutable and
 * thread-safe.
 *
 * @param enabled {@code group.enabled}
 * @param decisionTopic {@code group.decision_topic}; empty for {@code <kafka.group_id>.decisions}
 * @param sessionTimeout {@code group.session_timeout_seconds}
 * @param instanceId {@code group.instance_id}; empty for {@code <host name>-<server.port>}
 */
public record GroupConfig(
    boolean enabled,
    Optional<String> decisionTopic,
    Duration sessionTimeout,
    Optional<String> instanceId) {

  /**
   * Checks the components.
   *
   * @throws NullPointerException for a null component
   */
  public GroupConfig {
    Objects.requireNonNull(decisionTopic, "decisionTopic");
    Objects.requireNonNull(sessionTimeout, "sessionTimeout");
    Objects.requireNonNull(instanceId, "instanceId");
  }

  /**
   * The decision topic of a group.
   *
   * @param groupId {@code kafka.group_id}
   * @return the configured topic, or {@code <groupId>.decisions}
   */
  public String decisionTopic(String groupId) {
    return decisionTopic.orElse(groupId + ".decisions");
  }

  static GroupConfig from(Values v) {
    return new GroupConfig(
        v.bool(Keys.GROUP_ENABLED),
        v.string(Keys.GROUP_TOPIC),
        v.seconds(Keys.GROUP_SESSION),
        v.string(Keys.GROUP_INSTANCE));
  }
}
