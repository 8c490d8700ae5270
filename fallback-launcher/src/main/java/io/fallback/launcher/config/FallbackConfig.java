package io.fallback.launcher.config;

import io.fallback.core.mode.ModePolicy;
import io.fallback.core.shadow.ShadowSampling;
import io.fallback.core.window.WindowSpec;
import io.fallback.http.FlinkProbeSettings;
import io.fallback.http.ModelServiceSettings;
import io.fallback.influx.InfluxSettings;
import io.fallback.kafka.KafkaSourceSettings;
import java.time.Duration;
import java.util.Collections;
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
 * The validated configuration: one typed record per section, and the settings records of core and
 * the adapters built from them (each validated once, when the file was loaded). Immutable and
 * thread-safe. Secrets are not held here, only where to find them ({@link SecretRef}); the settings
 * that need one take a {@link Secrets} reader.
 */
public final class FallbackConfig {

  private static final Pattern PROPERTY_NAME = Pattern.compile("[\\w.-]+");

  private final Values values;
  private final Map<Key, String> environment;
  private final Map<Key, Map<String, String>> propertyEnvironment;
  private final Set<Key> derived;
  private final List<String> warnings;
  private final KafkaConfig kafka;
  private final ProcessingConfig processing;
  private final MonitoringConfig monitoring;
  private final MlServiceConfig mlService;
  private final InfluxConfig influxdb;
  private final DaskConfig dask;
  private final HandoffConfig handoff;
  private final ServerConfig server;
  private final ShadowConfig shadow;
  private final GroupConfig group;
  private final LoggingConfig logging;
  private final ModePolicy policy;
  private final WindowSpec windowSpec;
  private final ModelServiceSettings modelService;
  private final Optional<FlinkProbeSettings> flinkProbe;

  /**
   * Binds the values into sections and builds every settings record once, collecting their errors
   * in {@code problems} (the loader throws them all at once afterwards).
   *
   * @param values the parsed values
   * @param environment the keys whose value came from an environment variable, and that variable
   * @param derived the keys holding a derived default
   * @param warnings the warnings found while loading
   * @param problems the errors found so far; the records' are added
   * @param notRead stands in for secrets, which are read only when a client is built
   */
  FallbackConfig(
      Values values,
      Map<Key, String> environment,
      Set<Key> derived,
      List<String> warnings,
      Problems problems,
      Secrets notRead) {
    this.values = values;
    this.environment = Map.copyOf(environment);
    Map<Key, Map<String, String>> entries = new LinkedHashMap<>();
    problems.propertyEnvironment().forEach((k, v) -> entries.put(k, Map.copyOf(v)));
    this.propertyEnvironment = Collections.unmodifiableMap(entries);
    this.derived = Set.copyOf(derived);
    this.warnings = List.copyOf(warnings);
    this.kafka = KafkaConfig.from(values);
    this.processing = ProcessingConfig.from(values);
    this.monitoring = MonitoringConfig.from(values);
    this.mlService = MlServiceConfig.from(values);
    this.influxdb = InfluxConfig.from(values);
    this.dask = DaskConfig.from(values);
    this.handoff = HandoffConfig.from(values);
    this.server = ServerConfig.from(values);
    this.shadow = ShadowConfig.from(values);
    this.group = GroupConfig.from(values);
    problems.collect(() -> new ShadowSampling(shadow.sampleEvery()));
    this.logging = problems.collect(() -> LoggingConfig.from(values)).orElse(LoggingConfig.NONE);
    this.policy = problems.collect(() -> AdapterSettings.policy(monitoring)).orElse(null);
    this.windowSpec = problems.collect(() -> AdapterSettings.windowSpec(processing)).orElse(null);
    this.modelService =
        problems.collect(() -> AdapterSettings.modelService(mlService)).orElse(null);
    // checked whatever the mode, as every key is: a value that means nothing now is still wrong
    Optional<FlinkProbeSettings> probe =
        problems.collect(
            () ->
                AdapterSettings.flinkProbe(
                    monitoring,
                    monitoring.healthProbe().orElse(FlinkProbeSettings.Mode.FLINK_REST)));
    this.flinkProbe = monitoring.healthProbe().isPresent() ? probe : Optional.empty();
    problems.collect(
        () -> AdapterSettings.kafkaSource(kafka, processing, monitoring, handoff, notRead));
    problems.collect(() -> AdapterSettings.influx(influxdb, notRead));
  }

  /**
   * Warnings found while loading (seed keys that are ignored, a zero threshold), one line each.
   *
   * @return the warnings
   */
  public List<String> warnings() {
    return warnings;
  }

  /**
   * @return the {@code kafka} section
   */
  public KafkaConfig kafka() {
    return kafka;
  }

  /**
   * @return the {@code processing} section
   */
  public ProcessingConfig processing() {
    return processing;
  }

  /**
   * @return the {@code monitoring} section
   */
  public MonitoringConfig monitoring() {
    return monitoring;
  }

  /**
   * @return the {@code ml_service} section
   */
  public MlServiceConfig mlService() {
    return mlService;
  }

  /**
   * @return the {@code influxdb} section
   */
  public InfluxConfig influxdb() {
    return influxdb;
  }

  /**
   * @return the {@code dask} section
   */
  public DaskConfig dask() {
    return dask;
  }

  /**
   * @return the {@code handoff} section
   */
  public HandoffConfig handoff() {
    return handoff;
  }

  /**
   * @return the {@code shadow} section
   */
  public ShadowConfig shadow() {
    return shadow;
  }

  /**
   * @return the {@code group} section
   */
  public GroupConfig group() {
    return group;
  }

  /**
   * @return the {@code server} section
   */
  public ServerConfig server() {
    return server;
  }

  /**
   * @return the {@code logging} section
   */
  public LoggingConfig logging() {
    return logging;
  }

  /**
   * The mode rules ({@code monitoring.*}).
   *
   * @return the policy
   */
  public ModePolicy policy() {
    return policy;
  }

  /**
   * The windows ({@code processing.window_seconds}, {@code max_out_of_orderness_seconds}, {@code
   * fields}).
   *
   * @return the window spec
   */
  public WindowSpec windowSpec() {
    return windowSpec;
  }

  /**
   * How to call and check the model service ({@code ml_service.*}).
   *
   * @return the settings
   */
  public ModelServiceSettings modelServiceSettings() {
    return modelService;
  }

  /**
   * How to check the Flink job ({@code monitoring.health_probe} and the {@code flink_*} keys).
   *
   * @return the settings, or empty for {@code health_probe: none}
   */
  public Optional<FlinkProbeSettings> flinkProbeSettings() {
    return flinkProbe;
  }

  /**
   * The Kafka source's settings, with {@code sasl.jaas.config} read now. Its values were checked
   * when the file was loaded.
   *
   * @param secrets where secrets are read from
   * @return the settings
   * @throws ConfigException if the secret's file cannot be read
   */
  public KafkaSourceSettings kafkaSourceSettings(Secrets secrets) {
    return build(
        () -> AdapterSettings.kafkaSource(kafka, processing, monitoring, handoff, secrets));
  }

  /**
   * InfluxDB's settings, with the password and the token read now.
   *
   * @param secrets where secrets are read from
   * @return the settings
   * @throws ConfigException naming the key when a secret is missing (the token of {@code
   *     api_version: 2}) or its file cannot be read
   */
  public InfluxSettings influxSettings(Secrets secrets) {
    return build(() -> AdapterSettings.influx(influxdb, secrets));
  }

  private <T> T build(Supplier<T> settings) {
    Problems problems = new Problems();
    environment.forEach(problems::fromEnvironment);
    propertyEnvironment.forEach(
        (key, entries) -> entries.forEach((p, v) -> problems.fromEnvironment(key, p, v)));
    derived.forEach(problems::derived);
    Optional<T> built = problems.collect(settings);
    problems.throwIfAny();
    return built.orElseThrow();
  }

  /**
   * The environment variable that set a Kafka client property ({@code
   * FALLBACK_KAFKA_PROPERTIES_<NAME>}), so that an error a client reports about that property can
   * name it.
   *
   * @param property the property, for example {@code security.protocol}
   * @return the variable, or empty when the property came from the file or is not set
   */
  public Optional<String> kafkaPropertyVariable(String property) {
    return Optional.ofNullable(
        propertyEnvironment.getOrDefault(Keys.KAFKA_PROPERTIES, Map.of()).get(property));
  }

  /**
   * A Kafka client's error message, naming the environment variable of each client property it
   * mentions that came from one: {@code "Invalid value SSl for configuration security.protocol:
   * ..."} gets {@code " (kafka.properties."security.protocol" from
   * FALLBACK_KAFKA_PROPERTIES_SECURITY_PROTOCOL)"}.
   *
   * @param message the client's message, may be null
   * @return the message, with the variables named when it mentions such a property
   */
  public String withKafkaPropertySources(String message) {
    if (message == null) {
      return null;
    }
    Set<String> mentioned =
        new HashSet<>(); // property names in the message, without kafka.properties. or a prefix
    Matcher name = PROPERTY_NAME.matcher(message);
    while (name.find()) {
      String token = name.group().replaceAll("\\.+$", "");
      String prefix = Keys.KAFKA_PROPERTIES.path() + ".";
      mentioned.add(
          ClientProperties.withoutClientPrefix(
              token.startsWith(prefix) ? token.substring(prefix.length()) : token));
    }
    StringBuilder out = new StringBuilder(message);
    propertyEnvironment
        .getOrDefault(Keys.KAFKA_PROPERTIES, Map.of())
        .forEach(
            (property, variable) -> {
              if (mentioned.contains(ClientProperties.withoutClientPrefix(property))) {
                out.append(" (")
                    .append(Keys.KAFKA_PROPERTIES.path())
                    .append(".\"")
                    .append(property)
                    .append("\" from ")
                    .append(variable)
                    .append(')');
              }
            });
    return out.toString();
  }

  /**
   * The sections, without secrets: those read from a variable or a file are never held here, and
   * the values of secret client properties ({@code sasl.jaas.config}, {@code *password*}, ...) are
   * masked.
   */
  @Override
  public String toString() {
    return "FallbackConfig["
        + kafka
        + ", "
        + processing
        + ", "
        + monitoring
        + ", "
        + mlService
        + ", "
        + influxdb
        + ", "
        + dask
        + ", "
        + handoff
        + ", "
        + server
        + "]";
  }

  // Values by key, for tests of the loader in this package; the launcher reads the sections.

  Optional<String> string(Key key) {
    return values.string(key);
  }

  int integer(Key key) {
    return values.integer(key);
  }

  Duration seconds(Key key) {
    return values.seconds(key);
  }
}
