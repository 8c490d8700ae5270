package io.fallback.launcher.config;

import io.fallback.launcher.config.Key.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every configuration key the launcher knows, in README order. */
public final class Keys {

  private Keys() {}

  private static final List<Key> KEYS = new ArrayList<>();

  private static Key key(String section, String name, Type type, String def, String description) {
    Key k = new Key(section, name, type, def, description, List.of(), null);
    KEYS.add(k);
    return k;
  }

  private static Key choice(String section, String name, String def, String description, String... allowed) {
    Key k = new Key(section, name, Type.ENUM, def, description, List.of(allowed), null);
    KEYS.add(k);
    return k;
  }

  private static Key deprecated(String section, String name, Type type, String instead) {
    Key k = new Key(section, name, type, "(ignored)", "Seed key, accepted and ignored: " + instead, List.of(), instead);
    KEYS.add(k);
    return k;
  }

  // kafka
  public static final Key KAFKA_BOOTSTRAP = key("kafka", "bootstrap_servers", Type.STRING, "localhost:9092",
      "Kafka bootstrap servers (env `KAFKA_BOOTSTRAP_SERVERS` overrides).");
  public static final Key KAFKA_TOPIC = key("kafka", "topic", Type.STRING, "stress-topic", "Input topic.");
  public static final Key KAFKA_GROUP = key("kafka", "group_id", Type.STRING, "dask-fallback-consumer",
      "The fallback's own consumer group.");
  public static final Key KAFKA_RESET = choice("kafka", "auto_offset_reset", "latest",
      "Where to start a partition for which neither the primary's group nor ours has committed offsets.",
      "earliest", "latest");
  public static final Key KAFKA_AUTO_COMMIT = deprecated("kafka", "enable_auto_commit", Type.BOOLEAN,
      "auto-commit is always off; offsets are committed only after InfluxDB acknowledged the windows before them");
  public static final Key KAFKA_AUTO_COMMIT_INTERVAL = deprecated("kafka", "auto_commit_interval_ms", Type.INT,
      "commits are coalesced by processing.commit_interval_ms");
  public static final Key KAFKA_PROPERTIES = key("kafka", "properties", Type.MAP, "{}",
      "Kafka client properties passed through to the consumer, producer and admin client unchanged.");
  public static final Key KAFKA_SASL_ENV = key("kafka", "sasl_jaas_config_env", Type.STRING, "KAFKA_SASL_JAAS_CONFIG",
      "Environment variable holding `sasl.jaas.config` (secret; never logged).");
  public static final Key KAFKA_SASL_FILE = key("kafka", "sasl_jaas_config_file", Type.FILE, "(none)",
      "File holding `sasl.jaas.config`, used when the variable is unset.");

  // processing
  public static final Key BATCH_SIZE = key("processing", "batch_size", Type.INT, "1000",
      "Most records per poll (env `BATCH_SIZE` overrides).");
  public static final Key BATCH_TIMEOUT = key("processing", "batch_timeout_seconds", Type.SECONDS, "30",
      "Longest wait to fill a batch.");
  public static final Key CHECKPOINT_INTERVAL = deprecated("processing", "checkpoint_interval", Type.INT,
      "offsets are committed after every acknowledged write, coalesced by processing.commit_interval_ms");
  public static final Key COMMIT_INTERVAL = key("processing", "commit_interval_ms", Type.INT, "1000",
      "Least time between two offset commits.");
  public static final Key WINDOW = key("processing", "window_seconds", Type.SECONDS, "5", "Tumbling window length.");
  public static final Key OUT_OF_ORDER = key("processing", "max_out_of_orderness_seconds", Type.SECONDS, "5",
      "Bounded out-of-orderness of the watermark, as in the primary job.");
  public static final Key FORMAT = choice("processing", "format", "avro", "Record value format.", "avro", "json");
  public static final Key SCHEMA_FILE = key("processing", "schema_file", Type.FILE, "(built-in nurse schema)",
      "Avro schema of the record values (raw binary datum, no registry).");
  public static final Key KEY_FIELD = key("processing", "key_field", Type.STRING, "id", "Field holding the window key.");
  public static final Key TIMESTAMP_FIELD = key("processing", "timestamp_field", Type.STRING, "datetime",
      "Field holding the event time, or `kafka_timestamp` for the record timestamp.");
  public static final Key TIMESTAMP_FORMAT = key("processing", "timestamp_format", Type.STRING, "yyyy-MM-dd HH:mm:ss.SSS",
      "Layout of the event time (UTC).");
  public static final Key FIELDS = key("processing", "fields", Type.LIST, "[X, Y, Z, EDA, HR, TEMP]",
      "Numeric fields averaged per window, written under these names.");
  public static final Key DLQ_TOPIC = key("processing", "dlq_topic", Type.STRING, "<topic>.dlq",
      "Dead-letter topic for undecodable and late records.");

  // monitoring
  public static final Key THRESHOLD = key("monitoring", "latency_threshold_seconds", Type.SECONDS, "300",
      "Latency above which a check violates; 0 forces fallback (env `LATENCY_THRESHOLD` overrides).");
  public static final Key VIOLATIONS = key("monitoring", "consecutive_violations", Type.INT, "3",
      "Violating checks in a row that trigger fallback.");
  public static final Key CHECK_INTERVAL = key("monitoring", "check_interval_seconds", Type.SECONDS, "60",
      "Time between checks.");
  public static final Key RESUME = key("monitoring", "resume_threshold_seconds", Type.SECONDS, "half the threshold",
      "Latency below which a healthy check counts as a recovery; must not exceed the threshold.");
  public static final Key RECOVERIES = key("monitoring", "consecutive_recoveries", Type.INT, "1",
      "Recovering checks in a row that hand back to the primary.");
  public static final Key MIN_FALLBACK = key("monitoring", "min_fallback_seconds", Type.SECONDS, "0",
      "Least time in fallback before handing back.");
  public static final Key PROBE_TIMEOUT = key("monitoring", "probe_timeout_seconds", Type.SECONDS, "10",
      "Bound of each latency read and health probe; a hung probe counts as unhealthy.");
  public static final Key LATENCY_SOURCE = choice("monitoring", "latency_source", "kafka_lag",
      "How the primary's latency is measured (`both` takes the worse).", "kafka_lag", "influx_freshness", "both");
  public static final Key PRIMARY_GROUP = key("monitoring", "primary_group_id", Type.STRING, "flink-consumer",
      "The primary's consumer group (Flink's KafkaSource commits its checkpointed offsets under it).");
  public static final Key HEALTH_MODE = choice("monitoring", "health_probe", "flink_rest",
      "`flink_rest` checks the configured job; `legacy_overview` is the seed's `jobs-running > 0`; `none` disables it.",
      "flink_rest", "legacy_overview", "none");
  public static final Key FLINK_URL = key("monitoring", "flink_rest_url", Type.URL, "http://jobmanager:8081",
      "Flink JobManager REST endpoint.");
  public static final Key FLINK_JOB = key("monitoring", "flink_job_name", Type.STRING, "(none: any running job)",
      "Name of the primary job.");
  public static final Key FLINK_JOB_ID = key("monitoring", "flink_job_id", Type.STRING, "(none)",
      "Id of the primary job, instead of its name.");
  public static final Key MAX_CHECKPOINT_AGE = key("monitoring", "max_checkpoint_age_seconds", Type.SECONDS, "600",
      "A job whose last completed checkpoint is older is unhealthy; 0 disables the check.");

  // ml_service
  public static final Key ML_ENDPOINT = key("ml_service", "endpoint", Type.URL,
      "http://stress-prediction-service:5000/model/api/predict", "Model service predict endpoint.");
  public static final Key ML_HEALTH = key("ml_service", "health_endpoint", Type.STRING,
      "(none: a predict request)",
      "How `validate` checks the model service. Absent: one predict request with every query parameter 0.0; "
          + "reachable on a 2xx with a prediction, or on 400, 422 or 429 (there, but refused the values or busy). "
          + "A path such as `/health` (on the endpoint's scheme, host and port) or an http(s) URL: GET it, 2xx is healthy. "
          + "`none`: not checked.");
  public static final Key ML_TIMEOUT = key("ml_service", "timeout_seconds", Type.SECONDS, "10", "Per-call timeout.");
  public static final Key ML_RETRIES = key("ml_service", "retry_attempts", Type.INT, "3",
      "Total tries per call, with backoff and jitter.");
  public static final Key ML_CONCURRENCY = key("ml_service", "max_concurrency", Type.INT, "32",
      "Most model calls in flight.");

  public static final Key ML_BREAKER_FAILURES = key("ml_service", "circuit_breaker_failures", Type.INT, "5",
      "Consecutive failed calls that open the circuit breaker.");
  public static final Key ML_BREAKER_OPEN = key("ml_service", "circuit_breaker_open_seconds", Type.SECONDS, "30",
      "How long the breaker stays open before a trial call.");
  public static final Key ML_QUERY = key("ml_service", "query_parameters", Type.MAP, "{x: X, y: Y, z: Z, eda: EDA, hr: HR, temp: TEMP}",
      "Query parameter name -> window field whose mean it carries.");

  // influxdb
  public static final Key INFLUX_URL = key("influxdb", "url", Type.URL, "http://influxdb:8086", "InfluxDB URL.");
  public static final Key INFLUX_VERSION = choice("influxdb", "api_version", "1",
      "`1`: /write with database and retention policy; `2`: org, bucket and token (protocol-tested only).",
      "1", "2");
  public static final Key INFLUX_DB = key("influxdb", "database", Type.STRING, "flink_sink", "InfluxDB 1.x database.");
  public static final Key INFLUX_RP = key("influxdb", "retention_policy", Type.STRING, "(none: the default)",
      "InfluxDB 1.x retention policy.");
  public static final Key INFLUX_MEASUREMENT = key("influxdb", "measurement", Type.STRING, "nurse_stress",
      "Measurement the fallback writes.");
  public static final Key INFLUX_USER = key("influxdb", "username", Type.STRING, "(none)", "InfluxDB 1.x user.");
  public static final Key INFLUX_PASSWORD_ENV = key("influxdb", "password_env", Type.STRING, "INFLUXDB_PASSWORD",
      "Environment variable holding the password (secret; never logged).");
  public static final Key INFLUX_PASSWORD_FILE = key("influxdb", "password_file", Type.FILE, "(none)",
      "File holding the password, used when the variable is unset.");
  public static final Key INFLUX_ORG = key("influxdb", "org", Type.STRING, "(none)", "InfluxDB 2.x organisation.");
  public static final Key INFLUX_BUCKET = key("influxdb", "bucket", Type.STRING, "(none)", "InfluxDB 2.x bucket.");
  public static final Key INFLUX_TOKEN_ENV = key("influxdb", "token_env", Type.STRING, "INFLUXDB_TOKEN",
      "Environment variable holding the 2.x token (secret; never logged).");
  public static final Key INFLUX_TOKEN_FILE = key("influxdb", "token_file", Type.FILE, "(none)",
      "File holding the token, used when the variable is unset.");
  public static final Key SOURCE_TAG = key("influxdb", "source_tag", Type.STRING, "dask-fallback",
      "Value of the `source` tag on the fallback's points.");
  public static final Key SOURCE_AS_FIELD = key("influxdb", "source_as_field", Type.BOOLEAN, "false",
      "Write `source` as a field, so a window written by both sources is one point.");
  public static final Key PRIMARY_MEASUREMENT = key("influxdb", "primary_measurement", Type.STRING, "(= measurement)",
      "Measurement the primary writes (the seed's own Flink job wrote `flink_events`).");
  public static final Key PRIMARY_SOURCE = key("influxdb", "primary_source", Type.STRING, "(none: absent or not ours)",
      "`source` tag value of the primary's points.");
  public static final Key INFLUX_CHUNK = key("influxdb", "chunk_size", Type.INT, "5000", "Points per write request.");

  public static final Key INFLUX_TIMEOUT = key("influxdb", "timeout_seconds", Type.SECONDS, "10", "Per-request timeout.");
  public static final Key INFLUX_RETRY_SECONDS = key("influxdb", "max_retry_seconds", Type.SECONDS, "60",
      "How long one write is retried (5xx, timeouts) before the batch is held and retried by the loop.");

  // dask
  public static final Key DASK_SCHEDULER = deprecated("dask", "scheduler_address", Type.STRING,
      "processing runs inside this JVM; there is no scheduler");
  public static final Key DASK_WORKERS = key("dask", "n_workers", Type.INT, "2",
      "Validated and kept for the seed; with memory_limit it bounds memory. It sizes no thread pool: decoding and windowing run on the loop thread, model calls are bounded by ml_service.max_concurrency.");
  public static final Key DASK_THREADS = key("dask", "threads_per_worker", Type.INT, "2", "Validated and kept for the seed; sizes no thread pool (see n_workers).");
  public static final Key DASK_MEMORY = key("dask", "memory_limit", Type.SIZE, "2GB",
      "Per worker, like Dask (GB = 10^9, GiB = 2^30); n_workers x memory_limit bounds the bytes of records held.");

  // handoff
  public static final Key ADVANCE_PRIMARY = key("handoff", "advance_primary_offsets", Type.BOOLEAN, "false",
      "On hand-back, move the primary group's committed offsets to ours (only if that group has no members).");
  public static final Key REWIND_MARGIN = key("handoff", "rewind_margin_seconds", Type.SECONDS, "10",
      "Safety margin of the rewind on takeover.");

  // server
  public static final Key SERVER_BIND = key("server", "bind", Type.STRING, "127.0.0.1", "Status/metrics endpoint address.");
  public static final Key SERVER_PORT = key("server", "port", Type.INT, "8099", "Status/metrics endpoint port; 0 = any free port.");
  public static final Key SERVER_TOKEN_ENV = key("server", "token_env", Type.STRING, "FALLBACK_ADMIN_TOKEN",
      "Environment variable holding the token that `POST /mode` requires.");

  /** Every key, in README order. */
  public static final List<Key> ALL = List.copyOf(KEYS);

  /** The sections, in README order. */
  public static final List<String> SECTIONS =
      List.of("kafka", "processing", "monitoring", "ml_service", "influxdb", "dask", "handoff", "server");

  private static final Map<String, Key> BY_PATH = new LinkedHashMap<>();

  static {
    for (Key k : ALL) {
      BY_PATH.put(k.path(), k);
    }
  }

  /**
   * Finds a key by its dotted path.
   *
   * @param path e.g. {@code kafka.topic}
   * @return the key, if known
   */
  public static Optional<Key> byPath(String path) {
    return Optional.ofNullable(BY_PATH.get(path));
  }

  /**
   * The seed's environment variables and the keys they override.
   *
   * @return variable name to key
   */
  public static Map<String, Key> seedEnvironment() {
    return Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", KAFKA_BOOTSTRAP,
        "LATENCY_THRESHOLD", THRESHOLD,
        "BATCH_SIZE", BATCH_SIZE);
  }
}
