package io.fallback.launcher.config;

import static io.fallback.launcher.config.ConfigFixtures.load;
import static io.fallback.launcher.config.ConfigFixtures.problemsOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code logging} section: levels in the file or the environment, any case, checked against
 * Logback's.
 */
class LoggingConfigTest {

  private static final String ALLOWED =
      "must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF (any case)";

  @Test
  void noLoggingSection_setsNothing_soTheLogbackFileDecides() {
    FallbackConfig config = load("");

    assertThat(config.logging().isEmpty()).isTrue();
  }

  @Test
  void loggingSection_bindsRootAndPerLoggerLevels_upperCased_inTheFilesOrder() {
    String yaml =
        String.join(
            "\n",
            "logging:",
            "  level: debug",
            "  levels:",
            "    org.apache.kafka: warn",
            "    io.fallback.launcher.Reachability: ERROR",
            "");

    LoggingConfig logging = load(yaml).logging();

    assertThat(logging.level()).contains("DEBUG");
    assertThat(logging.levels())
        .containsExactly(
            Map.entry("org.apache.kafka", "WARN"),
            Map.entry("io.fallback.launcher.Reachability", "ERROR"));
  }

  @Test
  void environment_overridesTheRootLevel_andSetsOneLoggersLevel() {
    Map<String, String> env =
        Map.of(
            "FALLBACK_LOGGING_LEVEL", "WARN",
            "FALLBACK_LOGGING_LEVELS_ORG_APACHE_KAFKA", "info");

    LoggingConfig logging =
        load("logging:\n  level: INFO\n  levels:\n    io.fallback: DEBUG\n", env).logging();

    assertThat(logging.level()).contains("WARN");
    assertThat(logging.levels())
        .containsEntry("org.apache.kafka", "INFO")
        .containsEntry("io.fallback", "DEBUG");
  }

  @Test
  void unknownLevelNames_areConfigErrorsNamingTheKeyAndTheAllowedValues() {
    String yaml =
        String.join(
            "\n", "logging:", "  level: LOUD", "  levels:", "    org.apache.kafka: verbose", "");

    assertThat(problemsOf(yaml))
        .containsExactlyInAnyOrder(
            "logging.level: " + ALLOWED + ", but was 'LOUD'",
            "logging.levels.\"org.apache.kafka\": " + ALLOWED + ", but was 'verbose'");
  }

  @Test
  void unknownLevelFromTheEnvironment_namesTheVariable() {
    Map<String, String> env =
        Map.of(
            "FALLBACK_LOGGING_LEVEL", "loud",
            "FALLBACK_LOGGING_LEVELS_ORG_APACHE_KAFKA", "noisy");

    assertThat(problemsOf("", env))
        .containsExactlyInAnyOrder(
            "logging.level (from FALLBACK_LOGGING_LEVEL): " + ALLOWED + ", but was 'loud'",
            "logging.levels.\"org.apache.kafka\" (from FALLBACK_LOGGING_LEVELS_ORG_APACHE_KAFKA): "
                + ALLOWED
                + ", but was 'noisy'");
  }
}
