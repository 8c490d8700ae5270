package io.fallback.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code monitoring.max_checkpoint_age_seconds: 0} turns the check off, as the key reference says.
 */
class MaxCheckpointAgeTest {

  private static FallbackConfig load(String yaml) {
    return new ConfigLoader(Map.of()).loadYaml(yaml, Path.of("."));
  }

  @Test
  void zero_turnsTheCheckpointAgeCheckOff_notTheProbesDerivedDefault() {
    FallbackConfig config = load("monitoring:\n  max_checkpoint_age_seconds: 0\n");

    assertThat(config.flinkProbeSettings().orElseThrow().maxCheckpointAge())
        .contains(Duration.ZERO);
  }

  @Test
  void default_isTenMinutes() {
    FallbackConfig config = load("monitoring:\n  check_interval_seconds: 60\n");

    assertThat(config.flinkProbeSettings().orElseThrow().maxCheckpointAge())
        .contains(Duration.ofSeconds(600));
  }
}
