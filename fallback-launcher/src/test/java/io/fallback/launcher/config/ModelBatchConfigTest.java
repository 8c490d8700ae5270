package io.fallback.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code ml_service.batch_size} and {@code batch_endpoint}: off with the seed's file. */
class ModelBatchConfigTest {

  private static FallbackConfig load(String yaml) {
    return new ConfigLoader(Map.of()).loadYaml(yaml, Path.of("."));
  }

  @Test
  void offByDefault_oneCallPerWindow() {
    assertThat(load("").modelServiceSettings().batchSize()).isEqualTo(1);
  }

  @Test
  void aBatchSize_andAnEndpoint_reachTheClientSettings() {
    var settings =
        load("ml_service:\n  endpoint: http://m:5000/predict\n  batch_size: 50\n"
                + "  batch_endpoint: http://m:5000/predict/batch\n")
            .modelServiceSettings();

    assertThat(settings.batchSize()).isEqualTo(50);
    assertThat(settings.batchEndpoint()).isEqualTo(URI.create("http://m:5000/predict/batch"));
    assertThat(
            load("ml_service:\n  endpoint: http://m:5000/predict\n  batch_size: 8\n")
                .modelServiceSettings()
                .batchEndpoint())
        .as("the endpoint itself by default")
        .isEqualTo(URI.create("http://m:5000/predict"));
  }

  @Test
  void badValues_areNamed() {
    assertThatThrownBy(() -> load("ml_service:\n  batch_size: 0\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ml_service.batch_size: must be >= 1");
    assertThatThrownBy(() -> load("ml_service:\n  batch_size: 5\n  batch_endpoint: \"ftp://x\"\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ml_service.batch_endpoint");
  }
}
