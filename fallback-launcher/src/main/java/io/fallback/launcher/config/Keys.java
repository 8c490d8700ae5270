package io.fallback.launcher.config;

import static io.fallback.launcher.config.ConfigDef.Type.BOOLEAN;
import static io.fallback.launcher.config.ConfigDef.Type.FILE;
import static io.fallback.launcher.config.ConfigDef.Type.INT;
import static io.fallback.launcher.config.ConfigDef.Type.LIST;
import static io.fallback.launcher.config.ConfigDef.Type.MAP;
import static io.fallback.launcher.config.ConfigDef.Type.NAME_MAP;
import static io.fallback.launcher.config.ConfigDef.Type.SECONDS;
import static io.fallback.launcher.config.ConfigDef.Type.SIZE;
import static io.fallback.launcher.config.ConfigDef.Type.STRING;
import static io.fallback.launcher.config.ConfigDef.Type.URL;
import static io.fallback.launcher.config.ConfigDef.absent;
import static io.fallback.launcher.config.ConfigDef.atLeast;
import static io.fallback.launcher.config.ConfigDef.atLeastBytes;
import static io.fallback.launcher.config.ConfigDef.between;
import static io.fallback.launcher.config.ConfigDef.derived;
import static io.fallback.launcher.config.ConfigDef.positive;
import static io.fallback.launcher.config.ConfigDef.wholeSeconds;

import io.fallback.core.loop.LoopSettings;
import io.fallback.launcher.config.ConfigDef.Default;
import io.fallback.launcher.config.ConfigDef.Validator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The definition table: every configuration key the launcher knows, in README order, each defined
 * once with its type, default, rule and meaning ({@link ConfigDef#define}). {@link ConfigDef} says
 * which rules a validator here states and which the settings records state. The {@code influxdb}
 * section is defined by {@code InfluxKeys}, at its place in the table, and re-exported here.
 */
public final class Keys {

  private Keys() {}

  private static final ConfigDef DEF = new ConfigDef();

  // kafka
  public static final Key KAFKA_BOOTSTRAP =
      string(
          "kafka.bootstrap_servers",
          "localhost:9092",
          "Kafka bootstrap servers (env `KAFKA_BOOTSTRAP_SERVERS` overrides).");
  public static final Key KAFKA_TOPIC = string("kafka.topic", "stress-topic", "Input topic.");
  public static final Key KAFKA_GROUP =
      string("kafka.group_id", "dask-fallback-consumer", "The fallback's own consumer group.");
  public static final Key KAFKA_RESET =
      DEF.defineChoice(
          "kafka.auto_offset_reset",
          "latest",
          "Where to start a partition for which neither the primary's group nor ours has committed offsets.",
          "earliest",
          "latest");
  public static final Key KAFKA_AUTO_COMMIT =
      DEF.defineIgnored(
          "kafka.enable_auto_commit",
          BOOLEAN,
          "auto-commit is always off; offsets are committed only after InfluxDB acknowledged the windows before them");
  public static final Key KAFKA_AUTO_COMMIT_INTERVAL =
      DEF.defineIgnored(
          "kafka.auto_commit_interval_ms",
          INT,
          "commits are coalesced by processing.commit_interval_ms");
  public static final Key KAFKA_PROPERTIES =
      map(
          "kafka.properties",
          "{}",
          "Kafka client properties passed through to the consumer, producer and admin client unchanged "
              + "(`consumer.`, `producer.`, `admin.` prefixes route one to one client). "
              + "`FALLBACK_KAFKA_PROPERTIES_<NAME>` sets one over the file's (see above); secret values "
              + "(`sasl.jaas.config`, `*password*`, `*secret*`) are masked wherever the configuration is shown.");
  public static final Key KAFKA_SASL_ENV =
      string(
          "kafka.sasl_jaas_config_env",
          "KAFKA_SASL_JAAS_CONFIG",
          "Environment variable holding `sasl.jaas.config` (secret; never logged).");
  public static final Key KAFKA_SASL_FILE =
      file(
          "kafka.sasl_jaas_config_file",
          absent("(none)"),
          "File holding `sasl.jaas.config`, used when the variable is unset.");

  // processing
  public static final Key BATCH_SIZE =
      integer(
          "processing.batch_size",
          "1000",
          atLeast(1),
          "Most records per poll (env `BATCH_SIZE` overrides).");
  public static final Key BATCH_TIMEOUT =
      seconds("processing.batch_timeout_seconds", "30", "Longest wait to fill a batch.");
  public static final Key CHECKPOINT_INTERVAL =
      DEF.defineIgnored(
          "processing.checkpoint_interval",
          INT,
          "offsets are committed after every acknowledged write, coalesced by processing.commit_interval_ms");
  public static final Key PIPELINE_DEPTH =
      integer(
          "processing.pipeline_depth",
          "2",
          between(0, LoopSettings.MAX_PIPELINE_DEPTH),
          "Batches between reading and writing at most: the model calls of one overlap the reading, "
              + "windowing and writing of the others. 0: the serial loop (poll, window, call, write, "
              + "commit, poll).");
  public static final Key COMMIT_INTERVAL =
      integer(
          "processing.commit_interval_ms",
          "1000",
          atLeast(0),
          "Least time between two offset commits.");
  public static final Key WINDOW =
      seconds("processing.window_seconds", "5", wholeSeconds(), "Tumbling window length.");
  public static final Key OUT_OF_ORDER =
      seconds(
          "processing.max_out_of_orderness_seconds",
          "5",
          "Bounded out-of-orderness of the watermark, as in the primary job.");
  public static final Key FORMAT =
      DEF.defineChoice("processing.format", "avro", "Record value format.", "avro", "json");
  public static final Key SCHEMA_FILE =
      file(
          "processing.schema_file",
          absent("(built-in nurse schema)"),
          "Avro schema of the record values (raw binary datum, no registry).");
  public static final Key KEY_FIELD =
      string("processing.key_field", "id", "Field holding the window key.");
  public static final Key TIMESTAMP_FIELD =
      string(
          "processing.timestamp_field",
          "datetime",
          "Field holding the event time, or `kafka_timestamp` for the record timestamp.");
  public static final Key TIMESTAMP_FORMAT =
      string(
          "processing.timestamp_format",
          "yyyy-MM-dd HH:mm:ss.SSS",
          "Layout of the event time (UTC).");
  public static final Key FIELDS =
      DEF.define(
          "processing.fields",
          LIST,
          "[X, Y, Z, EDA, HR, TEMP]",
          null,
          "Numeric fields averaged per window, written under these names.");
  public static final Key DLQ_TOPIC =
      string(
          "processing.dlq_topic",
          derived("<topic>.dlq", value -> value.apply(Keys.KAFKA_TOPIC) + ".dlq"),
          "Dead-letter topic for undecodable and late records.");

  // monitoring
  public static final Key THRESHOLD =
      seconds(
          "monitoring.latency_threshold_seconds",
          "300",
          "Latency above which a check violates; 0 forces fallback (env `LATENCY_THRESHOLD` overrides).");
  public static final Key VIOLATIONS =
      integer(
          "monitoring.consecutive_violations",
          "3",
          "Violating checks in a row that trigger fallback.");
  public static final Key CHECK_INTERVAL =
      seconds("monitoring.check_interval_seconds", "60", positive(), "Time between checks.");
  public static final Key RESUME =
      seconds(
          "monitoring.resume_threshold_seconds",
          derived(
              "half the threshold", value -> ((Duration) value.apply(Keys.THRESHOLD)).dividedBy(2)),
          "Latency below which a healthy check counts as a recovery; at most the threshold (equal to it is allowed: "
              + "no band between violating and recovering).");
  public static final Key RECOVERIES =
      integer(
          "monitoring.consecutive_recoveries",
          "1",
          "Recovering checks in a row that hand back to the primary.");
  public static final Key MIN_FALLBACK =
      seconds(
          "monitoring.min_fallback_seconds", "0", "Least time in fallback before handing back.");
  public static final Key PROBE_TIMEOUT =
      seconds(
          "monitoring.probe_timeout_seconds",
          "10",
          positive(),
          "Bound of each latency read and health probe; a hung probe counts as unhealthy.");
  public static final Key HEALTH_INTERVAL =
      seconds(
          "monitoring.health_check_interval_seconds",
          "0",
          "Fast confirmation of a dead primary: the health probe also runs on its own at this interval "
              + "(shorter than the check interval), and `health_confirmations` unhealthy readings in a row "
              + "trigger fallback at once; latency keeps the check rule. 0: off (the seed's behaviour).");
  public static final Key HEALTH_CONFIRMATIONS =
      integer(
          "monitoring.health_confirmations",
          "3",
          atLeast(1),
          "Unhealthy health readings in a row (probes and checks) that confirm a dead primary, when "
              + "`health_check_interval_seconds` is set; a healthy reading starts the count again.");
  public static final Key LATENCY_SOURCE =
      DEF.defineChoice(
          "monitoring.latency_source",
          "kafka_lag",
          "How the primary's latency is measured (`both` takes the worse).",
          "kafka_lag",
          "influx_freshness",
          "both");
  public static final Key PRIMARY_GROUP =
      string(
          "monitoring.primary_group_id",
          "flink-consumer",
          "The primary's consumer group (Flink's KafkaSource commits its checkpointed offsets under it).");
  public static final Key HEALTH_MODE =
      DEF.defineChoice(
          "monitoring.health_probe",
          "flink_rest",
          "`flink_rest` checks the configured job; `legacy_overview` is the seed's `jobs-running > 0`; `none` disables it.",
          "flink_rest",
          "legacy_overview",
          "none");
  public static final Key FLINK_URL =
      url("monitoring.flink_rest_url", "http://jobmanager:8081", "Flink JobManager REST endpoint.");
  public static final Key FLINK_JOB =
      string(
          "monitoring.flink_job_name",
          absent("(none: any running job)"),
          "Name of the primary job.");
  public static final Key FLINK_JOB_ID =
      string(
          "monitoring.flink_job_id",
          absent("(none)"),
          "Id of the primary job, instead of its name.");
  public static final Key MAX_CHECKPOINT_AGE =
      seconds(
          "monitoring.max_checkpoint_age_seconds",
          "600",
          "A job whose last completed checkpoint is older is unhealthy; 0 disables the check.");

  // ml_service
  public static final Key ML_ENDPOINT =
      url(
          "ml_service.endpoint",
          "http://stress-prediction-service:5000/model/api/predict",
          "Model service predict endpoint.");
  public static final Key ML_HEALTH =
      string(
          "ml_service.health_endpoint",
          absent("(none: a predict request)"),
          "How `validate` checks the model service. Absent: one predict request with every query parameter 0.0; "
              + "reachable on a 2xx with a prediction, or on 400, 422 or 429 (there, but refused the values or busy). "
              + "A path such as `/health` (on the endpoint's scheme, host and port) or an http(s) URL: GET it, 2xx is healthy. "
              + "`none`: not checked.");
  public static final Key ML_TIMEOUT =
      seconds("ml_service.timeout_seconds", "10", "Per-call timeout.");
  public static final Key ML_RETRIES =
      integer(
          "ml_service.retry_attempts",
          "3",
          atLeast(1),
          "Total tries per call, with backoff and jitter.");
  public static final Key ML_CONCURRENCY =
      integer("ml_service.max_concurrency", "32", "Most model calls in flight.");
  public static final Key ML_BREAKER_FAILURES =
      integer(
          "ml_service.circuit_breaker_failures",
          "5",
          "Consecutive failed calls that open the circuit breaker.");
  public static final Key ML_BREAKER_OPEN =
      seconds(
          "ml_service.circuit_breaker_open_seconds",
          "30",
          "How long the breaker stays open before a trial call.");
  public static final Key ML_QUERY =
      DEF.define(
          "ml_service.query_parameters",
          NAME_MAP,
          "{x: X, y: Y, z: Z, eda: EDA, hr: HR, temp: TEMP}",
          null,
          "Query parameter name -> window field whose mean it carries.");

  public static final Key ML_BATCH_SIZE =
      integer(
          "ml_service.batch_size",
          "1",
          "Windows per model call. 1: one `GET` per window (the seed's request). Above 1, for a service "
              + "that offers it: one `POST` of up to that many windows to `ml_service.batch_endpoint`, "
              + "body `{\"instances\": [{\"x\": 0.1, ...}, ...]}` (the query parameters' names, one "
              + "object per window), answered by `{\"predictions\": [2, 1, ...]}` in the same order.");
  public static final Key ML_BATCH_ENDPOINT =
      string(
          "ml_service.batch_endpoint",
          absent("(none: `ml_service.endpoint`)"),
          "Where batched calls go (`ml_service.batch_size` above 1).");

  // influxdb, defined by InfluxKeys in this order
  private static final InfluxKeys INFLUX = new InfluxKeys(DEF);
  public static final Key INFLUX_URL = INFLUX.url;
  public static final Key INFLUX_VERSION = INFLUX.apiVersion;
  public static final Key INFLUX_DB = INFLUX.database;
  public static final Key INFLUX_RP = INFLUX.retentionPolicy;
  public static final Key INFLUX_MEASUREMENT = INFLUX.measurement;
  public static final Key INFLUX_USER = INFLUX.username;
  public static final Key INFLUX_PASSWORD_ENV = INFLUX.passwordEnv;
  public static final Key INFLUX_PASSWORD_FILE = INFLUX.passwordFile;
  public static final Key INFLUX_ORG = INFLUX.org;
  public static final Key INFLUX_BUCKET = INFLUX.bucket;
  public static final Key INFLUX_TOKEN_ENV = INFLUX.tokenEnv;
  public static final Key INFLUX_TOKEN_FILE = INFLUX.tokenFile;
  public static final Key SOURCE_TAG = INFLUX.sourceTag;
  public static final Key SOURCE_AS_FIELD = INFLUX.sourceAsField;
  public static final Key PRIMARY_MEASUREMENT = INFLUX.primaryMeasurement;
  public static final Key PRIMARY_SOURCE = INFLUX.primarySource;
  public static final Key PRIMARY_ID_TAG = INFLUX.primaryIdTag;
  public static final Key PRIMARY_STRESS_FIELD = INFLUX.primaryStressField;
  public static final Key INFLUX_CHUNK = INFLUX.chunkSize;
  public static final Key INFLUX_TIMEOUT = INFLUX.timeout;
  public static final Key INFLUX_RETRY_SECONDS = INFLUX.maxRetrySeconds;

  // dask
  public static final Key DASK_SCHEDULER =
      DEF.defineIgnored(
          "dask.scheduler_address",
          STRING,
          "processing runs inside this JVM; there is no scheduler");
  public static final Key DASK_WORKERS =
      integer(
          "dask.n_workers",
          "2",
          atLeast(1),
          "Validated and kept for the seed; with memory_limit it bounds memory. It sizes no thread pool: decoding and "
              + "windowing run on the loop thread, model calls are bounded by ml_service.max_concurrency.");
  public static final Key DASK_THREADS =
      integer(
          "dask.threads_per_worker",
          "2",
          atLeast(1),
          "Validated and kept for the seed; sizes no thread pool (see n_workers).");
  public static final Key DASK_MEMORY =
      DEF.define(
          "dask.memory_limit",
          SIZE,
          "2GB",
          atLeastBytes(1_000_000, "1MB"),
          "Per worker, like Dask (GB = 10^9, GiB = 2^30); n_workers x memory_limit bounds the bytes of records held.");

  // handoff
  public static final Key ADVANCE_PRIMARY =
      DEF.define(
          "handoff.advance_primary_offsets",
          BOOLEAN,
          "false",
          null,
          "On hand-back, move the primary group's committed offsets to ours (only if that group has no members).");
  public static final Key REWIND_MARGIN =
      seconds("handoff.rewind_margin_seconds", "10", "Safety margin of the rewind on takeover.");

  // shadow
  public static final Key SHADOW_ENABLED =
      DEF.define(
          "shadow.enabled",
          BOOLEAN,
          "false",
          null,
          "Shadow mode: while the primary is healthy, the fallback runs beside it in its own group "
              + "(`kafka.group_id`), windows the same records, scores a sample of windows and compares "
              + "each with the primary's point; it writes nothing to the primary's measurement and "
              + "commits only windows the primary has written, so a take-over starts at the first "
              + "window the primary has not written. Costs: model calls (see the next keys) and a few "
              + "InfluxDB queries per batch.");
  public static final Key SHADOW_SAMPLE_EVERY =
      integer(
          "shadow.sample_every",
          "1",
          "Compare one window in this many (1: every window), chosen by a hash of key and window start.");
  public static final Key SHADOW_BUDGET =
      integer(
          "shadow.max_model_calls_per_second",
          "20",
          atLeast(0),
          "Most model calls per second the shadow makes; sampled windows over it pass unscored "
              + "(counted as over budget). 0: no limit.");
  public static final Key SHADOW_GRACE =
      seconds(
          "shadow.grace_seconds",
          "30",
          positive(),
          "How long the primary has to write a window before it counts as missing (once the primary "
              + "has moved past it).");
  public static final Key SHADOW_MAX_DIFFERING =
      integer(
          "shadow.max_differing_percent",
          "0",
          between(0, 100),
          "Differing windows per compared window, in percent, above which a warning is logged and "
              + "`fallback_shadow_alerting` is 1.");
  public static final Key SHADOW_MAX_MISSING =
      integer(
          "shadow.max_missing_percent",
          "1",
          between(0, 100),
          "Windows the primary did not write, in percent of those it should have, above which a "
              + "warning is logged and `fallback_shadow_alerting` is 1.");
  public static final Key SHADOW_LOG_DIFFERENCES =
      integer(
          "shadow.log_differences",
          "5",
          atLeast(0),
          "The first differences logged one by one (key, window, both values) and listed in `/status`.");
  public static final Key SHADOW_MEASUREMENT =
      string(
          "shadow.measurement",
          absent("(none: write nothing)"),
          "Also write the shadow's scored points to this measurement (same database, the fallback's "
              + "source tag); never the primary's measurement.");

  // group
  public static final Key GROUP_ENABLED =
      DEF.define(
          "group.enabled",
          BOOLEAN,
          "false",
          null,
          "Several launchers with the same `kafka.group_id` share the work: Kafka's group protocol "
              + "splits the partitions, one instance (elected through Kafka) decides the mode and "
              + "publishes each decision to the decision topic, every instance follows the newest. "
              + "Turn on for every instance of a group, including a lone hot spare.");
  public static final Key GROUP_TOPIC =
      string(
          "group.decision_topic",
          absent("(none: `<kafka.group_id>.decisions`)"),
          "The decision topic: created on first use with 1 partition, `cleanup.policy=compact`, the "
              + "broker's default replication and `min.insync.replicas`; an existing one must have "
              + "that shape.");
  public static final Key GROUP_SESSION =
      seconds(
          "group.session_timeout_seconds",
          "10",
          positive(),
          "A silent decider keeps the role this long, and a dead instance its partitions (the "
              + "fallback consumer's `session.timeout.ms` unless `kafka.properties` sets it); the "
              + "broker accepts 6 to 1800 s by default.");
  public static final Key GROUP_INSTANCE =
      string(
          "group.instance_id",
          absent("(none: `<host name>-<server.port>`)"),
          "This instance's name in the group (`/status`, decisions, override requests); unique per "
              + "group.");

  // server
  public static final Key SERVER_BIND =
      string("server.bind", "127.0.0.1", "Status/metrics endpoint address.");
  public static final Key SERVER_PORT =
      integer(
          "server.port",
          "8099",
          between(0, 65535),
          "Status/metrics endpoint port; 0 = any free port.");
  public static final Key SERVER_TOKEN_ENV =
      string(
          "server.token_env",
          "FALLBACK_ADMIN_TOKEN",
          "Environment variable holding the token that `POST /mode` requires.");
  public static final Key SERVER_READY_BOUND =
      seconds(
          "server.ready_progress_seconds",
          "300",
          positive(),
          "`/health/ready` answers 503 when, in fallback, no batch was read for this long while records are unread.");

  // logging
  public static final Key LOGGING_LEVEL =
      string(
          "logging.level",
          absent("(none: the Logback file's, INFO)"),
          "Root log level: `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR` or `OFF`, in any case (env "
              + "`FALLBACK_LOGGING_LEVEL`).");
  public static final Key LOGGING_LEVELS =
      map(
          "logging.levels",
          "{}",
          "Logger (package or class) -> level, e.g. `{org.apache.kafka: WARN}` to see the Kafka client's warnings, "
              + "held back (`ERROR`) by default. `FALLBACK_LOGGING_LEVELS_<LOGGER>` sets one, named as for "
              + "`kafka.properties` (`FALLBACK_LOGGING_LEVELS_ORG_APACHE_KAFKA=WARN`).");

  /** Every key, in README order. */
  public static final List<Key> ALL = List.copyOf(DEF.keys());

  /** The sections, in README order. */
  public static final List<String> SECTIONS = DEF.sections();

  /**
   * Finds a key by its dotted path.
   *
   * @param path e.g. {@code kafka.topic}
   * @return the key, if known
   */
  public static Optional<Key> byPath(String path) {
    return DEF.find(path);
  }

  /**
   * The seed's environment variables and the keys they override; they win over the file and over
   * {@code FALLBACK_<SECTION>_<KEY>}.
   *
   * @return variable name to key
   */
  public static Map<String, Key> seedEnvironment() {
    return Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", KAFKA_BOOTSTRAP,
        "LATENCY_THRESHOLD", THRESHOLD,
        "BATCH_SIZE", BATCH_SIZE);
  }

  // The table's usual forms: ConfigDef#define with the type in the name and no validator, or, for
  // integers and seconds, the validator before the doc.

  private static Key string(String path, String dflt, String doc) {
    return DEF.define(path, STRING, dflt, null, doc);
  }

  private static Key string(String path, Default dflt, String doc) {
    return DEF.define(path, STRING, dflt, null, doc);
  }

  private static Key integer(String path, String dflt, String doc) {
    return integer(path, dflt, null, doc);
  }

  private static Key integer(String path, String dflt, Validator validator, String doc) {
    return DEF.define(path, INT, dflt, validator, doc);
  }

  private static Key seconds(String path, String dflt, String doc) {
    return seconds(path, dflt, null, doc);
  }

  private static Key seconds(String path, String dflt, Validator validator, String doc) {
    return DEF.define(path, SECONDS, dflt, validator, doc);
  }

  private static Key seconds(String path, Default dflt, String doc) {
    return DEF.define(path, SECONDS, dflt, null, doc);
  }

  private static Key file(String path, Default dflt, String doc) {
    return DEF.define(path, FILE, dflt, null, doc);
  }

  private static Key map(String path, String dflt, String doc) {
    return DEF.define(path, MAP, dflt, null, doc);
  }

  private static Key url(String path, String dflt, String doc) {
    return DEF.define(path, URL, dflt, null, doc);
  }
}
