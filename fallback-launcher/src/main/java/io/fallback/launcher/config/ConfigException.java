package io.fallback.launcher.config;

import java.util.List;

/** The configuration is invalid; carries every error found, each naming its YAML path. */
public final class ConfigException extends RuntimeException {

  private final List<String> errors;

  /**
   * Creates the exception.
   *
   * @param errors one message per problem, each starting with the YAML path
   */
  public ConfigException(List<String> errors) {
    super("invalid configuration:\n  " + String.join("\n  ", errors));
    this.errors = List.copyOf(errors);
  }

  /**
   * The problems found.
   *
   * @return one message per problem
   */
  public List<String> errors() {
    return errors;
  }
}
