package io.fallback.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bound of {@code /health/ready}'s "not progressing" rule is configured (issue 12). */
class ReadyProgressBoundTest {

  @Test
  void readyProgressBound_isConfigured_fromTheFileOrTheEnvironment() {
    FallbackConfig file =
        new ConfigLoader(Map.of())
            .loadYaml("server:\n  ready_progress_seconds: 90\n", Path.of("."));
    FallbackConfig env =
        new ConfigLoader(Map.of("FALLBACK_SERVER_READY_PROGRESS_SECONDS", "45"))
            .loadYaml("", Path.of("."));

    assertThat(file.server().readyProgressBound()).isEqualTo(Duration.ofSeconds(90));
    assertThat(env.server().readyProgressBound()).isEqualTo(Duration.ofSeconds(45));
    assertThat(new ConfigLoader(Map.of()).loadYaml("", Path.of(".")).server().readyProgressBound())
        .isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void nonPositiveBound_isAnErrorNamingTheKey() {
    assertThatThrownBy(
            () ->
                new ConfigLoader(Map.of())
                    .loadYaml("server:\n  ready_progress_seconds: 0\n", Path.of(".")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("server.ready_progress_seconds");
  }
}
