package io.fallback.launcher.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Collects the errors of one load: at most one message per key, each starting with the key's YAML
 * path, then {@code (from VARIABLE)} when the value came from the environment, then what is wrong.
 *
 * <p>Settings records ({@code ModePolicy}, {@code KafkaSourceSettings}, ...) state their own rules
 * and name the key at the start of each message ({@code "monitoring.consecutive_violations must be
 * >= 1, but was 0"}, one line per problem); {@link #collect} turns those lines into the same form.
 * A line is dropped when a key it names (outside parentheses and quotes) already has a message (a
 * consequence of that error, for example a record built with a default in place of an unparseable
 * value), or when it is about a derived default (half the threshold when the threshold is wrong):
 * one mistake, one message.
 *
 * <p>Not thread-safe: one instance per load.
 */
final class Problems {

  /** A key path in a message: {@code section.name}. */
  private static final Pattern KEY_PATH = Pattern.compile("[a-z][a-z_]*\\.[a-z][a-z0-9_]*");

  /**
   * Components of settings records that are not keys of their own, and the key the launcher reads
   * them through, with how to say so.
   */
  private static final Map<String, Alias> ALIASES =
      Map.of(
          "influxdb.token",
              new Alias(
                  Keys.INFLUX_TOKEN_ENV,
                  "the token (from the variable named by influxdb.token_env, or from influxdb.token_file)"),
          "influxdb.password",
              new Alias(
                  Keys.INFLUX_PASSWORD_ENV,
                  "the password (from the variable named by influxdb.password_env, or from influxdb.password_file)"));

  private record Alias(Key key, String phrase) {}

  /**
   * A record's line about one entry of a mapping key: {@code kafka.properties.max.poll.records must
   * be ...} or {@code kafka.properties."max.poll.records" must be ...}.
   */
  private static final Pattern PROPERTY_LINE =
      Pattern.compile(
          "([a-z][a-z_]*\\.[a-z][a-z0-9_]*)\\.(?:\"([^\"]+)\"|([^\\s\":]+))(?::)?\\s+(.*)");

  private final List<String> general = new ArrayList<>();
  private final Map<Key, String> byKey = new LinkedHashMap<>();
  private final Map<Key, Map<String, String>> byProperty = new LinkedHashMap<>();
  private final Map<Key, String> environment = new LinkedHashMap<>();
  private final Map<Key, Map<String, String>> propertyEnvironment = new LinkedHashMap<>();
  private final Set<Key> derived = new HashSet<>();

  /**
   * Remembers that a key's value came from an environment variable, so that its message names it.
   *
   * @param key the key
   * @param variable the variable
   */
  void fromEnvironment(Key key, String variable) {
    environment.put(key, variable);
  }

  /**
   * Remembers that one entry of a mapping key ({@code kafka.properties}) came from an environment
   * variable, so that messages about that entry name it.
   *
   * @param key the mapping key
   * @param property the entry, for example {@code security.protocol}
   * @param variable the variable, for example {@code FALLBACK_KAFKA_PROPERTIES_SECURITY_PROTOCOL}
   */
  void fromEnvironment(Key key, String property, String variable) {
    propertyEnvironment.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(property, variable);
  }

  /**
   * The entries of mapping keys that came from environment variables.
   *
   * @return mapping key to entry to variable
   */
  Map<Key, Map<String, String>> propertyEnvironment() {
    return propertyEnvironment;
  }

  /**
   * Remembers that a key holds a derived default, so that errors about it are left to its sources.
   *
   * @param key the key
   */
  void derived(Key key) {
    derived.add(key);
  }

  /**
   * Adds a message about a key, unless it already has one.
   *
   * @param key the key
   * @param problem what is wrong, without the key, e.g. {@code must be >= 1, but was 0}
   */
  void add(Key key, String problem) {
    if (!byKey.containsKey(key)) {
      String from = environment.containsKey(key) ? " (from " + environment.get(key) + ")" : "";
      byKey.put(key, key.path() + from + ": " + problem);
    }
  }

  /**
   * Adds a message about one entry of a mapping key, unless it already has one: {@code
   * kafka.properties."<name>"}, then {@code (from VARIABLE)} when the entry came from the
   * environment, then what is wrong. The problem must not hold the entry's value when that is a
   * secret ({@link ClientProperties#isSecret}).
   *
   * @param key the mapping key
   * @param property the entry
   * @param problem what is wrong, without the key
   */
  void add(Key key, String property, String problem) {
    String variable = propertyEnvironment.getOrDefault(key, Map.of()).get(property);
    String from = variable == null ? "" : " (from " + variable + ")";
    byProperty
        .computeIfAbsent(key, k -> new LinkedHashMap<>())
        .putIfAbsent(property, key.path() + ".\"" + property + "\"" + from + ": " + problem);
  }

  /**
   * Adds a message that is about the file, a section or the environment rather than one key's
   * value.
   *
   * @param message the whole message, starting with what it is about
   */
  void general(String message) {
    general.add(message);
  }

  /**
   * Whether a key has a message.
   *
   * @param key the key
   * @return true when it has
   */
  boolean failed(Key key) {
    return byKey.containsKey(key) || byProperty.containsKey(key);
  }

  /**
   * Builds a settings record and collects its errors.
   *
   * @param build builds and validates the record
   * @param <T> the record type
   * @return the record, or empty when it refused a value
   */
  <T> Optional<T> collect(Supplier<T> build) {
    try {
      return Optional.of(build.get());
    } catch (IllegalArgumentException e) {
      for (String line : String.valueOf(e.getMessage()).split("\n")) {
        if (!line.isBlank()) {
          fromRecord(line.strip());
        }
      }
      return Optional.empty();
    }
  }

  private void fromRecord(String line) {
    Matcher entry = PROPERTY_LINE.matcher(line);
    if (entry.matches()) {
      Optional<Key> key = Keys.byPath(entry.group(1)).filter(k -> k.type() == ConfigDef.Type.MAP);
      if (key.isPresent()) {
        String property = entry.group(2) != null ? entry.group(2) : entry.group(3);
        String text = entry.group(4);
        add(key.get(), property, text.startsWith("is ") ? text.substring(3) : text);
        return;
      }
    }
    // keys named in explanations (parentheses) or in quoted values do not make a line about them
    List<String> mentioned =
        mentionedKeys(line.replaceAll("\\([^()]*\\)", "()").replaceAll("'[^']*'", "''"));
    List<Key> keys = mentioned.stream().map(Problems::keyOf).flatMap(Optional::stream).toList();
    if (keys.isEmpty()) {
      general(line);
      return;
    }
    Key key = keys.get(0);
    if (keys.stream().anyMatch(this::failed) || derived.contains(key)) {
      return;
    }
    String first = mentioned.get(0);
    String text = line;
    if (ALIASES.containsKey(first)) {
      text = line.replace(first, ALIASES.get(first).phrase());
    } else if (line.startsWith(first + " ")) {
      text = line.substring(first.length() + 1);
      text = text.startsWith("is ") ? text.substring(3) : text;
    }
    add(key, text);
  }

  private static List<String> mentionedKeys(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = KEY_PATH.matcher(text);
    while (m.find()) {
      if (keyOf(m.group()).isPresent()) {
        out.add(m.group());
      }
    }
    return out;
  }

  private static Optional<Key> keyOf(String path) {
    Alias alias = ALIASES.get(path);
    return alias != null ? Optional.of(alias.key()) : Keys.byPath(path);
  }

  /**
   * Every message: those about the file first, then one per key in the table's order.
   *
   * @return the messages
   */
  List<String> messages() {
    List<String> out = new ArrayList<>(general);
    Set<Key> keys = new HashSet<>(byKey.keySet());
    keys.addAll(byProperty.keySet());
    keys.stream()
        .sorted(Comparator.comparingInt(Keys.ALL::indexOf))
        .forEach(
            k -> {
              if (byKey.containsKey(k)) {
                out.add(byKey.get(k));
              }
              out.addAll(byProperty.getOrDefault(k, Map.of()).values());
            });
    return out;
  }

  /**
   * Throws when anything was collected.
   *
   * @throws ConfigException with every message
   */
  void throwIfAny() {
    if (!general.isEmpty() || !byKey.isEmpty() || !byProperty.isEmpty()) {
      throw new ConfigException(messages());
    }
  }
}
