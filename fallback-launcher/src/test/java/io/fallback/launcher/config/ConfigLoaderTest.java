package io.fallback.launcher.config;

import static io.fallback.launcher.config.ConfigFixtures.configErrors;
import static io.fallback.launcher.config.ConfigFixtures.load;
import static io.fallback.launcher.config.ConfigFixtures.loadSeed;
import static io.fallback.launcher.config.ConfigFixtures.problemsOf;
import static io.fallback.launcher.config.ConfigFixtures.problemsOfSeed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.http.FlinkProbeSettings;
import io.fallback.http.ModelHealthCheck;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @Test
  void seedConfig_loadsUnchanged_withOneWarningPerIgnoredKey() {
    FallbackConfig config = loadSeed();

    assertThat(config.string(Keys.KAFKA_BOOTSTRAP)).contains("kafka:9092");
    assertThat(config.string(Keys.KAFKA_RESET)).contains("latest");
    assertThat(config.integer(Keys.BATCH_SIZE)).isEqualTo(1000);
    assertThat(config.seconds(Keys.THRESHOLD)).isEqualTo(Duration.ofSeconds(300));
    assertThat(config.seconds(Keys.RESUME)).isEqualTo(Duration.ofSeconds(150));
    assertThat(config.integer(Keys.VIOLATIONS)).isEqualTo(3);
    assertThat(config.seconds(Keys.CHECK_INTERVAL)).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.string(Keys.ML_ENDPOINT))
        .contains("http://stress-prediction-service:5000/model/api/predict");
    assertThat(config.integer(Keys.ML_RETRIES)).isEqualTo(3);
    assertThat(config.string(Keys.INFLUX_MEASUREMENT)).contains("nurse_stress");
    assertThat(config.dask()).isEqualTo(new DaskConfig(2, 2, 2_000_000_000L));
    assertThat(config.dask().memoryBound()).isEqualTo(4_000_000_000L);
    assertThat(config.processing().dlqTopic()).isEqualTo("stress-topic.dlq");
    assertThat(config.policy().consecutiveViolations()).isEqualTo(3);
    assertThat(config.warnings())
        .hasSize(4)
        .anySatisfy(
            w ->
                assertThat(w)
                    .startsWith("kafka.enable_auto_commit is ignored: auto-commit is always off"))
        .anySatisfy(w -> assertThat(w).startsWith("kafka.auto_commit_interval_ms is ignored"))
        .anySatisfy(w -> assertThat(w).startsWith("processing.checkpoint_interval is ignored"))
        .anySatisfy(w -> assertThat(w).startsWith("dask.scheduler_address is ignored"));
  }

  @Test
  void emptyFile_givesDefaults() {
    FallbackConfig config = load("");

    assertThat(config.string(Keys.KAFKA_TOPIC)).contains("stress-topic");
    assertThat(config.string(Keys.PRIMARY_GROUP)).contains("flink-consumer");
    assertThat(config.windowSpec().size()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.string(Keys.SOURCE_TAG)).contains("dask-fallback");
    assertThat(config.warnings()).isEmpty();
  }

  @Test
  void environment_overridesFile_seedNamesWinOverGenericOnes() {
    Map<String, String> env =
        Map.of(
            "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092",
            "LATENCY_THRESHOLD", "42",
            "BATCH_SIZE", "77",
            "FALLBACK_ML_SERVICE_TIMEOUT_SECONDS", "2.5",
            "FALLBACK_PROCESSING_BATCH_SIZE", "5",
            "FALLBACK_ADMIN_TOKEN", "not-a-config-key");

    FallbackConfig config = loadSeed(env);

    assertThat(config.string(Keys.KAFKA_BOOTSTRAP)).contains("127.0.0.1:19092");
    assertThat(config.seconds(Keys.THRESHOLD)).isEqualTo(Duration.ofSeconds(42));
    assertThat(config.seconds(Keys.RESUME)).isEqualTo(Duration.ofSeconds(21));
    assertThat(config.integer(Keys.BATCH_SIZE)).isEqualTo(77);
    assertThat(config.seconds(Keys.ML_TIMEOUT)).isEqualTo(Duration.ofMillis(2500));
  }

  @Test
  void mlServiceHealthEndpoint_absentPathUrlOrNone_isAccepted() {
    ConfigLoader loader = new ConfigLoader(Map.of());
    String endpoint = "ml_service:\n  endpoint: http://model:5000/model/api/predict\n";

    FallbackConfig absent = loader.loadYaml(endpoint, null);
    FallbackConfig path = loader.loadYaml(endpoint + "  health_endpoint: /ready\n", null);
    FallbackConfig url =
        loader.loadYaml(endpoint + "  health_endpoint: https://ops:8443/model/up\n", null);
    FallbackConfig none = loader.loadYaml(endpoint + "  health_endpoint: none\n", null);

    assertThat(absent.string(Keys.ML_HEALTH)).isEmpty();
    assertThat(absent.modelServiceSettings().healthCheck()).isEqualTo(ModelHealthCheck.predict());
    assertThat(path.modelServiceSettings().healthCheck())
        .isEqualTo(ModelHealthCheck.get(URI.create("http://model:5000/ready")));
    assertThat(url.modelServiceSettings().healthCheck())
        .isEqualTo(ModelHealthCheck.get(URI.create("https://ops:8443/model/up")));
    assertThat(none.modelServiceSettings().healthCheck()).isEqualTo(ModelHealthCheck.none());
  }

  @Test
  void mlServiceHealthEndpoint_fromEnvironment_overridesFile() {
    ConfigLoader loader = new ConfigLoader(Map.of("FALLBACK_ML_SERVICE_HEALTH_ENDPOINT", "none"));

    FallbackConfig config = loader.loadYaml("ml_service:\n  health_endpoint: /health\n", null);

    assertThat(config.modelServiceSettings().healthCheck()).isEqualTo(ModelHealthCheck.none());
  }

  @Test
  void mlServiceHealthEndpoint_invalid_isRejectedNamingTheKeyWithOtherErrors() {
    String yaml = "ml_service:\n  health_endpoint: ready\n  retry_attempts: 0\n";

    assertThat(problemsOf(yaml))
        .containsExactlyInAnyOrder(
            "ml_service.retry_attempts: must be >= 1, but was 0",
            "ml_service.health_endpoint: must be a path such as /health (on ml_service.endpoint's host and port),"
                + " an http:// or https:// URL, or none to skip the check, but was 'ready'");
  }

  @Test
  void mlServiceQueryParameters_keepTheFilesOrder() {
    String yaml =
        "ml_service:\n  query_parameters:\n    temp: TEMP\n    hr: HR\n    x: X\n    eda: EDA\n";

    FallbackConfig config = load(yaml);

    assertThat(config.modelServiceSettings().queryParameters().keySet())
        .containsExactly("temp", "hr", "x", "eda");
    assertThat(load("").modelServiceSettings().queryParameters().keySet())
        .containsExactly("x", "y", "z", "eda", "hr", "temp");
  }

  @Test
  void envNamingNoKey_isAnError() {
    assertThatThrownBy(() -> load("", Map.of("FALLBACK_KAFKA_TOPIK", "x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "FALLBACK_KAFKA_TOPIK: environment variable names no known key (kafka.topik)");
  }

  @Test
  void zeroThreshold_isAcceptedWithAWarning() {
    FallbackConfig config = load("monitoring:\n  latency_threshold_seconds: 0\n");

    assertThat(config.policy().forcesFallback()).isTrue();
    assertThat(config.warnings()).singleElement().asString().contains("forced on");
  }

  @Test
  void everyErrorIsReportedAtOnce() {
    String yaml =
        "kafka:\n  topik: x\nmonitoring:\n  consecutive_violations: 0\n  check_interval_seconds: abc\n";

    assertThat(problemsOf(yaml)).hasSize(3);
  }

  @Test
  void sizes_parseLikeDask() {
    assertThat(ValueParser.parseSize("2GB", "")).isEqualTo(2_000_000_000L);
    assertThat(ValueParser.parseSize("2GiB", "")).isEqualTo(2L << 30);
    assertThat(ValueParser.parseSize("512 MiB", "")).isEqualTo(512L << 20);
    assertThat(ValueParser.parseSize("1.5gb", "")).isEqualTo(1_500_000_000L);
    assertThat(ValueParser.parseSize("1000", "")).isEqualTo(1000L);
  }

  @Test
  void secrets_comeFromEnvironmentFirst_thenFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("password");
    Files.writeString(file, "from-file\n");
    String yaml = "influxdb:\n  password_file: " + file + "\n";

    FallbackConfig config = new ConfigLoader(Map.of()).loadYaml(yaml, dir);

    assertThat(new ConfigLoader(Map.of()).secrets().read(config.influxdb().password()))
        .contains("from-file");
    assertThat(
            new ConfigLoader(Map.of("INFLUXDB_PASSWORD", "from-env"))
                .secrets()
                .read(config.influxdb().password()))
        .contains("from-env");
    assertThat(config.toString()).doesNotContain("from-file");
  }

  @Test
  void seedConfig_isBoundIntoTypedSections() {
    FallbackConfig config = loadSeed();

    assertThat(config.kafka().bootstrapServers()).isEqualTo("kafka:9092");
    assertThat(config.kafka().topic()).isEqualTo("stress-topic");
    assertThat(config.processing().batchSize()).isEqualTo(1000);
    assertThat(config.processing().batchTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.processing().dlqTopic()).isEqualTo("stress-topic.dlq");
    assertThat(config.monitoring().latencyThreshold()).isEqualTo(Duration.ofSeconds(300));
    assertThat(config.monitoring().resumeThreshold()).isEqualTo(Duration.ofSeconds(150));
    assertThat(config.monitoring().latencySource())
        .isEqualTo(MonitoringConfig.LatencyMeasure.KAFKA_LAG);
    assertThat(config.monitoring().healthProbe()).contains(FlinkProbeSettings.Mode.FLINK_REST);
    assertThat(config.mlService().endpoint())
        .isEqualTo(URI.create("http://stress-prediction-service:5000/model/api/predict"));
    assertThat(config.influxdb().database()).isEqualTo("flink_sink");
    assertThat(config.influxdb().primaryMeasurement()).isEqualTo("nurse_stress");
    assertThat(config.server())
        .isEqualTo(
            new ServerConfig(
                "127.0.0.1", 8099, "FALLBACK_ADMIN_TOKEN", java.time.Duration.ofSeconds(300)));
    assertThat(config.flinkProbeSettings()).isPresent();
  }

  @Test
  void healthProbeNone_hasNoFlinkProbeSettings() {
    FallbackConfig config = load("monitoring:\n  health_probe: none\n");

    assertThat(config.monitoring().healthProbe()).isEmpty();
    assertThat(config.flinkProbeSettings()).isEmpty();
  }

  @Test
  void resumeThresholdEqualToTheThreshold_isAccepted_asModePolicyAllows() {
    String yaml =
        "monitoring:\n  latency_threshold_seconds: 100\n  resume_threshold_seconds: 100\n";

    FallbackConfig config = load(yaml);

    assertThat(config.policy().resumeThreshold()).isEqualTo(Duration.ofSeconds(100));
  }

  @Test
  void resumeThresholdAboveTheThreshold_givesOneMessage_fromModePolicy() {
    String yaml =
        "monitoring:\n  latency_threshold_seconds: 100\n  resume_threshold_seconds: 150\n";

    assertThat(problemsOf(yaml))
        .containsExactly(
            "monitoring.resume_threshold_seconds: must be <= monitoring.latency_threshold_seconds (100.0s),"
                + " but was 150.0s");
  }

  @Test
  void negativeThreshold_givesOneMessage_notAlsoOneForTheDerivedResumeThreshold() {
    assertThat(problemsOf("monitoring:\n  latency_threshold_seconds: -1\n"))
        .containsExactly("monitoring.latency_threshold_seconds: must be >= 0, but was -1.0s");
  }

  @Test
  void unparseableValue_givesOneMessage_notAlsoOnesFromRecordsBuiltWithItsDefault() {
    String yaml =
        "kafka:\n  group_id: ''\nmonitoring:\n  primary_group_id: dask-fallback-consumer\n"
            + "  latency_threshold_seconds: fast\n  resume_threshold_seconds: 400\n";

    assertThat(problemsOf(yaml))
        .containsExactly(
            "kafka.group_id: must be a non-empty string, but was ''",
            "monitoring.latency_threshold_seconds: must be a number of seconds, but was 'fast'");
  }

  @Test
  void settingsRecordsRules_areReportedAtLoad_eachWithItsKey() {
    String yaml =
        "processing:\n  timestamp_format: 'yyyy {'\n  max_out_of_orderness_seconds: -1\n"
            + "monitoring:\n  consecutive_violations: 0\n  consecutive_recoveries: 0\n  flink_job_id: abc\n"
            + "ml_service:\n  max_concurrency: 0\n  timeout_seconds: 0\ninfluxdb:\n  chunk_size: 2000000\n";

    assertThat(problemsOf(yaml))
        .containsExactly(
            "processing.max_out_of_orderness_seconds: must be >= 0, but was -1.0",
            "processing.timestamp_format: must be a DateTimeFormatter pattern, but was yyyy {"
                + " (Pattern includes reserved character: '{')",
            "monitoring.consecutive_violations: must be >= 1, but was 0",
            "monitoring.consecutive_recoveries: must be >= 1, but was 0",
            "monitoring.flink_job_id: must be a Flink job id (32 hex digits), but was 'abc'",
            "ml_service.timeout_seconds: must be > 0, but was 0.0",
            "ml_service.max_concurrency: must be >= 1, but was 0",
            "influxdb.chunk_size: must be between 1 and 1000000, but was 2000000");
  }

  @Test
  void valueFromTheEnvironment_messageNamesTheVariable() {
    Map<String, String> env =
        Map.of(
            "LATENCY_THRESHOLD", "fast",
            "FALLBACK_MONITORING_CONSECUTIVE_VIOLATIONS", "0");

    assertThat(problemsOfSeed(env))
        .containsExactly(
            "monitoring.latency_threshold_seconds (from LATENCY_THRESHOLD): must be a number of seconds, but was 'fast'",
            "monitoring.consecutive_violations (from FALLBACK_MONITORING_CONSECUTIVE_VIOLATIONS): must be >= 1,"
                + " but was 0");
  }

  @Test
  void duplicateKey_isAnError_withItsPathLineAndColumn() {
    assertThat(problemsOf("kafka:\n  topic: a\n  topic: b\n"))
        .containsExactly("kafka.topic: duplicate key at line 3, column 3 (a key may appear once)");
    assertThatThrownBy(() -> load("kafka:\n  topic: a\nkafka:\n  group_id: b\n"))
        .hasMessageContaining(
            "kafka: duplicate section at line 3, column 1 (a section may appear once)");
  }

  @Test
  void yamlSyntaxError_givesLineAndColumn() {
    assertThat(problemsOf("kafka:\n  topic: [unclosed\n"))
        .containsExactly(
            "(file): not valid YAML at line 3, column 1: expected ',' or ']', but got <stream end>"
                + " (while parsing a flow sequence at line 2, column 10)");
  }

  @Test
  void emptyFile_isAnError_butAnEmptyMappingGivesDefaults(@TempDir Path dir) throws IOException {
    Path empty = Files.writeString(dir.resolve("empty.yaml"), "");
    Path comments = Files.writeString(dir.resolve("comments.yaml"), "# nothing here\n");
    Path mapping = Files.writeString(dir.resolve("mapping.yaml"), "{}\n");
    ConfigLoader loader = new ConfigLoader(Map.of());

    assertThatThrownBy(() -> loader.load(empty))
        .hasMessageContaining("--config: " + empty + " is empty");
    assertThatThrownBy(() -> loader.load(comments))
        .hasMessageContaining("--config: " + comments + " is empty");
    assertThat(loader.load(mapping).kafka().topic()).isEqualTo("stress-topic");
  }

  @Test
  void flinkJobNameTogetherWithJobId_isAnError() {
    String yaml =
        "monitoring:\n  flink_job_name: nurse-stress\n  flink_job_id: 0123456789abcdef0123456789abcdef\n";

    assertThat(problemsOf(yaml))
        .containsExactly(
            "monitoring.flink_job_name: set at most one of monitoring.flink_job_name ('nurse-stress') and"
                + " monitoring.flink_job_id ('0123456789abcdef0123456789abcdef')");
  }

  @Test
  void influxApiVersion2_withoutOrgAndBucket_namesBoth() {
    assertThat(problemsOf("influxdb:\n  api_version: 2\n"))
        .containsExactly(
            "influxdb.org: required when influxdb.api_version is 2",
            "influxdb.bucket: required when influxdb.api_version is 2");
  }

  @Test
  void influxApiVersion2Token_isReadWhenTheSinkIsBuilt_notWhenTheFileIsLoaded() {
    FallbackConfig config = load("influxdb:\n  api_version: 2\n  org: o\n  bucket: b\n");

    assertThat(configErrors(() -> config.influxSettings(Secrets.from(Map.of()))))
        .containsExactly(
            "influxdb.token_env: the token (from the variable named by influxdb.token_env, or from"
                + " influxdb.token_file) is required when influxdb.api_version is 2");
    assertThat(config.influxSettings(Secrets.from(Map.of("INFLUXDB_TOKEN", "t0k3n"))).token())
        .contains("t0k3n");
    assertThat(config.toString()).doesNotContain("t0k3n");
  }

  @Test
  void queryParameterValue_thatIsNotAStringOrNumber_isAnError() {
    ConfigLoader loader = new ConfigLoader(Map.of());
    String head = "ml_service:\n  query_parameters:\n    x: X\n    y: ";

    assertThatThrownBy(() -> loader.loadYaml(head + "true\n", null))
        .hasMessageContaining(
            "ml_service.query_parameters: the value of y must be a field name (a string or a number),"
                + " but was true");
    assertThatThrownBy(() -> loader.loadYaml(head + "[Y]\n", null))
        .hasMessageContaining(
            "ml_service.query_parameters: the value of y must be a field name (a string or a number),"
                + " but was a list");
    assertThatThrownBy(() -> loader.loadYaml(head + "~\n", null))
        .hasMessageContaining(
            "the value of y must be a field name (a string or a number), but was null");
  }

  @Test
  void kafkaProperties_keepAnyScalar() {
    FallbackConfig config =
        load("kafka:\n  properties:\n    enable.idempotence: true\n    linger.ms: 5\n");

    assertThat(config.kafka().properties())
        .containsExactly(Map.entry("enable.idempotence", "true"), Map.entry("linger.ms", "5"));
  }

  @Test
  void everyKeyHasADescriptionAndAKnownSection() {
    assertThat(Keys.ALL)
        .allSatisfy(
            k -> {
              assertThat(Keys.SECTIONS).contains(k.section());
              assertThat(k.description()).isNotBlank();
            });
    assertThat(Keys.ALL.stream().map(Key::path).distinct().count()).isEqualTo(Keys.ALL.size());
    assertThat(List.of("processing.batch_size"))
        .allSatisfy(p -> assertThat(Keys.byPath(p)).isPresent());
  }

  @Test
  void kafkaPropertiesFromTheEnvironment_overrideTheFilesEntries_andKeepTheOthers() {
    String yaml = "kafka:\n  properties:\n    security.protocol: PLAINTEXT\n    linger.ms: 5\n";
    Map<String, String> env =
        Map.of(
            "FALLBACK_KAFKA_PROPERTIES_SECURITY_PROTOCOL", "SASL_SSL",
            "FALLBACK_KAFKA_PROPERTIES_SASL_MECHANISM", "PLAIN",
            "FALLBACK_KAFKA_PROPERTIES_CONSUMER_MAX_POLL_RECORDS", "200",
            "FALLBACK_KAFKA_PROPERTIES_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM", "");

    FallbackConfig config = load(yaml, env);

    assertThat(config.kafka().properties())
        .containsExactly(
            Map.entry("security.protocol", "SASL_SSL"),
            Map.entry("linger.ms", "5"),
            Map.entry("consumer.max.poll.records", "200"),
            Map.entry("sasl.mechanism", "PLAIN"),
            Map.entry("ssl.endpoint.identification.algorithm", ""));
    assertThat(config.kafkaSourceSettings(Secrets.from(env)).clientProperties())
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("consumer.max.poll.records", "200");
    assertThat(config.kafkaPropertyVariable("sasl.mechanism"))
        .contains("FALLBACK_KAFKA_PROPERTIES_SASL_MECHANISM");
    assertThat(config.kafkaPropertyVariable("linger.ms")).isEmpty();
  }

  @Test
  void kafkaPropertiesFromTheEnvironment_withoutAnyInTheFile_areTheMapping() {
    FallbackConfig config = loadSeed(Map.of("FALLBACK_KAFKA_PROPERTIES_SECURITY_PROTOCOL", "SSL"));

    assertThat(config.kafka().properties()).containsExactly(Map.entry("security.protocol", "SSL"));
  }

  @Test
  void kafkaPropertyVariable_namingNoProperty_isAnErrorNamingTheVariable() {
    Map<String, String> env =
        Map.of(
            "FALLBACK_KAFKA_PROPERTIES_", "x",
            "FALLBACK_KAFKA_PROPERTIES_SSL____KEY", "x",
            "FALLBACK_KAFKA_PROPERTIES_SECURITY_PROTOCOL", "SSL",
            "FALLBACK_KAFKA_PROPERTIES_security_protocol", "SSL");

    assertThat(problemsOf("", env))
        .containsExactly(
            "FALLBACK_KAFKA_PROPERTIES_: names no entry of kafka.properties (write FALLBACK_KAFKA_PROPERTIES_<NAME>;"
                + " _ is '.', __ is '-', ___ is '_')",
            "FALLBACK_KAFKA_PROPERTIES_SSL____KEY: a run of 4 underscores is ambiguous (_ is '.', __ is '-',"
                + " ___ is '_'); set this entry in the file",
            "FALLBACK_KAFKA_PROPERTIES_security_protocol: sets kafka.properties.\"security.protocol\" as"
                + " FALLBACK_KAFKA_PROPERTIES_SECURITY_PROTOCOL does; set one");
  }

  @Test
  void wholeKafkaPropertiesFromOneVariable_isAnError_thatDoesNotEchoTheValue() {
    Map<String, String> env = Map.of("FALLBACK_KAFKA_PROPERTIES", "sasl.jaas.config=secret-value");

    assertThat(problemsOf("", env))
        .containsExactly(
            "kafka.properties (from FALLBACK_KAFKA_PROPERTIES): must be a mapping of client properties, but was text"
                + " (FALLBACK_KAFKA_PROPERTIES_<NAME> sets one entry)");
  }

  @Test
  void kafkaPropertyFromTheEnvironment_thatTheLauncherSetsFromAKey_isAnErrorNamingTheVariable() {
    Map<String, String> env =
        Map.of(
            "FALLBACK_KAFKA_PROPERTIES_BOOTSTRAP_SERVERS", "broker:9093",
            "FALLBACK_KAFKA_PROPERTIES_CONSUMER_GROUP_ID", "mine");

    assertThat(problemsOfSeed(env))
        .containsExactly(
            "kafka.properties.\"bootstrap.servers\" (from FALLBACK_KAFKA_PROPERTIES_BOOTSTRAP_SERVERS): would be"
                + " ignored: every client connects to kafka.bootstrap_servers; set that key (or"
                + " KAFKA_BOOTSTRAP_SERVERS) instead",
            "kafka.properties.\"consumer.group.id\" (from FALLBACK_KAFKA_PROPERTIES_CONSUMER_GROUP_ID): would be"
                + " ignored: the fallback's consumer group is kafka.group_id (and the primary's is"
                + " monitoring.primary_group_id); set that key instead");
  }

  @Test
  void saslJaasConfigGivenTwice_isAnErrorNamingBoth_withoutTheSecret() {
    String jaas =
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p4ss\";";
    Map<String, String> env =
        Map.of(
            "FALLBACK_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", jaas,
            "KAFKA_SASL_JAAS_CONFIG", jaas);

    assertThatThrownBy(() -> load("", env))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.errors())
                    .containsExactly(
                        "kafka.properties.\"sasl.jaas.config\" (from FALLBACK_KAFKA_PROPERTIES_SASL_JAAS_CONFIG): is also given"
                            + " by the variable KAFKA_SASL_JAAS_CONFIG (named by kafka.sasl_jaas_config_env); set it in one"
                            + " place"))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("p4ss"));
    FallbackConfig alone = load("", Map.of("FALLBACK_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", jaas));
    assertThat(alone.kafkaSourceSettings(Secrets.from(Map.of())).clientProperties())
        .containsEntry("sasl.jaas.config", jaas);
  }

  @Test
  void secretKafkaProperties_areMaskedWhereverTheConfigurationIsShown() {
    String yaml =
        "kafka:\n  properties:\n    ssl.truststore.password: from-the-file\n    security.protocol: SSL\n";
    Map<String, String> env =
        Map.of(
            "FALLBACK_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", "jaas-secret",
            "FALLBACK_KAFKA_PROPERTIES_SSL_KEYSTORE_PASSWORD", "keystore-secret",
            "FALLBACK_KAFKA_PROPERTIES_PRODUCER_SSL_KEY_PASSWORD", "key-secret");

    FallbackConfig config = load(yaml, env);

    assertThat(config.toString())
        .contains(
            "security.protocol=SSL",
            "sasl.jaas.config=****",
            "ssl.keystore.password=****",
            "producer.ssl.key.password=****",
            "ssl.truststore.password=****")
        .doesNotContain("from-the-file", "jaas-secret", "keystore-secret", "key-secret");
    assertThat(config.kafka().toString()).doesNotContain("from-the-file", "jaas-secret");
    assertThat(config.kafka().properties()).containsEntry("sasl.jaas.config", "jaas-secret");
  }

  @Test
  void kafkaClientError_aboutAPropertyFromTheEnvironment_namesTheVariable() {
    FallbackConfig config =
        load(
            "kafka:\n  properties:\n    linger.ms: x\n",
            Map.of(
                "FALLBACK_KAFKA_PROPERTIES_SECURITY_PROTOCOL", "SSl",
                "FALLBACK_KAFKA_PROPERTIES_CONSUMER_MAX_POLL_RECORDS", "many"));

    assertThat(
            config.withKafkaPropertySources(
                "Invalid value SSl for configuration security.protocol: String must"
                    + " be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"))
        .endsWith(
            "SASL_SSL (kafka.properties.\"security.protocol\" from FALLBACK_KAFKA_PROPERTIES_SECURITY_PROTOCOL)");
    assertThat(
            config.withKafkaPropertySources(
                "kafka.properties.max.poll.records must be an integer, but was many"))
        .endsWith(
            "(kafka.properties.\"consumer.max.poll.records\" from"
                + " FALLBACK_KAFKA_PROPERTIES_CONSUMER_MAX_POLL_RECORDS)");
    assertThat(config.withKafkaPropertySources("Invalid value x for configuration linger.ms"))
        .isEqualTo("Invalid value x for configuration linger.ms");
    assertThat(config.withKafkaPropertySources("Invalid value for security.protocols"))
        .doesNotContain("from");
  }

  @Test
  void recordsLineAboutAKafkaProperty_namesTheVariableThatSetIt() {
    Problems problems = new Problems();
    problems.fromEnvironment(
        Keys.KAFKA_PROPERTIES, "max.poll.records", "FALLBACK_KAFKA_PROPERTIES_MAX_POLL_RECORDS");

    problems.collect(
        () -> {
          throw new IllegalArgumentException(
              "kafka.properties.max.poll.records must be an integer, but was many\n"
                  + "kafka.properties.\"linger.ms\" is out of range");
        });

    assertThat(problems.messages())
        .containsExactly(
            "kafka.properties.\"max.poll.records\" (from FALLBACK_KAFKA_PROPERTIES_MAX_POLL_RECORDS): must be an"
                + " integer, but was many",
            "kafka.properties.\"linger.ms\": out of range");
  }

  @Test
  void negativeLatencyThresholdFromTheSeedVariable_namesOnlyThatKeyAndVariable() {
    assertThat(problemsOfSeed(Map.of("LATENCY_THRESHOLD", "-1")))
        .containsExactly(
            "monitoring.latency_threshold_seconds (from LATENCY_THRESHOLD): must be >= 0, but was -1.0s");
    assertThat(
            problemsOf(
                "monitoring:\n  resume_threshold_seconds: 10\n", Map.of("LATENCY_THRESHOLD", "-1")))
        .containsExactly(
            "monitoring.latency_threshold_seconds (from LATENCY_THRESHOLD): must be >= 0, but was -1.0s");
  }

  @Test
  void primaryOutputShape_keysReachTheInfluxSettings_withTodaysDefaults() {
    FallbackConfig defaults = loadSeed();
    FallbackConfig seedJob =
        load(
            "influxdb:\n  primary_measurement: flink_events\n  primary_id_tag: nurse\n",
            Map.of("FALLBACK_INFLUXDB_PRIMARY_STRESS_FIELD", "stressLevel"));

    assertThat(defaults.influxSettings(Secrets.from(Map.of())))
        .returns("nurse_stress", s -> s.primaryMeasurement())
        .returns("id", s -> s.primaryIdTag())
        .returns("stress_level", s -> s.primaryField());
    assertThat(seedJob.influxdb().primaryIdTag()).isEqualTo("nurse");
    assertThat(seedJob.influxSettings(Secrets.from(Map.of())))
        .returns("flink_events", s -> s.primaryMeasurement())
        .returns("nurse", s -> s.primaryIdTag())
        .returns("stressLevel", s -> s.primaryField());
  }

  @Test
  void blankPrimaryOutputShapeKeys_areErrorsNamingTheKeyAndVariable() {
    assertThat(
            problemsOf(
                "influxdb:\n  primary_id_tag: ''\n",
                Map.of("FALLBACK_INFLUXDB_PRIMARY_STRESS_FIELD", " ")))
        .containsExactly(
            "influxdb.primary_id_tag: must be a non-empty string, but was ''",
            "influxdb.primary_stress_field (from FALLBACK_INFLUXDB_PRIMARY_STRESS_FIELD): must be a non-empty string,"
                + " but was ' '");
  }
}
