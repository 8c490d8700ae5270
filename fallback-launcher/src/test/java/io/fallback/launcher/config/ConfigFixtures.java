package io.fallback.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Loads configuration the way the config tests need it: from YAML text or the seed file. */
final class ConfigFixtures {

  private ConfigFixtures() {}

  /** The seed job's {@code config.yaml}, which must load unchanged. */
  static Path seedFile() {
    try {
      return Path.of(ConfigFixtures.class.getResource("/seed-config.yaml").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Loads {@code yaml} with an empty environment. */
  static FallbackConfig load(String yaml) {
    return load(yaml, Map.of());
  }

  /** Loads {@code yaml} with the environment {@code env}. */
  static FallbackConfig load(String yaml, Map<String, String> env) {
    return new ConfigLoader(env).loadYaml(yaml, null);
  }

  /** Loads the seed file with an empty environment. */
  static FallbackConfig loadSeed() {
    return loadSeed(Map.of());
  }

  /** Loads the seed file with the environment {@code env}. */
  static FallbackConfig loadSeed(Map<String, String> env) {
    return new ConfigLoader(env).load(seedFile());
  }

  /** The errors of loading {@code yaml} with an empty environment; fails unless it is rejected. */
  static List<String> problemsOf(String yaml) {
    return problemsOf(yaml, Map.of());
  }

  /** The errors of loading {@code yaml} with {@code env}; fails unless the load is rejected. */
  static List<String> problemsOf(String yaml, Map<String, String> env) {
    return configErrors(() -> load(yaml, env));
  }

  /** The errors of loading the seed file with {@code env}; fails unless the load is rejected. */
  static List<String> problemsOfSeed(Map<String, String> env) {
    return configErrors(() -> loadSeed(env));
  }

  /**
   * The errors of the {@link ConfigException} that {@code call} throws; fails if it throws none.
   */
  static List<String> configErrors(ThrowingCallable call) {
    ConfigException e = catchThrowableOfType(ConfigException.class, call);
    assertThat(e).as("a ConfigException").isNotNull();
    return e.errors();
  }
}
