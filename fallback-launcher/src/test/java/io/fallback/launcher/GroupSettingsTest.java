package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.launcher.config.ConfigException;
import io.fallback.launcher.config.ConfigLoader;
import io.fallback.launcher.config.FallbackConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code group.*} changes in the wiring, and what it leaves alone. */
class GroupSettingsTest {

  private final ConfigLoader loader = new ConfigLoader(Map.of());

  private FallbackConfig load(String extra) {
    return loader.loadYaml(
        "kafka:\n  group_id: g\n  properties: {}\nserver:\n  port: 8123\n" + extra, Path.of("."));
  }

  @Test
  void groupOn_theConsumersSessionTimeoutIsTheGroups() {
    FallbackConfig config = load("group:\n  enabled: true\n  session_timeout_seconds: 7\n");

    assertThat(FallbackApplication.kafkaSettings(config, loader).clientProperties())
        .containsEntry("consumer.session.timeout.ms", "7000")
        .containsEntry("consumer.heartbeat.interval.ms", "700");
    assertThat(config.group().decisionTopic("g")).isEqualTo("g.decisions");
    assertThat(GroupMode.instanceId(config)).endsWith("-8123");
  }

  @Test
  void groupOff_orTimeoutSetByTheOperator_leavesTheConsumerAlone() {
    assertThat(FallbackApplication.kafkaSettings(load(""), loader).clientProperties())
        .doesNotContainKey("consumer.session.timeout.ms");
    FallbackConfig own =
        loader.loadYaml(
            "kafka:\n  properties:\n    session.timeout.ms: 30000\ngroup:\n  enabled: true\n",
            Path.of("."));
    assertThat(FallbackApplication.kafkaSettings(own, loader).clientProperties())
        .doesNotContainKey("consumer.session.timeout.ms");
  }

  @Test
  void namedTopicAndInstance_areUsed() {
    FallbackConfig config =
        load("group:\n  enabled: true\n  decision_topic: modes\n  instance_id: pod-a\n");

    assertThat(config.group().decisionTopic("g")).isEqualTo("modes");
    assertThat(GroupMode.instanceId(config)).isEqualTo("pod-a");
  }

  @Test
  void zeroSessionTimeout_isRefusedByName() {
    assertThatThrownBy(() -> load("group:\n  session_timeout_seconds: 0\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("group.session_timeout_seconds");
  }
}
