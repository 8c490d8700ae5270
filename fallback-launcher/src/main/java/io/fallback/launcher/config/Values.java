package io.fallback.launcher.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The bound value of every key: parsed from the file or the environment, or its default (literal or
 * derived); a key without a default that was not set has none. Typed getters for the section
 * records. Immutable and thread-safe.
 */
final class Values {

  private final Map<Key, Object> values;

  Values(Map<Key, Object> values) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  Optional<String> string(Key key) {
    return Optional.ofNullable((String) values.get(key));
  }

  String requiredString(Key key) {
    return (String) required(key);
  }

  int integer(Key key) {
    return (Integer) required(key);
  }

  Duration seconds(Key key) {
    return (Duration) required(key);
  }

  boolean bool(Key key) {
    return (Boolean) required(key);
  }

  long bytes(Key key) {
    return (Long) required(key);
  }

  Optional<Path> file(Key key) {
    return Optional.ofNullable((Path) values.get(key));
  }

  @SuppressWarnings("unchecked")
  List<String> list(Key key) {
    return (List<String>) required(key);
  }

  @SuppressWarnings("unchecked")
  Map<String, String> map(Key key) {
    return (Map<String, String>) required(key);
  }

  SecretRef secret(Key variableKey, Key fileKey) {
    return new SecretRef(requiredString(variableKey), file(fileKey), fileKey.path());
  }

  private Object required(Key key) {
    return Objects.requireNonNull(values.get(key), key.path());
  }
}
