package io.fallback.launcher.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses one value, from the YAML file (a {@link JsonNode}) or from an environment variable (a
 * {@code String}), by its key's {@link ConfigDef.Type}. Stateless and thread-safe.
 */
final class ValueParser {

  private static final Pattern SIZE =
      Pattern.compile("(?i)\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([kmgtp]?i?b?)?\\s*");

  private ValueParser() {}

  /**
   * Parses a value.
   *
   * @param key the key, for its type and allowed values
   * @param given a YAML node or an environment string
   * @param baseDir what a relative file path resolves against, or null for the working directory
   * @return the value: String, Integer, Duration, Boolean, Long (bytes), Path, List or Map
   * @throws IllegalArgumentException saying what is allowed and what was given, without the key
   */
  static Object parse(Key key, Object given, Path baseDir) {
    JsonNode node = given instanceof JsonNode n ? n : null;
    String text = node == null ? (String) given : node.isValueNode() ? node.asText() : null;
    String shown = node == null ? "'" + given + "'" : describe(node);
    switch (key.type()) {
      case STRING -> {
        if (text == null || text.isBlank()) {
          throw new IllegalArgumentException("must be a non-empty string, but was " + shown);
        }
        return text;
      }
      case INT -> {
        try {
          if (node != null && node.isNumber() && !node.canConvertToExactIntegral()) {
            throw new NumberFormatException();
          }
          return Integer.parseInt(text == null ? "" : text.trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("must be an integer, but was " + shown);
        }
      }
      case SECONDS -> {
        try {
          double seconds = Double.parseDouble(text == null ? "" : text.trim());
          if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
            throw new NumberFormatException();
          }
          return Duration.ofMillis(Math.round(seconds * 1000));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("must be a number of seconds, but was " + shown);
        }
      }
      case BOOLEAN -> {
        if ("true".equalsIgnoreCase(text) || "false".equalsIgnoreCase(text)) {
          return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException("must be true or false, but was " + shown);
      }
      case URL -> {
        try {
          URI uri = new URI(text == null ? "" : text.trim());
          if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
              || uri.getHost() == null) {
            throw new URISyntaxException(String.valueOf(text), "no http(s) scheme or host");
          }
          return uri.toString();
        } catch (URISyntaxException e) {
          throw new IllegalArgumentException(
              "must be an http:// or https:// URL with a host, but was " + shown);
        }
      }
      case ENUM -> {
        if (text != null && key.allowed().contains(text.trim())) {
          return text.trim();
        }
        throw new IllegalArgumentException(
            "must be one of " + String.join(", ", key.allowed()) + ", but was " + shown);
      }
      case SIZE -> {
        return parseSize(text, shown);
      }
      case FILE -> {
        if (text == null || text.isBlank()) {
          throw new IllegalArgumentException("must be a file path, but was " + shown);
        }
        Path p = baseDir == null ? Path.of(text) : baseDir.resolve(text);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
          throw new IllegalArgumentException("file " + p + " does not exist or is not readable");
        }
        return p;
      }
      case LIST -> {
        return list(node, text, shown);
      }
      case MAP, NAME_MAP -> {
        // text from the environment is not echoed: it may hold a secret (sasl.jaas.config=...)
        return map(
            key.type(),
            node,
            node == null ? "text (" + key.envName() + "_<NAME> sets one entry)" : shown);
      }
      default -> throw new IllegalStateException("unhandled type " + key.type());
    }
  }

  private static List<String> list(JsonNode node, String text, String shown) {
    List<String> out = new ArrayList<>();
    if (node != null && node.isArray()) {
      for (JsonNode item : node) {
        if (!item.isValueNode() || item.asText().isBlank()) {
          throw new IllegalArgumentException("must be a list of names, but had " + describe(item));
        }
        out.add(item.asText());
      }
    } else if (text != null) {
      for (String part : text.replace("[", "").replace("]", "").split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("must be a non-empty list, but was " + shown);
    }
    return List.copyOf(out);
  }

  /**
   * A mapping in the file's order: ml_service.query_parameters is the order of the request's
   * parameters.
   */
  private static Map<String, String> map(ConfigDef.Type type, JsonNode node, String shown) {
    boolean names = type == ConfigDef.Type.NAME_MAP;
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(
          (names
                  ? "must be a mapping of names, but was "
                  : "must be a mapping of client properties, but was ")
              + shown);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode value = e.getValue();
      if (names && !(value.isTextual() || value.isNumber())) {
        throw new IllegalArgumentException(
            "the value of "
                + e.getKey()
                + " must be a field name (a string or a number), but was "
                + describe(value));
      }
      if (!value.isValueNode()) {
        throw new IllegalArgumentException("property " + e.getKey() + " must be a scalar");
      }
      out.put(e.getKey(), value.asText());
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Dask's size units: kB/MB/GB/TB are powers of 10, KiB/MiB/GiB/TiB powers of 2, B or none bytes.
   */
  static long parseSize(String text, String shown) {
    Matcher m = SIZE.matcher(text == null ? "" : text);
    if (!m.matches()) {
      throw new IllegalArgumentException("must be a size such as 2GB or 512MiB, but was " + shown);
    }
    double number = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
    long multiplier =
        switch (unit) {
          case "", "b" -> 1L;
          case "k", "kb" -> 1_000L;
          case "m", "mb" -> 1_000_000L;
          case "g", "gb" -> 1_000_000_000L;
          case "t", "tb" -> 1_000_000_000_000L;
          case "kib" -> 1L << 10;
          case "mib" -> 1L << 20;
          case "gib" -> 1L << 30;
          case "tib" -> 1L << 40;
          default ->
              throw new IllegalArgumentException(
                  "must be a size such as 2GB or 512MiB, but was " + shown);
        };
    return Math.round(number * multiplier);
  }

  /** How a message shows a YAML value: text quoted, a mapping or list by its kind. */
  static String describe(JsonNode node) {
    if (node.isTextual()) {
      return "'" + node.asText() + "'";
    }
    if (node.isObject()) {
      return "a mapping";
    }
    if (node.isArray()) {
      return "a list";
    }
    return node.toString();
  }
}
