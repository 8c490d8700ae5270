package io.fallback.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.http.ModelHealthCheck;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  static Path seedFile() {
    try {
      return Path.of(ConfigLoaderTest.class.getResource("/seed-config.yaml").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void seedConfig_loadsUnchanged_withOneWarningPerIgnoredKey() {
    FallbackConfig config = new ConfigLoader(Map.of()).load(seedFile());

    assertThat(config.string(Keys.KAFKA_BOOTSTRAP)).contains("kafka:9092");
    assertThat(config.string(Keys.KAFKA_RESET)).contains("latest");
    assertThat(config.integer(Keys.BATCH_SIZE)).isEqualTo(1000);
    assertThat(config.seconds(Keys.THRESHOLD)).isEqualTo(Duration.ofSeconds(300));
    assertThat(config.seconds(Keys.RESUME)).isEqualTo(Duration.ofSeconds(150));
    assertThat(config.integer(Keys.VIOLATIONS)).isEqualTo(3);
    assertThat(config.seconds(Keys.CHECK_INTERVAL)).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.string(Keys.ML_ENDPOINT)).contains("http://stress-prediction-service:5000/model/api/predict");
    assertThat(config.integer(Keys.ML_RETRIES)).isEqualTo(3);
    assertThat(config.string(Keys.INFLUX_MEASUREMENT)).contains("nurse_stress");
    assertThat(config.workerThreads()).isEqualTo(4);
    assertThat(config.memoryBound()).isEqualTo(4_000_000_000L);
    assertThat(config.dlqTopic()).isEqualTo("stress-topic.dlq");
    assertThat(config.policy().consecutiveViolations()).isEqualTo(3);
    assertThat(config.warnings())
        .hasSize(4)
        .anySatisfy(w -> assertThat(w).startsWith("kafka.enable_auto_commit is ignored: auto-commit is always off"))
        .anySatisfy(w -> assertThat(w).startsWith("kafka.auto_commit_interval_ms is ignored"))
        .anySatisfy(w -> assertThat(w).startsWith("processing.checkpoint_interval is ignored"))
        .anySatisfy(w -> assertThat(w).startsWith("dask.scheduler_address is ignored"));
  }

  @Test
  void emptyFile_givesDefaults() {
    FallbackConfig config = new ConfigLoader(Map.of()).loadYaml("", null);

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

    FallbackConfig config = new ConfigLoader(env).load(seedFile());

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
    FallbackConfig url = loader.loadYaml(endpoint + "  health_endpoint: https://ops:8443/model/up\n", null);
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

    assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadYaml(yaml, null))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactlyInAnyOrder(
            "ml_service.retry_attempts: must be >= 1, but was 0",
            "ml_service.health_endpoint: must be a path such as /health (on ml_service.endpoint's host and port),"
                + " an http:// or https:// URL, or none to skip the check, but was 'ready'"));
  }

  @Test
  void mlServiceQueryParameters_keepTheFilesOrder() {
    String yaml = "ml_service:\n  query_parameters:\n    temp: TEMP\n    hr: HR\n    x: X\n    eda: EDA\n";

    FallbackConfig config = new ConfigLoader(Map.of()).loadYaml(yaml, null);

    assertThat(config.modelServiceSettings().queryParameters().keySet()).containsExactly("temp", "hr", "x", "eda");
    assertThat(new ConfigLoader(Map.of()).loadYaml("", null).modelServiceSettings().queryParameters().keySet())
        .containsExactly("x", "y", "z", "eda", "hr", "temp");
  }

  @Test
  void envNamingNoKey_isAnError() {
    assertThatThrownBy(() -> new ConfigLoader(Map.of("FALLBACK_KAFKA_TOPIK", "x")).loadYaml("", null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("FALLBACK_KAFKA_TOPIK: environment variable names no known key (kafka.topik)");
  }

  @Test
  void zeroThreshold_isAcceptedWithAWarning() {
    FallbackConfig config =
        new ConfigLoader(Map.of()).loadYaml("monitoring:\n  latency_threshold_seconds: 0\n", null);

    assertThat(config.policy().forcesFallback()).isTrue();
    assertThat(config.warnings()).singleElement().asString().contains("forced on");
  }

  @Test
  void everyErrorIsReportedAtOnce() {
    String yaml = "kafka:\n  topik: x\nmonitoring:\n  consecutive_violations: 0\n  check_interval_seconds: abc\n";

    assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadYaml(yaml, null))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).hasSize(3));
  }

  @Test
  void sizes_parseLikeDask() {
    assertThat(ConfigLoader.parseSize("2GB", "")).isEqualTo(2_000_000_000L);
    assertThat(ConfigLoader.parseSize("2GiB", "")).isEqualTo(2L << 30);
    assertThat(ConfigLoader.parseSize("512 MiB", "")).isEqualTo(512L << 20);
    assertThat(ConfigLoader.parseSize("1.5gb", "")).isEqualTo(1_500_000_000L);
    assertThat(ConfigLoader.parseSize("1000", "")).isEqualTo(1000L);
  }

  @Test
  void secrets_comeFromEnvironmentFirst_thenFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("password");
    Files.writeString(file, "from-file\n");
    String yaml = "influxdb:\n  password_file: " + file + "\n";

    FallbackConfig config = new ConfigLoader(Map.of()).loadYaml(yaml, dir);

    assertThat(new ConfigLoader(Map.of()).secret(config, Keys.INFLUX_PASSWORD_ENV, Keys.INFLUX_PASSWORD_FILE))
        .contains("from-file");
    assertThat(new ConfigLoader(Map.of("INFLUXDB_PASSWORD", "from-env"))
            .secret(config, Keys.INFLUX_PASSWORD_ENV, Keys.INFLUX_PASSWORD_FILE))
        .contains("from-env");
    assertThat(config.toString()).doesNotContain("from-file");
  }

  @Test
  void everyKeyHasADescriptionAndAKnownSection() {
    assertThat(Keys.ALL).allSatisfy(k -> {
      assertThat(Keys.SECTIONS).contains(k.section());
      assertThat(k.description()).isNotBlank();
    });
    assertThat(Keys.ALL.stream().map(Key::path).distinct().count()).isEqualTo(Keys.ALL.size());
    assertThat(List.of("processing.batch_size")).allSatisfy(p -> assertThat(Keys.byPath(p)).isPresent());
  }
}
