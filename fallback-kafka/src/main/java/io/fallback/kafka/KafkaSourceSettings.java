package io.fallback.kafka;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the Kafka adapters need, read once from the YAML configuration. Immutable; validated
 * in the constructor, which reports every invalid value at once, one line each, starting with its
 * YAML key; the launcher's configuration loader reports these messages as they are.
 *
 * <table>
 *   <caption>Components, YAML keys and defaults</caption>
 *   <tr><th>component</th><th>YAML key</th><th>default ({@link #builder()})</th></tr>
 *   <tr><td>bootstrapServers</td><td>{@code kafka.bootstrap_servers}</td><td>required</td></tr>
 *   <tr><td>topic</td><td>{@code kafka.topic}</td><td>required</td></tr>
 *   <tr><td>groupId</td><td>{@code kafka.group_id}</td><td>{@code dask-fallback-consumer}</td></tr>
 *   <tr><td>autoOffsetReset</td><td>{@code kafka.auto_offset_reset}: {@code earliest|latest}; used only
 *       where neither the fallback's nor the primary's group has committed offsets</td>
 *       <td>{@code latest}</td></tr>
 *   <tr><td>batchSize</td><td>{@code processing.batch_size}, &gt; 0 (the launcher caps it by
 *       {@code dask.n_workers} &times; {@code dask.memory_limit})</td><td>1000</td></tr>
 *   <tr><td>batchTimeout</td><td>{@code processing.batch_timeout_seconds}, &gt; 0</td><td>30 s</td></tr>
 *   <tr><td>dlqTopic</td><td>{@code processing.dlq_topic}</td><td>{@code <topic>.dlq}</td></tr>
 *   <tr><td>keyField</td><td>{@code processing.key_field}</td><td>{@code id}</td></tr>
 *   <tr><td>timestampField</td><td>{@code processing.timestamp_field}, or the literal
 *       {@value #KAFKA_TIMESTAMP} for the Kafka record timestamp</td><td>{@code datetime}</td></tr>
 *   <tr><td>timestampFormat</td><td>{@code processing.timestamp_format}, a {@code DateTimeFormatter}
 *       pattern read as UTC</td><td>{@value #DEFAULT_TIMESTAMP_FORMAT}</td></tr>
 *   <tr><td>format</td><td>{@code processing.format}: {@code avro|json}</td><td>{@code avro}</td></tr>
 *   <tr><td>schemaFile</td><td>{@code processing.schema_file}, an Avro schema ({@code .avsc}) that must
 *       exist</td><td>none: the built-in nurse schema</td></tr>
 *   <tr><td>primaryGroupId</td><td>{@code monitoring.primary_group_id}</td><td>{@code flink-consumer}</td></tr>
 *   <tr><td>advancePrimaryOffsets</td><td>{@code handoff.advance_primary_offsets}</td><td>false</td></tr>
 *   <tr><td>rewindMargin</td><td>{@code handoff.rewind_margin_seconds}, &gt;= 0</td><td>10 s</td></tr>
 *   <tr><td>clientProperties</td><td>{@code kafka.properties.*}: Kafka client settings passed through
 *       (see {@link KafkaBatchSource}); the launcher adds {@code sasl.jaas.config} (a secret, from
 *       {@code kafka.sasl_jaas_config_env} or {@code kafka.sasl_jaas_config_file}) and a derived
 *       {@code group.instance.id}</td><td>empty</td></tr>
 * </table>
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param topic the input topic
 * @param groupId the fallback's own consumer group
 * @param autoOffsetReset where to start when no group has committed offsets
 * @param batchSize the most records one {@code poll} returns
 * @param batchTimeout the longest one {@code poll} waits to fill a batch
 * @param dlqTopic the dead-letter topic
 * @param keyField the record field holding the key
 * @param timestampField the record field holding the event time, or {@value #KAFKA_TIMESTAMP}
 * @param timestampFormat the layout of a string timestamp
 * @param format how record values are encoded
 * @param schemaFile the Avro schema file, or {@code null} for the built-in nurse schema
 * @param primaryGroupId the primary's consumer group (Flink's {@code group.id})
 * @param advancePrimaryOffsets whether closing the source moves the primary group's offsets forward
 * @param rewindMargin the safety margin of the rewind on takeover
 * @param clientProperties Kafka client properties passed through; copied
 * @param memoryBudget the bytes of records the source may hold ({@code dask.n_workers} &times;
 *     {@code dask.memory_limit} when the launcher wires it), measured per record as its key and
 *     value bytes plus a fixed overhead measured on Java 17; a batch is handed over once its
 *     records reach half of it (the raw records of the batch handed over last are the other half);
 *     {@link Long#MAX_VALUE} (the default) for no bound beyond {@code batch_size}
 */
public record KafkaSourceSettings(
    String bootstrapServers,
    String topic,
    String groupId,
    OffsetReset autoOffsetReset,
    int batchSize,
    Duration batchTimeout,
    String dlqTopic,
    String keyField,
    String timestampField,
    String timestampFormat,
    RecordFormat format,
    Path schemaFile,
    String primaryGroupId,
    boolean advancePrimaryOffsets,
    Duration rewindMargin,
    Map<String, Object> clientProperties,
    long memoryBudget) {

  /** The value of {@code processing.timestamp_field} that selects the Kafka record timestamp. */
  public static final String KAFKA_TIMESTAMP = "kafka_timestamp";

  /** The layout the nurse producer writes, parsed by a fast path. */
  public static final String DEFAULT_TIMESTAMP_FORMAT = "yyyy-MM-dd HH:mm:ss.SSS";

  /** Where to start a partition that no group has committed. */
  public enum OffsetReset {
    /** The oldest retained record. */
    EARLIEST,
    /** After the newest record (the seed's default). */
    LATEST;

    /**
     * Parses the YAML value.
     *
     * @param value {@code earliest} or {@code latest}, any case
     * @return the value
     * @throws IllegalArgumentException naming {@code kafka.auto_offset_reset} for anything else
     */
    public static OffsetReset parse(String value) {
      if (value != null) {
        for (OffsetReset r : values()) {
          if (r.name().equalsIgnoreCase(value.trim())) {
            return r;
          }
        }
      }
      throw new IllegalArgumentException(
          "kafka.auto_offset_reset must be one of earliest, latest, but was " + value);
    }

    /**
     * The Kafka client's spelling.
     *
     * @return {@code earliest} or {@code latest}
     */
    public String clientValue() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Validates every component and reports all problems together.
   *
   * @throws IllegalArgumentException listing each invalid value with its YAML key and what is
   *     allowed
   */
  public KafkaSourceSettings {
    clientProperties =
        clientProperties == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(clientProperties));
    if (dlqTopic == null && topic != null && !topic.isBlank()) {
      dlqTopic = topic + ".dlq";
    }
    List<String> errors = new ArrayList<>();
    requireText(errors, "kafka.bootstrap_servers", bootstrapServers);
    requireText(errors, "kafka.topic", topic);
    requireText(errors, "kafka.group_id", groupId);
    if (autoOffsetReset == null) {
      errors.add("kafka.auto_offset_reset must be one of earliest, latest, but was null");
    }
    if (batchSize <= 0) {
      errors.add("processing.batch_size must be > 0, but was " + batchSize);
    }
    if (memoryBudget <= 0) {
      errors.add(
          "dask.memory_limit (n_workers x memory_limit) must be > 0 bytes, but was "
              + memoryBudget);
    }
    if (batchTimeout == null || batchTimeout.isNegative() || batchTimeout.isZero()) {
      errors.add("processing.batch_timeout_seconds must be > 0, but was " + seconds(batchTimeout));
    }
    requireText(errors, "processing.dlq_topic", dlqTopic);
    if (dlqTopic != null && dlqTopic.equals(topic)) {
      errors.add("processing.dlq_topic must differ from kafka.topic, but both are " + topic);
    }
    requireText(errors, "processing.key_field", keyField);
    requireText(errors, "processing.timestamp_field", timestampField);
    requireText(errors, "processing.timestamp_format", timestampFormat);
    if (timestampFormat != null && !timestampFormat.isBlank()) {
      try {
        TimestampParser.of(timestampFormat);
      } catch (IllegalArgumentException e) {
        errors.add(
            "processing.timestamp_format must be a DateTimeFormatter pattern, but was "
                + timestampFormat
                + " ("
                + e.getMessage()
                + ")");
      }
    }
    if (format == null) {
      errors.add("processing.format must be one of avro, json, but was null");
    }
    if (schemaFile != null && !Files.isRegularFile(schemaFile)) {
      errors.add("processing.schema_file must be an existing file, but was " + schemaFile);
    }
    requireText(errors, "monitoring.primary_group_id", primaryGroupId);
    if (primaryGroupId != null && primaryGroupId.equals(groupId)) {
      errors.add(
          "monitoring.primary_group_id must differ from kafka.group_id, but both are " + groupId);
    }
    if (rewindMargin == null || rewindMargin.isNegative()) {
      errors.add("handoff.rewind_margin_seconds must be >= 0, but was " + seconds(rewindMargin));
    }
    for (String key : clientProperties.keySet()) {
      if (key == null || key.isBlank()) {
        errors.add("kafka.properties must not contain an empty key");
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", errors));
    }
  }

  /**
   * A builder with every default set; only {@code bootstrapServers} and {@code topic} are required.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The settings with secret client properties masked ({@code sasl.jaas.config}, {@code
   * ssl.keystore.key} and any name holding {@code password}, {@code secret} or {@code user.info}),
   * so that logging them leaks nothing.
   */
  @Override
  public String toString() {
    Map<String, Object> shown = new java.util.TreeMap<>();
    clientProperties.forEach((k, v) -> shown.put(k, isSecret(k) ? "****" : v));
    return "KafkaSourceSettings["
        + groupId
        + " on "
        + topic
        + " at "
        + bootstrapServers
        + ", batches of "
        + batchSize
        + (memoryBudget == Long.MAX_VALUE ? "" : " (memory budget " + memoryBudget + " bytes)")
        + " or "
        + batchTimeout
        + ", client properties "
        + shown
        + "]";
  }

  /**
   * Whether a Kafka client property holds a secret that must never be shown: {@code
   * sasl.jaas.config}, {@code ssl.keystore.key} (with or without a {@code consumer.}/{@code
   * producer.}/{@code admin.} prefix) and any name holding {@code password}, {@code secret} or
   * {@code user.info}.
   *
   * @param property the property name
   * @return true for a secret
   */
  public static boolean isSecret(String property) {
    String p = property.toLowerCase(java.util.Locale.ROOT);
    return p.endsWith("sasl.jaas.config")
        || p.endsWith("ssl.keystore.key")
        || p.contains("password")
        || p.contains("secret")
        || p.contains("user.info");
  }

  /**
   * A builder initialised from these settings.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = builder();
    b.bootstrapServers = bootstrapServers;
    b.topic = topic;
    b.groupId = groupId;
    b.autoOffsetReset = autoOffsetReset;
    b.batchSize = batchSize;
    b.memoryBudget = memoryBudget;
    b.batchTimeout = batchTimeout;
    b.dlqTopic = dlqTopic;
    b.keyField = keyField;
    b.timestampField = timestampField;
    b.timestampFormat = timestampFormat;
    b.format = format;
    b.schemaFile = schemaFile;
    b.primaryGroupId = primaryGroupId;
    b.advancePrimaryOffsets = advancePrimaryOffsets;
    b.rewindMargin = rewindMargin;
    b.clientProperties = new LinkedHashMap<>(clientProperties);
    return b;
  }

  /**
   * Whether the event time is the Kafka record timestamp rather than a field.
   *
   * @return true for {@code processing.timestamp_field: kafka_timestamp}
   */
  public boolean usesKafkaTimestamp() {
    return KAFKA_TIMESTAMP.equals(timestampField);
  }

  /**
   * The schema file, if one is configured.
   *
   * @return the file, or empty for the built-in nurse schema
   */
  public Optional<Path> schemaFileIfSet() {
    return Optional.ofNullable(schemaFile);
  }

  private static void requireText(List<String> errors, String key, String value) {
    if (value == null || value.isBlank()) {
      errors.add(
          key + " must not be empty, but was " + (value == null ? "null" : "'" + value + "'"));
    }
  }

  private static String seconds(Duration d) {
    return d == null ? "null" : String.valueOf(d.toMillis() / 1000.0);
  }

  /** Builds {@link KafkaSourceSettings}. Not thread-safe. */
  public static final class Builder {
    private String bootstrapServers;
    private String topic;
    private String groupId = "dask-fallback-consumer";
    private OffsetReset autoOffsetReset = OffsetReset.LATEST;
    private int batchSize = 1000;
    private long memoryBudget = Long.MAX_VALUE;
    private Duration batchTimeout = Duration.ofSeconds(30);
    private String dlqTopic;
    private String keyField = "id";
    private String timestampField = "datetime";
    private String timestampFormat = DEFAULT_TIMESTAMP_FORMAT;
    private RecordFormat format = RecordFormat.AVRO;
    private Path schemaFile;
    private String primaryGroupId = "flink-consumer";
    private boolean advancePrimaryOffsets;
    private Duration rewindMargin = Duration.ofSeconds(10);
    private Map<String, Object> clientProperties = new LinkedHashMap<>();

    private Builder() {}

    /**
     * @param v {@code kafka.bootstrap_servers} @return this builder
     */
    public Builder bootstrapServers(String v) {
      this.bootstrapServers = v;
      return this;
    }

    /**
     * @param v {@code kafka.topic} @return this builder
     */
    public Builder topic(String v) {
      this.topic = v;
      return this;
    }

    /**
     * @param v {@code kafka.group_id} @return this builder
     */
    public Builder groupId(String v) {
      this.groupId = v;
      return this;
    }

    /**
     * @param v {@code kafka.auto_offset_reset} @return this builder
     */
    public Builder autoOffsetReset(OffsetReset v) {
      this.autoOffsetReset = v;
      return this;
    }

    /**
     * @param v {@code processing.batch_size} @return this builder
     */
    public Builder batchSize(int v) {
      this.batchSize = v;
      return this;
    }

    /**
     * @param bytes the bytes of records the source may hold ({@code dask.n_workers} &times; {@code
     *     dask.memory_limit}); {@link Long#MAX_VALUE} for no bound beyond {@code batch_size}
     * @return this builder
     */
    public Builder memoryBudget(long bytes) {
      this.memoryBudget = bytes;
      return this;
    }

    /**
     * @param v {@code processing.batch_timeout_seconds}
     * @return this
     */
    public Builder batchTimeout(Duration v) {
      this.batchTimeout = v;
      return this;
    }

    /**
     * @param v {@code processing.dlq_topic}; null for {@code <topic>.dlq} @return this builder
     */
    public Builder dlqTopic(String v) {
      this.dlqTopic = v;
      return this;
    }

    /**
     * @param v {@code processing.key_field} @return this builder
     */
    public Builder keyField(String v) {
      this.keyField = v;
      return this;
    }

    /**
     * @param v {@code processing.timestamp_field} @return this builder
     */
    public Builder timestampField(String v) {
      this.timestampField = v;
      return this;
    }

    /**
     * @param v {@code processing.timestamp_format} @return this builder
     */
    public Builder timestampFormat(String v) {
      this.timestampFormat = v;
      return this;
    }

    /**
     * @param v {@code processing.format} @return this builder
     */
    public Builder format(RecordFormat v) {
      this.format = v;
      return this;
    }

    /**
     * @param v {@code processing.schema_file}; null for the built-in schema @return this builder
     */
    public Builder schemaFile(Path v) {
      this.schemaFile = v;
      return this;
    }

    /**
     * @param v {@code monitoring.primary_group_id} @return this builder
     */
    public Builder primaryGroupId(String v) {
      this.primaryGroupId = v;
      return this;
    }

    /**
     * @param v {@code handoff.advance_primary_offsets} @return this builder
     */
    public Builder advancePrimaryOffsets(boolean v) {
      this.advancePrimaryOffsets = v;
      return this;
    }

    /**
     * @param v {@code handoff.rewind_margin_seconds} @return this builder
     */
    public Builder rewindMargin(Duration v) {
      this.rewindMargin = v;
      return this;
    }

    /**
     * Adds one passthrough client property.
     *
     * @param key a Kafka client property name
     * @param value its value
     * @return this builder
     */
    public Builder clientProperty(String key, Object value) {
      this.clientProperties.put(Objects.requireNonNull(key, "key"), value);
      return this;
    }

    /**
     * @param v all passthrough client properties (replaces earlier ones) @return this builder
     */
    public Builder clientProperties(Map<String, ?> v) {
      this.clientProperties = new LinkedHashMap<>(v);
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return the settings
     * @throws IllegalArgumentException listing every invalid value with its YAML key
     */
    public KafkaSourceSettings build() {
      return new KafkaSourceSettings(
          bootstrapServers,
          topic,
          groupId,
          autoOffsetReset,
          batchSize,
          batchTimeout,
          dlqTopic,
          keyField,
          timestampField,
          timestampFormat,
          format,
          schemaFile,
          primaryGroupId,
          advancePrimaryOffsets,
          rewindMargin,
          clientProperties,
          memoryBudget);
    }
  }
}
