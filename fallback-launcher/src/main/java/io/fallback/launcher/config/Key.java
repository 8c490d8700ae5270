package io.fallback.launcher.config;

import java.util.List;
import java.util.Objects;

/**
 * One configuration key: its YAML path, type, default and meaning. {@link Keys#ALL} is the single
 * source of truth for parsing, validation, environment overrides and the README's configuration
 * reference (a test checks the README against it).
 *
 * @param section the YAML section, e.g. {@code monitoring}
 * @param name the key inside the section, e.g. {@code latency_threshold_seconds}
 * @param type how the value is parsed and checked
 * @param defaultText the default as shown in the README ({@code "(none)"} when absent)
 * @param description what it does
 * @param allowed allowed values for {@link Type#ENUM}, empty otherwise
 * @param deprecation for a seed key that no longer means what it meant: what happens instead; null otherwise
 */
public record Key(
    String section,
    String name,
    Type type,
    String defaultText,
    String description,
    List<String> allowed,
    String deprecation) {

  /** The value types. */
  public enum Type {
    /** Free text. */
    STRING,
    /** An integer. */
    INT,
    /** A number of seconds, integer or decimal. */
    SECONDS,
    /** true or false. */
    BOOLEAN,
    /** An http(s) URL. */
    URL,
    /** One of {@link Key#allowed()}. */
    ENUM,
    /** A size such as {@code 2GB} (10^9) or {@code 2GiB} (2^30), parsed like Dask. */
    SIZE,
    /** A path to an existing file. */
    FILE,
    /** A list of strings. */
    LIST,
    /** A map of client properties passed through untouched. */
    MAP
  }

  /**
   * Validates the components.
   *
   * @throws NullPointerException for a null required component
   */
  public Key {
    Objects.requireNonNull(section, "section");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(defaultText, "defaultText");
    Objects.requireNonNull(description, "description");
    allowed = List.copyOf(allowed);
  }

  /**
   * The dotted path, e.g. {@code monitoring.latency_threshold_seconds}.
   *
   * @return the path
   */
  public String path() {
    return section + "." + name;
  }

  /**
   * The {@code FALLBACK_<SECTION>_<KEY>} environment variable that overrides this key.
   *
   * @return the variable name
   */
  public String envName() {
    return "FALLBACK_" + section.toUpperCase(java.util.Locale.ROOT) + "_" + name.toUpperCase(java.util.Locale.ROOT);
  }
}
