package io.fallback.launcher.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads the YAML file once, applies environment overrides, parses every key by its definition
 * ({@link Keys}), builds the settings records and collects every error, each naming its YAML path
 * (and the environment variable when the value came from one).
 *
 * <p>Environment overrides, strongest last: the file; {@code FALLBACK_<SECTION>_<KEY>} (the longest
 * known section name wins, so {@code FALLBACK_ML_SERVICE_TIMEOUT_SECONDS} is {@code
 * ml_service.timeout_seconds}); the seed's {@code KAFKA_BOOTSTRAP_SERVERS}, {@code
 * LATENCY_THRESHOLD} and {@code BATCH_SIZE}. One entry of a mapping key: {@code
 * FALLBACK_KAFKA_PROPERTIES_<NAME>} sets {@code kafka.properties."<name>"} over the file's entry
 * ({@code _} is {@code .}, {@code __} is {@code -}, {@code ___} is {@code _}; see {@link
 * ClientProperties}).
 *
 * <p>Errors: YAML syntax (with line and column), a key given twice (Jackson's {@code
 * STRICT_DUPLICATE_DETECTION}), an empty file, unknown sections and keys (with a "did you mean"),
 * unparseable values, the rules of the definition table, and the settings records' own rules.
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigLoader {

  private static final YAMLMapper YAML =
      YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /** Secrets are read when a client is built, never at load; their rules are checked then. */
  private static final Secrets NOT_READ = ref -> Optional.of("(read when the client is built)");

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
   * Loads a file. A file that holds nothing (empty, or only comments) is an error: it is almost
   * always a wrong path or an unmounted volume; {@code {}} runs on the defaults.
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
    JsonNode root = read(text);
    if (root.isMissingNode() || root.isNull()) {
      throw new ConfigException(
          List.of(
              "--config: "
                  + file
                  + " is empty (no section); write {} to run on the"
                  + " defaults alone"));
    }
    return bind(root, file.toAbsolutePath().getParent());
  }

  /**
   * Loads YAML text; blank text (no file) gives every default.
   *
   * @param yaml the text
   * @param baseDir directory that relative file paths resolve against
   * @return the configuration
   * @throws ConfigException listing every problem
   */
  public FallbackConfig loadYaml(String yaml, Path baseDir) {
    JsonNode root = read(yaml);
    return bind(
        root.isMissingNode() || root.isNull() ? JsonNodeFactory.instance.objectNode() : root,
        baseDir);
  }

  /**
   * Reads secrets as the application does: from this loader's environment, then from files.
   *
   * @return the reader
   */
  public Secrets secrets() {
    return Secrets.from(environment);
  }

  private static JsonNode read(String text) {
    try {
      JsonNode root = YAML.readTree(text);
      return root == null ? JsonNodeFactory.instance.missingNode() : root;
    } catch (JsonProcessingException e) {
      throw new ConfigException(List.of(yamlError(e)));
    }
  }

  /** One line with the position: a duplicate key by its path, a syntax error by its problem. */
  private static String yamlError(JsonProcessingException e) {
    if (e.getProcessor() instanceof JsonParser parser
        && e.getOriginalMessage().startsWith("Duplicate field")) {
      List<String> path = new ArrayList<>();
      for (String segment :
          parser.getParsingContext().pathAsPointer().toString().substring(1).split("/")) {
        path.add(segment.replace("~1", "/").replace("~0", "~"));
      }
      JsonLocation at = parser.currentTokenLocation();
      String what = path.size() == 1 ? "section" : "key";
      return String.join(".", path)
          + ": duplicate "
          + what
          + " at line "
          + at.getLineNr()
          + ", column "
          + at.getColumnNr()
          + " (a "
          + what
          + " may appear once)";
    }
    if (e.getCause() instanceof MarkedYAMLException y && y.getProblemMark() != null) {
      String context =
          y.getContext() == null ? "" : " (" + y.getContext() + at(y.getContextMark()) + ")";
      return "(file): not valid YAML" + at(y.getProblemMark()) + ": " + y.getProblem() + context;
    }
    JsonLocation at = e.getLocation();
    String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    return "(file): not valid YAML" + where + ": " + e.getOriginalMessage().split("\n")[0];
  }

  private static String at(Mark mark) {
    return mark == null
        ? ""
        : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
  }

  private FallbackConfig bind(JsonNode root, Path baseDir) {
    if (!root.isObject()) {
      throw new ConfigException(List.of("(file): the top level must be a mapping of sections"));
    }
    Problems problems = new Problems();
    Map<Key, Object> given =
        new LinkedHashMap<>(); // a YAML node, or an environment variable's text
    readSections((ObjectNode) root, given, problems);
    Map<Key, String> fromEnvironment = applyEnvironment(given, problems);
    fromEnvironment.forEach(problems::fromEnvironment);
    List<String> warnings = new ArrayList<>();
    Set<Key> derived = new HashSet<>();
    Values values = parse(given, baseDir, problems, warnings, derived);
    derived.forEach(problems::derived);
    crossCheck(values, problems, warnings);
    checkClientProperties(values, problems);
    FallbackConfig config =
        new FallbackConfig(values, fromEnvironment, derived, warnings, problems, NOT_READ);
    problems.throwIfAny();
    return config;
  }

  private static void readSections(ObjectNode root, Map<Key, Object> given, Problems problems) {
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> section = it.next();
      if (!Keys.SECTIONS.contains(section.getKey())) {
        problems.general(
            section.getKey()
                + ": unknown section"
                + Suggestions.closest(section.getKey(), Keys.SECTIONS)
                + "; known sections: "
                + String.join(", ", Keys.SECTIONS));
        continue;
      }
      if (section.getValue().isNull()) {
        continue;
      }
      if (!section.getValue().isObject()) {
        problems.general(
            section.getKey()
                + ": must be a mapping of keys, but was "
                + ValueParser.describe(section.getValue()));
        continue;
      }
      for (Iterator<Map.Entry<String, JsonNode>> keys = section.getValue().fields();
          keys.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = keys.next();
        String path = section.getKey() + "." + entry.getKey();
        Optional<Key> key = Keys.byPath(path);
        if (key.isEmpty()) {
          List<String> names =
              Keys.ALL.stream()
                  .filter(k -> k.section().equals(section.getKey()))
                  .map(Key::name)
                  .toList();
          problems.general(path + ": unknown key" + Suggestions.closest(entry.getKey(), names));
          continue;
        }
        given.put(key.get(), entry.getValue());
      }
    }
  }

  /**
   * Puts the overrides into {@code given}; returns which variable set which key. A variable {@code
   * FALLBACK_<SECTION>_<KEY>_<NAME>} that names no key but starts with a client-properties key's
   * variable ({@code FALLBACK_KAFKA_PROPERTIES_}) sets one entry of that mapping ({@link
   * ClientProperties}), over the file's entry of the same name; an exact key wins over that
   * reading.
   */
  private Map<Key, String> applyEnvironment(Map<Key, Object> given, Problems problems) {
    Map<Key, String> from = new LinkedHashMap<>();
    Map<Key, Map<String, String>> properties =
        new LinkedHashMap<>(); // map key -> property -> value
    Map<String, String> propertyVariables = new HashMap<>(); // "<key path> <property>" -> variable
    for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
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
      Optional<Key> key = Keys.byPath(path);
      if (key.isEmpty()) {
        Optional<Key> mapKey = clientPropertiesKey(name);
        if (mapKey.isPresent()) {
          clientProperty(mapKey.get(), name, e.getValue(), properties, propertyVariables, problems);
          continue;
        }
        problems.general(name + ": environment variable names no known key (" + path + ")");
        continue;
      }
      given.put(key.get(), e.getValue());
      from.put(key.get(), name);
    }
    properties.forEach(
        (key, entries) -> {
          Object file = given.get(key);
          ObjectNode merged;
          if (file == null || (file instanceof JsonNode n && n.isNull())) {
            merged = JsonNodeFactory.instance.objectNode();
          } else if (file instanceof ObjectNode o) {
            merged = o.deepCopy();
          } else {
            return; // the file's (or FALLBACK_KAFKA_PROPERTIES's) value is not a mapping: that is
            // the error reported
          }
          entries.forEach(merged::put);
          given.put(key, merged);
        });
    for (Map.Entry<String, Key> seed : Keys.seedEnvironment().entrySet()) {
      String value = environment.get(seed.getKey());
      if (value != null) {
        given.put(seed.getValue(), value);
        from.put(seed.getValue(), seed.getKey());
      }
    }
    return from;
  }

  /** The client-properties key whose variable prefixes {@code variable}, if any. */
  private static Optional<Key> clientPropertiesKey(String variable) {
    return Keys.ALL.stream()
        .filter(
            k ->
                k.type() == ConfigDef.Type.MAP
                    && variable.regionMatches(
                        true, 0, k.envName() + "_", 0, k.envName().length() + 1))
        .findFirst();
  }

  /** Reads one {@code FALLBACK_KAFKA_PROPERTIES_<NAME>} variable into {@code properties}. */
  private static void clientProperty(
      Key key,
      String variable,
      String value,
      Map<Key, Map<String, String>> properties,
      Map<String, String> propertyVariables,
      Problems problems) {
    String suffix = variable.substring(key.envName().length() + 1);
    if (suffix.isEmpty()) {
      problems.general(
          variable
              + ": names no entry of "
              + key.path()
              + " (write "
              + key.envName()
              + "_<NAME>; _ is '.', __ is '-', ___ is '_')");
      return;
    }
    String property;
    try {
      property = ClientProperties.fromVariable(suffix);
    } catch (IllegalArgumentException e) {
      problems.general(variable + ": " + e.getMessage());
      return;
    }
    String earlier = propertyVariables.putIfAbsent(key.path() + " " + property, variable);
    if (earlier != null) {
      problems.general(
          variable
              + ": sets "
              + key.path()
              + ".\""
              + property
              + "\" as "
              + earlier
              + " does; set one");
      return;
    }
    properties.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(property, value);
    problems.fromEnvironment(key, property, variable);
  }

  /**
   * Parses and checks every key in table order; a key that is not set, or whose value is wrong,
   * gets its default, so that the settings records are built (and report their own errors) all the
   * same.
   */
  private static Values parse(
      Map<Key, Object> given,
      Path baseDir,
      Problems problems,
      List<String> warnings,
      Set<Key> derived) {
    Map<Key, Object> values = new LinkedHashMap<>();
    for (Key key : Keys.ALL) {
      Object raw = given.get(key);
      if (key.isIgnored()) {
        if (given.containsKey(key)) {
          warnings.add(key.path() + " is ignored: " + key.ignored());
        }
        continue;
      }
      if (raw != null && !(raw instanceof JsonNode n && n.isNull())) {
        try {
          Object value = ValueParser.parse(key, raw, baseDir);
          if (key.validator() != null) {
            key.validator().ensureValid(value);
          }
          values.put(key, value);
          continue;
        } catch (IllegalArgumentException e) {
          problems.add(key, e.getMessage());
        }
      }
      if (key.defaultValue() != null) {
        values.put(key, key.defaultValue());
      } else if (key.derivation() != null) {
        values.put(key, key.derivation().derive(values::get));
        derived.add(key);
      }
    }
    return new Values(values);
  }

  /** The launcher's own rules between keys that no settings record sees together. */
  private static void crossCheck(Values values, Problems problems, List<String> warnings) {
    if (values.seconds(Keys.THRESHOLD).equals(Duration.ZERO)) {
      warnings.add(
          Keys.THRESHOLD.path() + " is 0: every check violates, so the fallback is forced on");
    }
    Duration healthInterval = values.seconds(Keys.HEALTH_INTERVAL);
    if (!healthInterval.isZero() && !problems.failed(Keys.CHECK_INTERVAL)) {
      Duration checkInterval = values.seconds(Keys.CHECK_INTERVAL);
      if (healthInterval.compareTo(checkInterval) >= 0) {
        problems.add(
            Keys.HEALTH_INTERVAL,
            "must be shorter than "
                + Keys.CHECK_INTERVAL.path()
                + " ("
                + checkInterval.toSeconds()
                + "s), but was "
                + healthInterval.toSeconds()
                + "s; 0 turns the fast confirmation off");
      }
      if (values.requiredString(Keys.HEALTH_MODE).equals("none")) {
        problems.add(
            Keys.HEALTH_INTERVAL,
            "needs a health probe, but " + Keys.HEALTH_MODE.path() + " is none");
      }
    }
    Optional<String> shadowMeasurement = values.string(Keys.SHADOW_MEASUREMENT);
    if (shadowMeasurement.isPresent()) {
      for (Key measurement : List.of(Keys.INFLUX_MEASUREMENT, Keys.PRIMARY_MEASUREMENT)) {
        if (!problems.failed(measurement)
            && shadowMeasurement.get().equals(values.requiredString(measurement))) {
          problems.add(
              Keys.SHADOW_MEASUREMENT,
              "must differ from "
                  + measurement.path()
                  + " ("
                  + shadowMeasurement.get()
                  + "): the shadow never writes where the primary or the fallback write");
        }
      }
    }
    if (!problems.failed(Keys.FIELDS)) {
      List<String> fields = values.list(Keys.FIELDS);
      for (String field : values.map(Keys.ML_QUERY).values()) {
        if (!fields.contains(field)) {
          problems.add(Keys.ML_QUERY, "field " + field + " is not in processing.fields " + fields);
        }
      }
    }
  }

  /**
   * Client properties the launcher sets itself from a key, which would be ignored, and a {@code
   * sasl.jaas.config} given twice (as a property and through {@code kafka.sasl_jaas_config_env} or
   * {@code _file}). Only whether the secret is there is looked at, never its value.
   */
  private void checkClientProperties(Values values, Problems problems) {
    if (problems.failed(Keys.KAFKA_PROPERTIES)) {
      return;
    }
    for (String property : values.map(Keys.KAFKA_PROPERTIES).keySet()) {
      String bare = ClientProperties.withoutClientPrefix(property);
      if (bare.equals("bootstrap.servers")) {
        problems.add(
            Keys.KAFKA_PROPERTIES,
            property,
            "would be ignored: every client connects to "
                + Keys.KAFKA_BOOTSTRAP.path()
                + "; set that key (or KAFKA_BOOTSTRAP_SERVERS) instead");
      } else if (bare.equals("group.id")
          && !property.startsWith("producer.")
          && !property.startsWith("admin.")) {
        problems.add(
            Keys.KAFKA_PROPERTIES,
            property,
            "would be ignored: the fallback's consumer group is "
                + Keys.KAFKA_GROUP.path()
                + " (and the primary's is "
                + Keys.PRIMARY_GROUP.path()
                + "); set that key"
                + " instead");
      } else if (property.equals("sasl.jaas.config")) {
        String variable = values.requiredString(Keys.KAFKA_SASL_ENV);
        boolean inVariable = !environment.getOrDefault(variable, "").isEmpty();
        if (inVariable || values.file(Keys.KAFKA_SASL_FILE).isPresent()) {
          String other =
              inVariable
                  ? "the variable " + variable + " (named by " + Keys.KAFKA_SASL_ENV.path() + ")"
                  : Keys.KAFKA_SASL_FILE.path();
          problems.add(
              Keys.KAFKA_PROPERTIES,
              property,
              "is also given by " + other + "; set it in one place");
        }
      }
    }
  }
}
