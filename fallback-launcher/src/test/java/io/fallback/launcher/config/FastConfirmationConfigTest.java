package io.fallback.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The fast confirmation keys: off with the seed's file, on when an interval is set. */
class FastConfirmationConfigTest {

  private static FallbackConfig load(String yaml) {
    return new ConfigLoader(Map.of()).loadYaml(yaml, Path.of("."));
  }

  @Test
  void offByDefault_thePolicyConfirmsNothingFast() {
    FallbackConfig config = load("monitoring:\n  check_interval_seconds: 60\n");

    assertThat(config.monitoring().healthCheckInterval()).isEmpty();
    assertThat(config.policy().healthConfirmations()).isZero();
    assertThat(config.policy().confirmsHealthFast()).isFalse();
  }

  @Test
  void anInterval_turnsItOn_withTheConfiguredConfirmations() {
    FallbackConfig config =
        load(
            "monitoring:\n  check_interval_seconds: 60\n  health_check_interval_seconds: 5\n"
                + "  health_confirmations: 4\n");

    assertThat(config.monitoring().healthCheckInterval())
        .isEqualTo(Optional.of(Duration.ofSeconds(5)));
    assertThat(config.policy().healthConfirmations()).isEqualTo(4);
  }

  @Test
  void theDefaultConfirmationsAreThree() {
    FallbackConfig config = load("monitoring:\n  health_check_interval_seconds: 5\n");

    assertThat(config.policy().healthConfirmations()).isEqualTo(3);
  }
}
