package io.fallback.launcher.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * A table of configuration keys, modelled on Kafka's {@code ConfigDef}: each key is defined once
 * with {@link #define(String, Type, String, Validator, String) define(path, type, default,
 * validator, doc)}, and everything else (parsing, defaults, environment overrides, the README's
 * reference) reads that definition. {@link Keys} holds the launcher's table.
 *
 * <p>A validator states a rule about one key that no settings record owns (for example {@code
 * server.port}). Rules that a settings record or policy states in its constructor (for example
 * {@code monitoring.resume_threshold_seconds <= monitoring.latency_threshold_seconds} in {@code
 * ModePolicy}) are not repeated here: the loader builds the record and reports its message.
 *
 * <p>In the launcher's table ({@link Keys}) most rules belong to the settings record a value is
 * bound into, and the loader reports that record's message: {@code ModePolicy} ({@code
 * monitoring.latency_threshold_seconds}, {@code consecutive_violations}, {@code
 * resume_threshold_seconds}, {@code consecutive_recoveries}, {@code min_fallback_seconds}), {@code
 * WindowSpec}, {@code KafkaSourceSettings}, {@code FlinkProbeSettings}, {@code
 * ModelServiceSettings} (with {@code ModelHealthCheck}) and {@code InfluxSettings}. A validator
 * there is checked before any record sees the value, for the few keys the loader has no record to
 * ask about: values only the launcher uses ({@code dask.*}, {@code server.port}, {@code
 * processing.window_seconds} in whole seconds), values of objects built only at start ({@code
 * processing.commit_interval_ms}, {@code monitoring.check_interval_seconds}, {@code
 * monitoring.probe_timeout_seconds}), and the two bounds whose launcher wording operators know
 * ({@code processing.batch_size}, {@code ml_service.retry_attempts}; their records state the same
 * bound for their other callers). A value a validator refuses never reaches a record, so it gets
 * one message.
 *
 * <p>Defining keys is not thread-safe; a table that is no longer changed may be read from any
 * thread.
 */
public final class ConfigDef {

  private static final YAMLMapper YAML = new YAMLMapper();

  private final List<Key> keys = new ArrayList<>();
  private final Map<String, Key> byPath = new LinkedHashMap<>();

  /** How a value is written and parsed. */
  public enum Type {
    /** Free text, not empty. */
    STRING,
    /** An integer. */
    INT,
    /** A number of seconds, integer or decimal. */
    SECONDS,
    /** true or false. */
    BOOLEAN,
    /** An http(s) URL with a host. */
    URL,
    /** One of {@link Key#allowed()}. */
    ENUM,
    /** A size such as {@code 2GB} (10^9) or {@code 2GiB} (2^30), parsed like Dask. */
    SIZE,
    /** A path to an existing, readable file, relative to the configuration file. */
    FILE,
    /** A non-empty list of names. */
    LIST,
    /** A mapping of client properties passed through untouched (any scalar value). */
    MAP,
    /** A mapping of names to names, in the file's order (each value a string or a number). */
    NAME_MAP;

    /**
     * The name the README's reference shows.
     *
     * @return for example {@code seconds}
     */
    public String shown() {
      return this == NAME_MAP ? "map" : name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A rule about one parsed value.
   *
   * <p>Implementations are stateless and thread-safe.
   */
  @FunctionalInterface
  public interface Validator {
    /**
     * Checks a value.
     *
     * @param value the parsed value (an {@code Integer}, {@code Duration}, {@code Long}, ...)
     * @throws IllegalArgumentException saying what is allowed and what was given, without the key
     *     (the loader prefixes it), for example {@code "must be >= 1, but was 0"}
     */
    void ensureValid(Object value);
  }

  /**
   * Computes a default from other keys' values (which are defined before it).
   *
   * <p>Implementations are stateless and thread-safe.
   */
  @FunctionalInterface
  public interface Derivation {
    /**
     * Computes the default.
     *
     * @param value the bound value of an earlier key (never null for a key with a default)
     * @return the default
     */
    Object derive(Function<Key, Object> value);
  }

  /**
   * A default that is not a literal value: absent, or computed from other keys.
   *
   * @param shown how the README shows it, for example {@code (none)} or {@code half the threshold}
   * @param derivation how it is computed, or null when the key is simply absent
   */
  public record Default(String shown, Derivation derivation) {

    /**
     * Validates the components.
     *
     * @throws NullPointerException if {@code shown} is null
     */
    public Default {
      Objects.requireNonNull(shown, "shown");
    }
  }

  /**
   * No default: the key is absent unless set.
   *
   * @param shown what absence means, in parentheses, for example {@code (none: any running job)}
   * @return the default
   */
  public static Default absent(String shown) {
    return new Default(shown, null);
  }

  /**
   * A default computed from earlier keys.
   *
   * @param shown how the README describes it, for example {@code half the threshold}
   * @param derivation how it is computed
   * @return the default
   */
  public static Default derived(String shown, Derivation derivation) {
    return new Default(shown, Objects.requireNonNull(derivation, "derivation"));
  }

  /**
   * Defines a key with a literal default, written as it would be in the YAML file.
   *
   * @param path the dotted path, for example {@code monitoring.check_interval_seconds}
   * @param type how the value is parsed
   * @param defaultYaml the default, in YAML, for example {@code 60} or {@code "{x: X}"}; parsed and
   *     validated now
   * @param validator a rule no settings record states, or null
   * @param doc what the key does (one sentence or two, for the README)
   * @return the key
   * @throws IllegalArgumentException if the path is defined twice or the default is invalid
   */
  public Key define(String path, Type type, String defaultYaml, Validator validator, String doc) {
    Key draft = key(path, type, defaultYaml, null, null, validator, doc, List.of(), null);
    Object value;
    try {
      value = ValueParser.parse(draft, YAML.readTree(defaultYaml), null);
      if (validator != null) {
        validator.ensureValid(value);
      }
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "default of " + path + " is invalid: " + e.getMessage(), e);
    }
    return register(draft.withDefaultValue(value));
  }

  /**
   * Defines a key that is absent by default, or whose default is derived from other keys.
   *
   * @param path the dotted path
   * @param type how the value is parsed
   * @param dflt {@link #absent(String)} or {@link #derived(String, Derivation)}
   * @param validator a rule no settings record states, or null
   * @param doc what the key does
   * @return the key
   * @throws IllegalArgumentException if the path is defined twice
   */
  public Key define(String path, Type type, Default dflt, Validator validator, String doc) {
    return register(
        key(path, type, dflt.shown(), null, dflt.derivation(), validator, doc, List.of(), null));
  }

  /**
   * Defines a key whose value is one of a few words.
   *
   * @param path the dotted path
   * @param dflt the default, one of {@code allowed}
   * @param doc what the key does
   * @param allowed the allowed values, in README order
   * @return the key
   * @throws IllegalArgumentException if the path is defined twice or the default is not allowed
   */
  public Key defineChoice(String path, String dflt, String doc, String... allowed) {
    if (!List.of(allowed).contains(dflt)) {
      throw new IllegalArgumentException(
          "default of " + path + " is not one of its values: " + dflt);
    }
    return register(key(path, Type.ENUM, dflt, dflt, null, null, doc, List.of(allowed), null));
  }

  /**
   * Defines a seed key that is accepted with a warning and ignored.
   *
   * @param path the dotted path
   * @param type the type it had in the seed (shown in the README only)
   * @param instead what happens instead, for the warning and the README
   * @return the key
   * @throws IllegalArgumentException if the path is defined twice
   */
  public Key defineIgnored(String path, Type type, String instead) {
    return register(
        key(
            path,
            type,
            "(ignored)",
            null,
            null,
            null,
            "Seed key, accepted and ignored: " + instead,
            List.of(),
            instead));
  }

  private static Key key(
      String path,
      Type type,
      String shown,
      Object value,
      Derivation derivation,
      Validator validator,
      String doc,
      List<String> allowed,
      String ignored) {
    int dot = path.indexOf('.');
    if (dot <= 0) {
      throw new IllegalArgumentException("a key path is <section>.<name>, but was " + path);
    }
    return new Key(
        path.substring(0, dot),
        path.substring(dot + 1),
        type,
        shown,
        value,
        derivation,
        validator,
        doc,
        allowed,
        ignored);
  }

  private Key register(Key key) {
    if (byPath.putIfAbsent(key.path(), key) != null) {
      throw new IllegalArgumentException("key " + key.path() + " is defined twice");
    }
    keys.add(key);
    return key;
  }

  /**
   * Every key, in definition order.
   *
   * @return an unmodifiable list
   */
  public List<Key> keys() {
    return Collections.unmodifiableList(keys);
  }

  /**
   * Finds a key.
   *
   * @param path for example {@code kafka.topic}
   * @return the key, if defined
   */
  public Optional<Key> find(String path) {
    return Optional.ofNullable(byPath.get(path));
  }

  /**
   * The sections, in the order they were first used.
   *
   * @return section names
   */
  public List<String> sections() {
    return keys.stream().map(Key::section).distinct().toList();
  }

  /**
   * An integer at least {@code min}.
   *
   * @param min the least allowed value
   * @return the validator
   */
  public static Validator atLeast(int min) {
    return v -> {
      if ((Integer) v < min) {
        throw new IllegalArgumentException("must be >= " + min + ", but was " + v);
      }
    };
  }

  /**
   * An integer in {@code [min, max]}.
   *
   * @param min the least allowed value
   * @param max the largest allowed value
   * @return the validator
   */
  public static Validator between(int min, int max) {
    return v -> {
      int i = (Integer) v;
      if (i < min || i > max) {
        throw new IllegalArgumentException(
            "must be between " + min + " and " + max + ", but was " + i);
      }
    };
  }

  /**
   * A duration above zero.
   *
   * @return the validator
   */
  public static Validator positive() {
    return v -> {
      Duration d = (Duration) v;
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("must be > 0, but was " + d.toMillis() / 1000.0);
      }
    };
  }

  /**
   * A duration of whole seconds.
   *
   * @return the validator
   */
  public static Validator wholeSeconds() {
    return v -> {
      Duration d = (Duration) v;
      if (d.toMillis() % 1000 != 0) {
        throw new IllegalArgumentException(
            "must be whole seconds, but was " + d.toMillis() / 1000.0);
      }
    };
  }

  /**
   * A size of at least {@code min} bytes.
   *
   * @param min the least allowed size
   * @param shown how the message shows {@code min}, for example {@code 1MB}
   * @return the validator
   */
  public static Validator atLeastBytes(long min, String shown) {
    return v -> {
      if ((Long) v < min) {
        throw new IllegalArgumentException(
            "must be at least " + shown + ", but was " + v + " bytes");
      }
    };
  }
}
