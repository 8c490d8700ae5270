package io.fallback.launcher.config;

import io.fallback.launcher.config.ConfigDef.Derivation;
import io.fallback.launcher.config.ConfigDef.Type;
import io.fallback.launcher.config.ConfigDef.Validator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One configuration key as {@link ConfigDef} defines it: YAML path, type, default, rule and
 * meaning. {@link Keys} is the launcher's table; parsing, defaults, environment overrides and the
 * README's reference all read it. Immutable and thread-safe.
 *
 * @param section the YAML section, e.g. {@code monitoring}
 * @param name the key inside the section, e.g. {@code latency_threshold_seconds}
 * @param type how the value is parsed and checked
 * @param defaultText the default as the README shows it (in parentheses when the key is absent by
 *     default)
 * @param defaultValue the parsed literal default, or null when absent or derived
 * @param derivation how a derived default is computed from earlier keys, or null
 * @param validator a rule about this key alone that no settings record states, or null
 * @param description what it does
 * @param allowed the allowed values of an {@link Type#ENUM}, empty otherwise
 * @param ignored for a seed key that is accepted and ignored: what happens instead; null otherwise
 */
public record Key(
    String section,
    String name,
    Type type,
    String defaultText,
    Object defaultValue,
    Derivation derivation,
    Validator validator,
    String description,
    List<String> allowed,
    String ignored) {

  /**
   * Validates the components. {@link ConfigDef}, which builds every key, cuts {@code section} and
   * {@code name} from the path, so they are not checked here.
   *
   * @throws NullPointerException for a null required component
   */
  public Key {
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
    return "FALLBACK_" + section.toUpperCase(Locale.ROOT) + "_" + name.toUpperCase(Locale.ROOT);
  }

  /**
   * Whether this is a seed key that is accepted with a warning and ignored.
   *
   * @return true for an ignored key
   */
  public boolean isIgnored() {
    return ignored != null;
  }

  Key withDefaultValue(Object value) {
    return new Key(
        section,
        name,
        type,
        defaultText,
        value,
        derivation,
        validator,
        description,
        allowed,
        ignored);
  }

  /** Only the path: a key is named by it in messages and maps. */
  @Override
  public String toString() {
    return path();
  }
}
