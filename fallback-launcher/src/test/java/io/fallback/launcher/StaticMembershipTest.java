package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class StaticMembershipTest {

  @Test
  void groupHostAndPort_makeAStableLegalId() {
    assertThat(
            StaticMembership.derive(
                "dask-fallback-consumer", 8099, Map.of(), () -> "Node 7.example"))
        .contains("dask-fallback-consumer-node_7.example-8099");
  }

  @Test
  void anyFreePort_staysDynamic() {
    assertThat(StaticMembership.derive("g", 0, Map.of(), () -> "h")).isEmpty();
  }

  @Test
  void configuredId_wins_alsoWhenBlank() {
    assertThat(StaticMembership.derive("g", 8099, Map.of("group.instance.id", "pod-0"), () -> "h"))
        .isEmpty();
    assertThat(
            StaticMembership.derive("g", 8099, Map.of("consumer.group.instance.id", ""), () -> "h"))
        .isEmpty();
  }

  @Test
  void longNames_areCutToKafkasLimit() {
    String id = StaticMembership.derive("g".repeat(300), 1, Map.of(), () -> "h").orElseThrow();

    assertThat(id).hasSize(249).endsWith("-h-1");
  }
}
