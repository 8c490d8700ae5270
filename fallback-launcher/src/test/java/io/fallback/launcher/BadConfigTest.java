package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every bad configuration exits with 2 and a message naming the key; no stack trace. */
class BadConfigTest {

  @TempDir Path dir;

  static Stream<Arguments> badConfigs() {
    return Stream.of(
        Arguments.of("kafka:\n  topik: x\n", "kafka.topik: unknown key (did you mean topic?)"),
        Arguments.of(
            "monitorin:\n  check_interval_seconds: 1\n",
            "monitorin: unknown section (did you mean monitoring?)"),
        Arguments.of(
            "monitoring:\n  latency_threshold_secs: 10\n",
            "monitoring.latency_threshold_secs: unknown key (did you mean latency_threshold_seconds?)"),
        Arguments.of(
            "monitoring:\n  latency_threshold_seconds: -1\n",
            "monitoring.latency_threshold_seconds: must be >= 0"),
        Arguments.of(
            "monitoring:\n  latency_threshold_seconds: fast\n",
            "monitoring.latency_threshold_seconds: must be a number of seconds, but was 'fast'"),
        Arguments.of(
            "monitoring:\n  consecutive_violations: 0\n",
            "monitoring.consecutive_violations: must be >= 1, but was 0"),
        Arguments.of(
            "monitoring:\n  consecutive_violations: 2.5\n",
            "monitoring.consecutive_violations: must be an integer, but was 2.5"),
        Arguments.of(
            "monitoring:\n  check_interval_seconds: 0\n",
            "monitoring.check_interval_seconds: must be > 0"),
        Arguments.of(
            "monitoring:\n  latency_threshold_seconds: 100\n  resume_threshold_seconds: 150\n",
            "monitoring.resume_threshold_seconds: must be <= monitoring.latency_threshold_seconds (100.0s), but was 150.0s"),
        Arguments.of(
            "monitoring:\n  consecutive_recoveries: 0\n",
            "monitoring.consecutive_recoveries: must be >= 1"),
        Arguments.of(
            "monitoring:\n  min_fallback_seconds: -5\n",
            "monitoring.min_fallback_seconds: must be >= 0"),
        Arguments.of(
            "monitoring:\n  probe_timeout_seconds: 0\n",
            "monitoring.probe_timeout_seconds: must be > 0"),
        Arguments.of(
            "monitoring:\n  health_check_interval_seconds: 60\n",
            "monitoring.health_check_interval_seconds: must be shorter than monitoring.check_interval_seconds (60s), but was 60s"),
        Arguments.of(
            "monitoring:\n  health_check_interval_seconds: 5\n  health_probe: none\n",
            "monitoring.health_check_interval_seconds: needs a health probe, but monitoring.health_probe is none"),
        Arguments.of(
            "shadow:\n  measurement: nurse_stress\n",
            "shadow.measurement: must differ from influxdb.measurement (nurse_stress)"),
        Arguments.of(
            "shadow:\n  sample_every: 0\n", "shadow.sample_every: must be >= 1, but was 0"),
        Arguments.of(
            "shadow:\n  max_differing_percent: 150\n", "shadow.max_differing_percent: must be"),
        Arguments.of(
            "monitoring:\n  health_confirmations: 0\n",
            "monitoring.health_confirmations: must be >= 1, but was 0"),
        Arguments.of(
            "monitoring:\n  latency_source: prometheus\n",
            "monitoring.latency_source: must be one of kafka_lag, influx_freshness, both, but was 'prometheus'"),
        Arguments.of(
            "monitoring:\n  flink_rest_url: jobmanager:8081\n",
            "monitoring.flink_rest_url: must be an http:// or https:// URL with a host"),
        Arguments.of(
            "kafka:\n  auto_offset_reset: beginning\n",
            "kafka.auto_offset_reset: must be one of earliest, latest, but was 'beginning'"),
        Arguments.of(
            "kafka:\n  properties: [a, b]\n",
            "kafka.properties: must be a mapping of client properties"),
        Arguments.of("kafka:\n  topic: ''\n", "kafka.topic: must be a non-empty string"),
        Arguments.of(
            "processing:\n  batch_size: 0\n", "processing.batch_size: must be >= 1, but was 0"),
        Arguments.of(
            "processing:\n  batch_size: lots\n",
            "processing.batch_size: must be an integer, but was 'lots'"),
        Arguments.of(
            "processing:\n  batch_timeout_seconds: -3\n",
            "processing.batch_timeout_seconds: must be > 0"),
        Arguments.of(
            "processing:\n  window_seconds: 0\n", "processing.window_seconds: must be > 0"),
        Arguments.of(
            "processing:\n  schema_file: /does/not/exist.avsc\n",
            "processing.schema_file: file /does/not/exist.avsc does not exist"),
        Arguments.of(
            "processing:\n  format: protobuf\n", "processing.format: must be one of avro, json"),
        Arguments.of("processing:\n  fields: []\n", "processing.fields: must be a non-empty list"),
        Arguments.of(
            "ml_service:\n  endpoint: not a url\n",
            "ml_service.endpoint: must be an http:// or https:// URL"),
        Arguments.of(
            "ml_service:\n  timeout_seconds: 0\n", "ml_service.timeout_seconds: must be > 0"),
        Arguments.of(
            "ml_service:\n  retry_attempts: 0\n", "ml_service.retry_attempts: must be >= 1"),
        Arguments.of(
            "ml_service:\n  max_concurrency: -1\n", "ml_service.max_concurrency: must be >= 1"),
        Arguments.of(
            "ml_service:\n  health_endpoint: health\n",
            "ml_service.health_endpoint: must be a path such as /health (on ml_service.endpoint's host and port), an http:// or https:// URL, or none to skip the check, but was 'health'"),
        Arguments.of(
            "ml_service:\n  health_endpoint: ftp://model/health\n",
            "ml_service.health_endpoint: must be a path such as /health"),
        Arguments.of(
            "ml_service:\n  health_endpoint: off\n",
            "ml_service.health_endpoint: must be a path such as /health (on ml_service.endpoint's host and port), an http:// or https:// URL, or none to skip the check, but was 'false' (to turn the check off, write none)"),
        Arguments.of(
            "influxdb:\n  url: ftp://influxdb:8086\n",
            "influxdb.url: must be an http:// or https:// URL"),
        Arguments.of(
            "influxdb:\n  api_version: 3\n",
            "influxdb.api_version: must be one of 1, 2, but was 3"),
        Arguments.of(
            "influxdb:\n  api_version: 2\n",
            "influxdb.org: required when influxdb.api_version is 2"),
        Arguments.of(
            "influxdb:\n  source_as_field: maybe\n",
            "influxdb.source_as_field: must be true or false, but was 'maybe'"),
        Arguments.of(
            "dask:\n  memory_limit: two gigs\n",
            "dask.memory_limit: must be a size such as 2GB or 512MiB"),
        Arguments.of("dask:\n  n_workers: 0\n", "dask.n_workers: must be >= 1, but was 0"),
        Arguments.of(
            "server:\n  port: 70000\n", "server.port: must be between 0 and 65535, but was 70000"),
        Arguments.of(
            "handoff:\n  advance_primary_offsets: yes please\n",
            "handoff.advance_primary_offsets: must be true or false"),
        Arguments.of("kafka: [1, 2]\n", "kafka: must be a mapping of keys"),
        Arguments.of("kafka:\n  topic: [unclosed\n", "(file): not valid YAML"),
        Arguments.of(
            "kafka:\n\ttopic: x\n",
            "(file): not valid YAML at line 2, column 1: found character '\\t(TAB)'"),
        Arguments.of(
            "kafka:\n  topic: a\n  topic: b\n", "kafka.topic: duplicate key at line 3, column 3"),
        Arguments.of("", " is empty (no section); write {} to run on the defaults alone"),
        Arguments.of("# only a comment\n", " is empty (no section)"),
        Arguments.of(
            "monitoring:\n  flink_job_name: nurse-stress\n  flink_job_id: 0123456789abcdef0123456789abcdef\n",
            "monitoring.flink_job_name: set at most one of monitoring.flink_job_name ('nurse-stress') and monitoring.flink_job_id"),
        Arguments.of(
            "monitoring:\n  flink_job_id: job-1\n",
            "monitoring.flink_job_id: must be a Flink job id (32 hex digits), but was 'job-1'"),
        Arguments.of(
            "influxdb:\n  api_version: 2\n  org: o\n",
            "influxdb.bucket: required when influxdb.api_version is 2"),
        Arguments.of(
            "influxdb:\n  primary_id_tag: ''\n",
            "influxdb.primary_id_tag: must be a non-empty string"),
        Arguments.of(
            "influxdb:\n  primary_stress_field: ' '\n",
            "influxdb.primary_stress_field: must be a non-empty string"),
        Arguments.of(
            "kafka:\n  properties:\n    group.id: mine\n",
            "kafka.properties.\"group.id\": would be ignored"),
        Arguments.of(
            "influxdb:\n  chunk_size: 2000000\n",
            "influxdb.chunk_size: must be between 1 and 1000000, but was 2000000"),
        Arguments.of(
            "ml_service:\n  query_parameters:\n    x: X\n    y: yes\n",
            "ml_service.query_parameters: the value of y must be a field name (a string or a number), but was true"),
        Arguments.of(
            "ml_service:\n  query_parameters:\n    x: Q\n",
            "ml_service.query_parameters: field Q is not in processing.fields"),
        Arguments.of(
            "ml_service:\n  query_parameters: {}\n",
            "ml_service.query_parameters: must not be empty"),
        Arguments.of(
            "processing:\n  timestamp_format: 'yyyy {'\n",
            "processing.timestamp_format: must be a DateTimeFormatter pattern"),
        Arguments.of(
            "processing:\n  dlq_topic: stress-topic\n",
            "processing.dlq_topic: must differ from kafka.topic, but both are stress-topic"),
        Arguments.of(
            "processing:\n  window_seconds: 2.5\n",
            "processing.window_seconds: must be whole seconds, but was 2.5"),
        Arguments.of(
            "monitoring:\n  primary_group_id: dask-fallback-consumer\n",
            "monitoring.primary_group_id: must differ from kafka.group_id"));
  }

  /**
   * One rule states each constraint, so one mistake gives one message, even where two records see
   * the value.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "monitoring:\n  latency_threshold_seconds: -1\n",
        "monitoring:\n  latency_threshold_seconds: 100\n  resume_threshold_seconds: 150\n",
        "monitoring:\n  latency_threshold_seconds: 0\n  resume_threshold_seconds: 5\n",
        "processing:\n  batch_size: 0\n",
        "processing:\n  batch_timeout_seconds: 0\n",
        "kafka:\n  topic: ''\n",
        "kafka:\n  group_id: ''\nmonitoring:\n  primary_group_id: dask-fallback-consumer\n",
        "ml_service:\n  endpoint: not a url\n  health_endpoint: /ready\n",
        "monitoring:\n  probe_timeout_seconds: 0\n",
        "influxdb:\n  measurement: ' '\n"
      })
  void oneMistake_givesOneMessage(String yaml) throws IOException {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, yaml);
    StringWriter err = new StringWriter();

    int code =
        Main.execute(
            new String[] {"validate", "--offline", "--config", file.toString()},
            Map.of(),
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(err, true));

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("Invalid configuration (1 problem):");
  }

  @Test
  void badValueFromTheEnvironment_namesTheKeyAndTheVariable() throws Exception {
    Path seed = Path.of(BadConfigTest.class.getResource("/seed-config.yaml").toURI());
    StringWriter err = new StringWriter();

    int code =
        Main.execute(
            new String[] {"validate", "--offline", "--config", seed.toString()},
            Map.of("BATCH_SIZE", "lots", "FALLBACK_ML_SERVICE_MAX_CONCURRENCY", "0"),
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(err, true));

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("processing.batch_size (from BATCH_SIZE): must be an integer, but was 'lots'")
        .contains(
            "ml_service.max_concurrency (from FALLBACK_ML_SERVICE_MAX_CONCURRENCY): must be >= 1, but was 0");
  }

  @Test
  void negativeLatencyThresholdFromTheEnvironment_namesOnlyThatKeyAndVariable() throws Exception {
    Path seed = Path.of(BadConfigTest.class.getResource("/seed-config.yaml").toURI());
    StringWriter err = new StringWriter();

    int code =
        Main.execute(
            new String[] {"validate", "--offline", "--config", seed.toString()},
            Map.of("LATENCY_THRESHOLD", "-1"),
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(err, true));

    assertThat(code).isEqualTo(2);
    assertThat(err.toString().lines())
        .containsExactly(
            "Invalid configuration (1 problem):",
            "  monitoring.latency_threshold_seconds (from LATENCY_THRESHOLD): must be >= 0, but was -1.0s");
  }

  @Test
  void kafkaPropertiesFromTheEnvironment_validate() throws Exception {
    Path seed = Path.of(BadConfigTest.class.getResource("/seed-config.yaml").toURI());
    StringWriter out = new StringWriter();

    int code =
        Main.execute(
            new String[] {"validate", "--offline", "--config", seed.toString()},
            Map.of(
                "FALLBACK_KAFKA_PROPERTIES_SECURITY_PROTOCOL",
                "SASL_SSL",
                "FALLBACK_KAFKA_PROPERTIES_SASL_MECHANISM",
                "SCRAM-SHA-512",
                "FALLBACK_KAFKA_PROPERTIES_SASL_JAAS_CONFIG",
                "ScramLoginModule required password=\"hunter2\";"),
            new PrintWriter(out, true),
            new PrintWriter(new StringWriter(), true));

    assertThat(code).isZero();
    assertThat(out.toString()).contains("configuration: OK").doesNotContain("hunter2");
  }

  @Test
  void badKafkaPropertyFromTheEnvironment_exits2_namingTheVariable() throws Exception {
    Path seed = Path.of(BadConfigTest.class.getResource("/seed-config.yaml").toURI());
    StringWriter err = new StringWriter();

    int code =
        Main.execute(
            new String[] {"validate", "--offline", "--config", seed.toString()},
            Map.of(
                "FALLBACK_KAFKA_PROPERTIES_BOOTSTRAP_SERVERS",
                "broker:9093",
                "FALLBACK_KAFKA_PROPERTIES_SSL____KEY",
                "x"),
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(err, true));

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("FALLBACK_KAFKA_PROPERTIES_SSL____KEY: a run of 4 underscores is ambiguous")
        .contains(
            "kafka.properties.\"bootstrap.servers\" (from FALLBACK_KAFKA_PROPERTIES_BOOTSTRAP_SERVERS): would be"
                + " ignored");
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badConfigs")
  void badConfig_exits2_namingTheKey(String yaml, String expected) throws IOException {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, yaml);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    int code =
        Main.execute(
            new String[] {"validate", "--offline", "--config", file.toString()},
            Map.of(),
            new PrintWriter(out, true),
            new PrintWriter(err, true));

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains(expected)
        .doesNotContain("\tat ")
        .doesNotContain("Exception");
  }

  @Test
  void seedConfig_validatesOffline_withWarnings() throws Exception {
    Path seed = Path.of(BadConfigTest.class.getResource("/seed-config.yaml").toURI());
    StringWriter out = new StringWriter();

    int code =
        Main.execute(
            new String[] {"validate", "--offline", "--config", seed.toString()},
            Map.of(),
            new PrintWriter(out, true),
            new PrintWriter(new StringWriter(), true));

    assertThat(code).isZero();
    assertThat(out.toString())
        .contains("configuration: OK")
        .contains("warning: kafka.enable_auto_commit is ignored");
  }

  @Test
  void missingConfigFile_exits2() {
    StringWriter err = new StringWriter();

    int code =
        Main.execute(
            new String[] {"validate", "--offline", "--config", dir.resolve("nope.yaml").toString()},
            Map.of(),
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(err, true));

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--config: cannot read");
  }

  @Test
  void unknownOption_exits2() {
    int code =
        Main.execute(
            new String[] {"run", "--confg", "x"},
            Map.of(),
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(new StringWriter(), true));

    assertThat(code).isEqualTo(2);
  }
}
