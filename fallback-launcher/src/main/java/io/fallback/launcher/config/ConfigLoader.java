package io.fallback.launcher.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fallback.core.mode.ModePolicy;
import io.fallback.core.window.WindowSpec;
import io.fallback.http.ModelHealthCheck;
import io.fallback.http.ModelServiceSettings;
import io.fallback.launcher.config.Key.Type;
import java.io.IOException;
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
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the YAML file once, applies environment overrides, checks every key and collects every error.
 *
 * <p>Environment overrides, strongest last: the file; {@code FALLBACK_<SECTION>_<KEY>} (the longest
 * known section name wins, so {@code FALLBACK_ML_SERVICE_TIMEOUT_SECONDS} is
 * {@code ml_service.timeout_seconds}); the seed's {@code KAFKA_BOOTSTRAP_SERVERS},
 * {@code LATENCY_THRESHOLD} and {@code BATCH_SIZE}.
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigLoader {

  private static final Pattern SIZE = Pattern.compile("(?i)\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([kmgtp]?i?b?)?\\s*");

  private final Map<String, String> environment;

  /**
   * Creates a loader reading overrides from {@code environment}.
   *
   * @param environment usually {@code System.getenv()}
   */
  public ConfigLoader(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  /**
   * Loads a file.
   *
   * @param file the YAML file
   * @return the configuration
   * @throws ConfigException listing every problem
   */
  public FallbackConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(List.of("--config: cannot read " + file + ": " + e.getMessage()));
    }
    return loadYaml(text, file.toAbsolutePath().getParent());
  }

  /**
   * Loads YAML text.
   *
   * @param yaml the text
   * @param baseDir directory that relative file paths resolve against
   * @return the configuration
   * @throws ConfigException listing every problem
   */
  public FallbackConfig loadYaml(String yaml, Path baseDir) {
    JsonNode root;
    try {
      root = yaml.isBlank() ? JsonNodeFactory.instance.objectNode() : new YAMLMapper().readTree(yaml);
    } catch (IOException e) {
      String msg = e.getMessage() == null ? e.toString() : e.getMessage().split("\n")[0];
      throw new ConfigException(List.of("(file): not valid YAML: " + msg));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      root = JsonNodeFactory.instance.objectNode();
    }
    List<String> errors = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    if (!root.isObject()) {
      throw new ConfigException(List.of("(file): the top level must be a mapping of sections"));
    }
    Map<String, Object> raw = new LinkedHashMap<>(); // path -> JsonNode or env String
    checkStructure((ObjectNode) root, errors, raw);
    applyEnvironment(raw, errors, warnings);

    Map<String, Object> values = new LinkedHashMap<>();
    for (Key key : Keys.ALL) {
      Object given = raw.get(key.path());
      if (given != null && key.deprecation() != null) {
        warnings.add(key.path() + " is ignored: " + key.deprecation());
        continue;
      }
      if (given == null || (given instanceof JsonNode n && n.isNull())) {
        Object def = defaultValue(key, baseDir);
        if (def != null) {
          values.put(key.path(), def);
        }
        continue;
      }
      try {
        values.put(key.path(), parse(key, given, baseDir));
      } catch (IllegalArgumentException e) {
        errors.add(key.path() + ": " + e.getMessage());
      }
    }
    if (!values.containsKey(Keys.RESUME.path()) && values.get(Keys.THRESHOLD.path()) instanceof Duration t) {
      values.put(Keys.RESUME.path(), t.dividedBy(2));
    }
    checkRanges(values, errors);
    checkModelHealthEndpoint(values, errors);
    if (errors.isEmpty()) {
      crossCheck(new FallbackConfig(values, List.of()), errors, warnings);
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return new FallbackConfig(values, warnings);
  }

  private void checkStructure(ObjectNode root, List<String> errors, Map<String, Object> raw) {
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> section = it.next();
      if (!Keys.SECTIONS.contains(section.getKey())) {
        errors.add(section.getKey() + ": unknown section" + suggest(section.getKey(), Keys.SECTIONS)
            + "; known sections: " + String.join(", ", Keys.SECTIONS));
        continue;
      }
      if (section.getValue().isNull()) {
        continue;
      }
      if (!section.getValue().isObject()) {
        errors.add(section.getKey() + ": must be a mapping of keys, but was " + describe(section.getValue()));
        continue;
      }
      for (Iterator<Map.Entry<String, JsonNode>> keys = section.getValue().fields(); keys.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = keys.next();
        String path = section.getKey() + "." + entry.getKey();
        if (Keys.byPath(path).isEmpty()) {
          List<String> candidates = new ArrayList<>();
          for (Key k : Keys.ALL) {
            if (k.section().equals(section.getKey())) {
              candidates.add(k.name());
            }
          }
          errors.add(path + ": unknown key" + suggest(entry.getKey(), candidates));
          continue;
        }
        raw.put(path, entry.getValue());
      }
    }
  }

  private void applyEnvironment(Map<String, Object> raw, List<String> errors, List<String> warnings) {
    for (Map.Entry<String, String> e : environment.entrySet()) {
      String name = e.getKey();
      if (!name.startsWith("FALLBACK_")) {
        continue;
      }
      String rest = name.substring("FALLBACK_".length()).toLowerCase(Locale.ROOT);
      String section = null;
      for (String s : Keys.SECTIONS) {
        if (rest.startsWith(s + "_") && (section == null || s.length() > section.length())) {
          section = s;
        }
      }
      if (section == null) {
        continue; // not a config override (for example FALLBACK_ADMIN_TOKEN)
      }
      String path = section + "." + rest.substring(section.length() + 1);
      if (Keys.byPath(path).isEmpty()) {
        errors.add(name + ": environment variable names no known key (" + path + ")");
        continue;
      }
      raw.put(path, e.getValue());
    }
    for (Map.Entry<String, Key> seed : Keys.seedEnvironment().entrySet()) {
      String value = environment.get(seed.getKey());
      if (value != null) {
        raw.put(seed.getValue().path(), value);
      }
    }
  }

  private static Object defaultValue(Key key, Path baseDir) {
    if (key == Keys.ML_QUERY) {
      return ModelServiceSettings.DEFAULT_QUERY_PARAMETERS;
    }
    if (key.type() == Type.MAP) {
      return Map.of();
    }
    if (key.deprecation() != null
        || key.defaultText().startsWith("(")
        || key == Keys.DLQ_TOPIC
        || key == Keys.RESUME) {
      return null; // absent, or derived from other keys
    }
    return parse(key, key.defaultText(), baseDir);
  }

  /** Parses a YAML node or an environment string; throws IllegalArgumentException with the reason. */
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
          if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new URISyntaxException(String.valueOf(text), "no http(s) scheme or host");
          }
          return uri.toString();
        } catch (URISyntaxException e) {
          throw new IllegalArgumentException("must be an http:// or https:// URL with a host, but was " + shown);
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
      case MAP -> {
        if (node == null || !node.isObject()) {
          throw new IllegalArgumentException("must be a mapping of client properties, but was " + shown);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          if (!e.getValue().isValueNode()) {
            throw new IllegalArgumentException("property " + e.getKey() + " must be a scalar");
          }
          out.put(e.getKey(), e.getValue().asText());
        }
        // in the file's order: ml_service.query_parameters is the order of the request's parameters
        return Collections.unmodifiableMap(out);
      }
      default -> throw new IllegalStateException("unhandled type " + key.type());
    }
  }

  /** Dask's size units: kB/MB/GB/TB are powers of 10, KiB/MiB/GiB/TiB powers of 2, B or none bytes. */
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
          default -> throw new IllegalArgumentException(
              "must be a size such as 2GB or 512MiB, but was " + shown);
        };
    return Math.round(number * multiplier);
  }

  private static void checkRanges(Map<String, Object> values, List<String> errors) {
    atLeast(values, errors, Keys.BATCH_SIZE, 1);
    atLeast(values, errors, Keys.COMMIT_INTERVAL, 0);
    atLeast(values, errors, Keys.VIOLATIONS, 1);
    atLeast(values, errors, Keys.RECOVERIES, 1);
    atLeast(values, errors, Keys.ML_RETRIES, 1);
    atLeast(values, errors, Keys.ML_CONCURRENCY, 1);
    atLeast(values, errors, Keys.INFLUX_CHUNK, 1);
    atLeast(values, errors, Keys.ML_BREAKER_FAILURES, 1);
    atLeast(values, errors, Keys.DASK_WORKERS, 1);
    atLeast(values, errors, Keys.DASK_THREADS, 1);
    positive(values, errors, Keys.BATCH_TIMEOUT);
    positive(values, errors, Keys.WINDOW);
    positive(values, errors, Keys.CHECK_INTERVAL);
    positive(values, errors, Keys.PROBE_TIMEOUT);
    positive(values, errors, Keys.ML_TIMEOUT);
    positive(values, errors, Keys.ML_BREAKER_OPEN);
    positive(values, errors, Keys.INFLUX_TIMEOUT);
    positive(values, errors, Keys.INFLUX_RETRY_SECONDS);
    for (Key k : List.of(Keys.THRESHOLD, Keys.OUT_OF_ORDER, Keys.RESUME, Keys.MIN_FALLBACK,
        Keys.MAX_CHECKPOINT_AGE, Keys.REWIND_MARGIN)) {
      if (values.get(k.path()) instanceof Duration d && d.isNegative()) {
        errors.add(k.path() + ": must be >= 0, but was " + d.toMillis() / 1000.0);
      }
    }
    if (values.get(Keys.SERVER_PORT.path()) instanceof Integer port && (port < 0 || port > 65535)) {
      errors.add(Keys.SERVER_PORT.path() + ": must be between 0 and 65535, but was " + port);
    }
    if (values.get(Keys.DASK_MEMORY.path()) instanceof Long bytes && bytes < 1_000_000) {
      errors.add(Keys.DASK_MEMORY.path() + ": must be at least 1MB, but was " + bytes + " bytes");
    }
  }

  /** The rule of {@code ml_service.health_endpoint} is the model client's own: ask it. */
  private static void checkModelHealthEndpoint(Map<String, Object> values, List<String> errors) {
    if (values.get(Keys.ML_HEALTH.path()) instanceof String health
        && values.get(Keys.ML_ENDPOINT.path()) instanceof String endpoint) {
      try {
        ModelHealthCheck.of(health, URI.create(endpoint));
      } catch (IllegalArgumentException e) {
        errors.add(Keys.ML_HEALTH.path() + ": " + e.getMessage());
      }
    }
  }

  private static void atLeast(Map<String, Object> values, List<String> errors, Key key, int min) {
    if (values.get(key.path()) instanceof Integer v && v < min) {
      errors.add(key.path() + ": must be >= " + min + ", but was " + v);
    }
  }

  private static void positive(Map<String, Object> values, List<String> errors, Key key) {
    if (values.get(key.path()) instanceof Duration d && (d.isNegative() || d.isZero())) {
      errors.add(key.path() + ": must be > 0, but was " + d.toMillis() / 1000.0);
    }
  }

  private static void crossCheck(FallbackConfig config, List<String> errors, List<String> warnings) {
    Duration threshold = config.seconds(Keys.THRESHOLD);
    Duration resume = config.seconds(Keys.RESUME);
    if (threshold.isZero()) {
      warnings.add(Keys.THRESHOLD.path() + " is 0: every check violates, so the fallback is forced on");
    } else if (resume.compareTo(threshold) >= 0) {
      errors.add(Keys.RESUME.path() + ": must be below " + Keys.THRESHOLD.path() + " ("
          + threshold.toMillis() / 1000.0 + "), but was " + resume.toMillis() / 1000.0);
    }
    try {
      ModePolicy unused = config.policy();
      WindowSpec spec = config.windowSpec();
      if (spec.size().toMillis() % 1000 != 0) {
        errors.add(Keys.WINDOW.path() + ": must be whole seconds, but was " + spec.size().toMillis() / 1000.0);
      }
    } catch (IllegalArgumentException e) {
      errors.add(e.getMessage());
    }
    if ("2".equals(config.string(Keys.INFLUX_VERSION).orElse("1"))) {
      if (config.string(Keys.INFLUX_ORG).isEmpty()) {
        errors.add(Keys.INFLUX_ORG.path() + ": required when influxdb.api_version is 2");
      }
      if (config.string(Keys.INFLUX_BUCKET).isEmpty()) {
        errors.add(Keys.INFLUX_BUCKET.path() + ": required when influxdb.api_version is 2");
      }
    }
    if (config.string(Keys.FLINK_JOB).isPresent() && config.string(Keys.FLINK_JOB_ID).isPresent()) {
      errors.add(Keys.FLINK_JOB_ID.path() + ": set either it or monitoring.flink_job_name, not both");
    }
    for (String field : config.map(Keys.ML_QUERY).values()) {
      if (!config.list(Keys.FIELDS).contains(field)) {
        errors.add(Keys.ML_QUERY.path() + ": field " + field + " is not in processing.fields " + config.list(Keys.FIELDS));
      }
    }
    if (config.string(Keys.DLQ_TOPIC).map(t -> t.equals(config.string(Keys.KAFKA_TOPIC).orElse(""))).orElse(false)) {
      errors.add(Keys.DLQ_TOPIC.path() + ": must differ from kafka.topic");
    }
  }

  private static String describe(JsonNode node) {
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

  /** " (did you mean x?)" when a candidate is within edit distance 3, else "". */
  static String suggest(String given, List<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = distance(given.toLowerCase(Locale.ROOT), c);
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    return best != null && bestDistance <= Math.max(2, given.length() / 4) ? " (did you mean " + best + "?)" : "";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /**
   * Reads a secret from the environment variable named by {@code envKey}, or else from the file named by
   * {@code fileKey}. The value is never logged.
   *
   * @param config the configuration
   * @param envKey key naming the variable
   * @param fileKey key naming the file
   * @return the secret, if configured
   */
  public Optional<String> secret(FallbackConfig config, Key envKey, Key fileKey) {
    Optional<String> fromEnv = config.string(envKey).map(environment::get).filter(v -> !v.isEmpty());
    if (fromEnv.isPresent()) {
      return fromEnv;
    }
    return config.file(fileKey).map(p -> {
      try {
        return Files.readString(p).strip();
      } catch (IOException e) {
        throw new ConfigException(List.of(fileKey.path() + ": cannot read " + p + ": " + e.getMessage()));
      }
    });
  }
}
