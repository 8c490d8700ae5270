package io.fallback.launcher.config;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code ml_service} section. Immutable and thread-safe.
 *
 * <p>Built by the loader, whose bound values are never null (a missing required value fails there,
 * naming its key), so the components are not checked again here.
 *
 * @param endpoint {@code ml_service.endpoint}
 * @param healthEndpoint {@code ml_service.health_endpoint}; empty for one predict request
 * @param timeout {@code ml_service.timeout_seconds}
 * @param retryAttempts {@code ml_service.retry_attempts}
 * @param maxConcurrency {@code ml_service.max_concurrency}
 * @param circuitBreakerFailures {@code ml_service.circuit_breaker_failures}
 * @param circuitBreakerOpen {@code ml_service.circuit_breaker_open_seconds}
 * @param queryParameters {@code ml_service.query_parameters}, in the file's order
 * @param batchSize {@code ml_service.batch_size}
 * @param batchEndpoint {@code ml_service.batch_endpoint}; empty for the endpoint
 */
public record MlServiceConfig(
    URI endpoint,
    Optional<String> healthEndpoint,
    Duration timeout,
    int retryAttempts,
    int maxConcurrency,
    int circuitBreakerFailures,
    Duration circuitBreakerOpen,
    Map<String, String> queryParameters,
    int batchSize,
    Optional<String> batchEndpoint) {

  /**
   * Copies the query parameters.
   *
   * @throws NullPointerException if {@code queryParameters} is null
   */
  public MlServiceConfig {
    queryParameters = Collections.unmodifiableMap(new LinkedHashMap<>(queryParameters));
  }

  static MlServiceConfig from(Values v) {
    return new MlServiceConfig(
        URI.create(v.requiredString(Keys.ML_ENDPOINT)),
        v.string(Keys.ML_HEALTH),
        v.seconds(Keys.ML_TIMEOUT),
        v.integer(Keys.ML_RETRIES),
        v.integer(Keys.ML_CONCURRENCY),
        v.integer(Keys.ML_BREAKER_FAILURES),
        v.seconds(Keys.ML_BREAKER_OPEN),
        v.map(Keys.ML_QUERY),
        v.integer(Keys.ML_BATCH_SIZE),
        v.string(Keys.ML_BATCH_ENDPOINT));
  }
}
