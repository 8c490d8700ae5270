package io.fallback.http;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How to call the stress-prediction model service ({@code ml_service.*} in the configuration).
 *
 * <p>The compact constructor validates every component and reports every bad one, one line each,
 * naming the configuration key, for example {@code "ml_service.retry_attempts must be >= 1 (total
 * tries), but was 0"}; the launcher's configuration loader reports these messages as they are. Each
 * component below names the YAML key the launcher reads it from; the two retry delays have no key
 * (the launcher keeps their defaults).
 *
 * @param endpoint {@code ml_service.endpoint}: the prediction URL, called as {@code GET
 *     <endpoint>?x=..&y=..}; required, http or https
 * @param healthCheck {@code ml_service.health_endpoint}: how {@link ModelServiceClient#health()}
 *     checks the service; default {@link ModelHealthCheck#predict()}, one predict request with
 *     probe values
 * @param timeout {@code ml_service.timeout_seconds}: bound of one attempt (connect, request and
 *     response); default 10 s
 * @param retryAttempts {@code ml_service.retry_attempts}: total tries per window, the first one
 *     included (the seed's loop); default 3
 * @param retryBackoff delay before the first retry, doubled for each further retry, with 25 %
 *     jitter; default 200 ms; no configuration key (messages call it {@code
 *     ml_service.retry_backoff_ms})
 * @param retryMaxBackoff cap of the retry delay; default 5 s; no configuration key (messages call
 *     it {@code ml_service.retry_max_backoff_ms})
 * @param maxConcurrency {@code ml_service.max_concurrency}: calls in flight at most; default 32
 * @param circuitBreakerFailures {@code ml_service.circuit_breaker_failures}: consecutive failed
 *     attempts that open the circuit breaker; default 5
 * @param circuitBreakerOpen {@code ml_service.circuit_breaker_open_seconds}: how long the breaker
 *     stays open before it lets one trial call through (half-open); default 30 s
 * @param queryParameters {@code ml_service.query_parameters}: query parameter name to window field
 *     name, in request order; default {@link #DEFAULT_QUERY_PARAMETERS}
 * @param batchSize {@code ml_service.batch_size}: windows per call; 1 (the default) for one {@code
 *     GET} per window, the seed's request; above 1, one {@code POST} of up to that many windows to
 *     {@code batchEndpoint}, for services that offer it (request shape: {@link ModelServiceClient})
 * @param batchEndpoint {@code ml_service.batch_endpoint}: where batched calls go; default the
 *     endpoint
 */
public record ModelServiceSettings(
    URI endpoint,
    ModelHealthCheck healthCheck,
    Duration timeout,
    int retryAttempts,
    Duration retryBackoff,
    Duration retryMaxBackoff,
    int maxConcurrency,
    int circuitBreakerFailures,
    Duration circuitBreakerOpen,
    Map<String, String> queryParameters,
    int batchSize,
    URI batchEndpoint) {

  /** The seed's query: {@code x<-X, y<-Y, z<-Z, eda<-EDA, hr<-HR, temp<-TEMP}. */
  public static final Map<String, String> DEFAULT_QUERY_PARAMETERS = defaultQueryParameters();

  /** Default of {@code ml_service.timeout_seconds}. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /** Default of {@code ml_service.retry_attempts}. */
  public static final int DEFAULT_RETRY_ATTEMPTS = 3;

  /** Default of {@code ml_service.max_concurrency}. */
  public static final int DEFAULT_MAX_CONCURRENCY = 32;

  /**
   * Validates the components.
   *
   * @throws NullPointerException for a null component
   * @throws IllegalArgumentException naming the configuration key and the bad value of each invalid
   *     component, one per line
   */
  public ModelServiceSettings {
    List<String> errors = new ArrayList<>();
    Objects.requireNonNull(endpoint, "ml_service.endpoint");
    Objects.requireNonNull(healthCheck, "ml_service.health_endpoint");
    Objects.requireNonNull(timeout, "ml_service.timeout_seconds");
    Objects.requireNonNull(retryBackoff, "ml_service.retry_backoff_ms");
    Objects.requireNonNull(retryMaxBackoff, "ml_service.retry_max_backoff_ms");
    Objects.requireNonNull(circuitBreakerOpen, "ml_service.circuit_breaker_open_seconds");
    Objects.requireNonNull(queryParameters, "ml_service.query_parameters");
    Objects.requireNonNull(batchEndpoint, "ml_service.batch_endpoint");
    requireHttpUrl(errors, "ml_service.endpoint", endpoint);
    if (!batchEndpoint.equals(endpoint)) {
      requireHttpUrl(errors, "ml_service.batch_endpoint", batchEndpoint);
    }
    if (batchSize < 1) {
      errors.add(
          "ml_service.batch_size must be >= 1 (1: one call per window), but was " + batchSize);
    }
    requirePositive(errors, "ml_service.timeout_seconds", timeout);
    if (retryAttempts < 1) {
      errors.add("ml_service.retry_attempts must be >= 1 (total tries), but was " + retryAttempts);
    }
    if (retryBackoff.isNegative()) {
      errors.add("ml_service.retry_backoff_ms must be >= 0, but was " + retryBackoff.toMillis());
    } else if (retryMaxBackoff.compareTo(retryBackoff) < 0 || retryMaxBackoff.isZero()) {
      errors.add(
          "ml_service.retry_max_backoff_ms must be > 0 and >= ml_service.retry_backoff_ms ("
              + retryBackoff.toMillis()
              + "), but was "
              + retryMaxBackoff.toMillis());
    }
    if (maxConcurrency < 1) {
      errors.add("ml_service.max_concurrency must be >= 1, but was " + maxConcurrency);
    }
    if (circuitBreakerFailures < 1) {
      errors.add(
          "ml_service.circuit_breaker_failures must be >= 1, but was " + circuitBreakerFailures);
    }
    requirePositive(errors, "ml_service.circuit_breaker_open_seconds", circuitBreakerOpen);
    if (queryParameters.isEmpty()) {
      errors.add("ml_service.query_parameters must not be empty");
    }
    for (Map.Entry<String, String> e : queryParameters.entrySet()) {
      if (e.getKey() == null
          || e.getKey().isBlank()
          || e.getValue() == null
          || e.getValue().isBlank()) {
        errors.add(
            "ml_service.query_parameters must map non-empty names to non-empty field names, but was "
                + queryParameters);
        break;
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", errors));
    }
    queryParameters = Collections.unmodifiableMap(new LinkedHashMap<>(queryParameters));
  }

  /**
   * The seed's settings for an endpoint: 10 s timeout, 3 tries, 32 calls in flight, the breaker
   * opening after 5 consecutive failures for 30 s, the seed's query parameters, and the health
   * checked with one predict request (the seed's service has no health path).
   *
   * @param endpoint the prediction URL ({@code ml_service.endpoint})
   * @return the settings
   * @throws IllegalArgumentException if the endpoint is not an http(s) URL
   */
  public static ModelServiceSettings ofDefaults(URI endpoint) {
    return builder(endpoint).build();
  }

  /**
   * A builder starting from {@link #ofDefaults(URI)}.
   *
   * @param endpoint the prediction URL ({@code ml_service.endpoint})
   * @return a builder
   */
  public static Builder builder(URI endpoint) {
    return new Builder(endpoint);
  }

  private static void requireHttpUrl(List<String> errors, String key, URI uri) {
    String scheme = uri.getScheme();
    if (scheme == null
        || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || uri.getRawAuthority() == null) {
      errors.add(key + " must be an http:// or https:// URL with a host, but was '" + uri + "'");
    }
  }

  private static void requirePositive(List<String> errors, String key, Duration d) {
    if (d.isNegative() || d.isZero()) {
      errors.add(key + " must be > 0, but was " + d.toMillis() / 1000.0);
    }
  }

  private static Map<String, String> defaultQueryParameters() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("x", "X");
    m.put("y", "Y");
    m.put("z", "Z");
    m.put("eda", "EDA");
    m.put("hr", "HR");
    m.put("temp", "TEMP");
    return Collections.unmodifiableMap(m);
  }

  /** Builds {@link ModelServiceSettings}; starts from the defaults. Not thread-safe. */
  public static final class Builder {
    private final URI endpoint;
    private String healthEndpoint;
    private Duration timeout = DEFAULT_TIMEOUT;
    private int retryAttempts = DEFAULT_RETRY_ATTEMPTS;
    private Duration retryBackoff = Duration.ofMillis(200);
    private Duration retryMaxBackoff = Duration.ofSeconds(5);
    private int maxConcurrency = DEFAULT_MAX_CONCURRENCY;
    private int circuitBreakerFailures = 5;
    private Duration circuitBreakerOpen = Duration.ofSeconds(30);
    private Map<String, String> queryParameters = DEFAULT_QUERY_PARAMETERS;
    private int batchSize = 1;
    private URI batchEndpoint;

    private Builder(URI endpoint) {
      this.endpoint = Objects.requireNonNull(endpoint, "ml_service.endpoint");
    }

    /**
     * Sets {@code ml_service.health_endpoint}, read by {@link ModelHealthCheck#of(String, URI)}
     * when the settings are built: null (the default) for one predict request with probe values, a
     * path such as {@code /health} on the endpoint's scheme, host and port, an http(s) URL, or
     * {@value ModelHealthCheck#NONE_VALUE}.
     *
     * @param healthEndpoint the configured value, or null
     * @return this builder
     */
    public Builder healthEndpoint(String healthEndpoint) {
      this.healthEndpoint = healthEndpoint;
      return this;
    }

    /**
     * Sets {@code ml_service.timeout_seconds}.
     *
     * @param timeout bound of one attempt
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /**
     * Sets {@code ml_service.retry_attempts}.
     *
     * @param retryAttempts total tries per window
     * @return this builder
     */
    public Builder retryAttempts(int retryAttempts) {
      this.retryAttempts = retryAttempts;
      return this;
    }

    /**
     * Sets the retry delays (no configuration key: the launcher keeps the defaults, 200 ms and 5
     * s).
     *
     * @param first delay before the first retry
     * @param max cap of the delay
     * @return this builder
     */
    public Builder retryBackoff(Duration first, Duration max) {
      this.retryBackoff = first;
      this.retryMaxBackoff = max;
      return this;
    }

    /**
     * Sets {@code ml_service.max_concurrency}.
     *
     * @param maxConcurrency calls in flight at most
     * @return this builder
     */
    public Builder maxConcurrency(int maxConcurrency) {
      this.maxConcurrency = maxConcurrency;
      return this;
    }

    /**
     * Sets {@code ml_service.circuit_breaker_failures} and {@code
     * ml_service.circuit_breaker_open_seconds}.
     *
     * @param failures consecutive failed attempts that open the breaker
     * @param open how long it stays open before a trial call
     * @return this builder
     */
    public Builder circuitBreaker(int failures, Duration open) {
      this.circuitBreakerFailures = failures;
      this.circuitBreakerOpen = open;
      return this;
    }

    /**
     * Sets {@code ml_service.query_parameters}.
     *
     * @param queryParameters query parameter name to field name, in request order
     * @return this builder
     */
    public Builder queryParameters(Map<String, String> queryParameters) {
      this.queryParameters = queryParameters;
      return this;
    }

    /**
     * Sets {@code ml_service.batch_size} and {@code ml_service.batch_endpoint}: several windows per
     * call, for a service that offers batched predictions.
     *
     * @param size windows per call; 1 (the default) for one {@code GET} per window
     * @param endpoint where the batched {@code POST}s go; null for the endpoint itself
     * @return this builder
     */
    public Builder batch(int size, URI endpoint) {
      this.batchSize = size;
      this.batchEndpoint = endpoint;
      return this;
    }

    /**
     * Builds and validates the settings.
     *
     * @return the settings
     * @throws IllegalArgumentException naming the configuration key of each bad value, one per line
     */
    public ModelServiceSettings build() {
      List<String> errors = new ArrayList<>();
      ModelHealthCheck healthCheck = ModelHealthCheck.predict();
      try {
        healthCheck = ModelHealthCheck.of(healthEndpoint, endpoint);
      } catch (IllegalArgumentException e) {
        errors.add("ml_service.health_endpoint " + e.getMessage());
      }
      try {
        ModelServiceSettings settings =
            new ModelServiceSettings(
                endpoint,
                healthCheck,
                timeout,
                retryAttempts,
                retryBackoff,
                retryMaxBackoff,
                maxConcurrency,
                circuitBreakerFailures,
                circuitBreakerOpen,
                queryParameters,
                batchSize,
                batchEndpoint == null ? endpoint : batchEndpoint);
        if (errors.isEmpty()) {
          return settings;
        }
      } catch (IllegalArgumentException e) {
        errors.add(0, e.getMessage());
      }
      throw new IllegalArgumentException(String.join("\n", errors));
    }
  }
}
