package io.fallback.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelServiceSettingsTest {

  private static final URI ENDPOINT =
      URI.create("http://stress-prediction-service:5000/model/api/predict");

  @Test
  void defaults_areTheSeeds() {
    ModelServiceSettings s = ModelServiceSettings.ofDefaults(ENDPOINT);

    assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.retryAttempts()).isEqualTo(3);
    assertThat(s.maxConcurrency()).isEqualTo(32);
    assertThat(s.healthCheck()).isEqualTo(ModelHealthCheck.predict());
    assertThat(s.queryParameters())
        .containsExactly(
            Map.entry("x", "X"),
            Map.entry("y", "Y"),
            Map.entry("z", "Z"),
            Map.entry("eda", "EDA"),
            Map.entry("hr", "HR"),
            Map.entry("temp", "TEMP"));
  }

  @Test
  void invalidValues_areRejectedNamingTheKey() {
    assertThatThrownBy(() -> ModelServiceSettings.builder(ENDPOINT).retryAttempts(0).build())
        .hasMessage("ml_service.retry_attempts must be >= 1 (total tries), but was 0");
    assertThatThrownBy(() -> ModelServiceSettings.builder(ENDPOINT).maxConcurrency(0).build())
        .hasMessage("ml_service.max_concurrency must be >= 1, but was 0");
    assertThatThrownBy(() -> ModelServiceSettings.builder(ENDPOINT).timeout(Duration.ZERO).build())
        .hasMessage("ml_service.timeout_seconds must be > 0, but was 0.0");
    assertThatThrownBy(
            () ->
                ModelServiceSettings.builder(ENDPOINT)
                    .circuitBreaker(0, Duration.ofSeconds(1))
                    .build())
        .hasMessage("ml_service.circuit_breaker_failures must be >= 1, but was 0");
    assertThatThrownBy(
            () -> ModelServiceSettings.builder(URI.create("stress:5000/predict")).build())
        .hasMessage(
            "ml_service.endpoint must be an http:// or https:// URL with a host, but was 'stress:5000/predict'");
    assertThatThrownBy(
            () -> ModelServiceSettings.builder(ENDPOINT).queryParameters(Map.of()).build())
        .hasMessage("ml_service.query_parameters must not be empty");
    assertThatThrownBy(
            () ->
                ModelServiceSettings.builder(ENDPOINT)
                    .retryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1))
                    .build())
        .hasMessageStartingWith(
            "ml_service.retry_max_backoff_ms must be > 0 and >= ml_service.retry_backoff_ms");
    assertThatThrownBy(
            () -> ModelServiceSettings.builder(ENDPOINT).healthEndpoint("health").build())
        .hasMessage(
            "ml_service.health_endpoint must be a path such as /health (on ml_service.endpoint's host and"
                + " port), an http:// or https:// URL, or none to skip the check, but was 'health'");
  }

  @Test
  void healthEndpoint_pathUrlOrNone_isReadIntoTheHealthCheck() {
    assertThat(
            ModelServiceSettings.builder(ENDPOINT).healthEndpoint("/ready").build().healthCheck())
        .isEqualTo(ModelHealthCheck.get(URI.create("http://stress-prediction-service:5000/ready")));
    assertThat(
            ModelServiceSettings.builder(ENDPOINT)
                .healthEndpoint("https://ops.example:8443/model/up")
                .build()
                .healthCheck())
        .isEqualTo(ModelHealthCheck.get(URI.create("https://ops.example:8443/model/up")));
    assertThat(ModelServiceSettings.builder(ENDPOINT).healthEndpoint("none").build().healthCheck())
        .isEqualTo(ModelHealthCheck.none());
  }

  @Test
  void severalInvalidValues_areReportedAtOnce_oneLineEach() {
    assertThatThrownBy(
            () ->
                ModelServiceSettings.builder(ENDPOINT)
                    .retryAttempts(0)
                    .maxConcurrency(0)
                    .healthEndpoint("health")
                    .build())
        .hasMessage(
            "ml_service.retry_attempts must be >= 1 (total tries), but was 0\n"
                + "ml_service.max_concurrency must be >= 1, but was 0\n"
                + "ml_service.health_endpoint must be a path such as /health (on ml_service.endpoint's host and port),"
                + " an http:// or https:// URL, or none to skip the check, but was 'health'");
  }
}
