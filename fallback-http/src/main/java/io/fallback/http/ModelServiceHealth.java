package io.fallback.http;

import io.fallback.core.Health;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;

/**
 * The model service's health check, as {@link ModelServiceSettings#healthCheck()} says; {@link
 * ModelServiceClient#health()} states which answers count. One request, bounded by the client's
 * timeout, sent with the client's HTTP client but outside its retries and circuit breaker.
 *
 * <p>This class is thread-safe: its state is immutable and {@link HttpClient} is thread-safe.
 */
final class ModelServiceHealth {

  /** The value of every query parameter of the health check's predict request. */
  static final String PROBE_VALUE = Float.toString(0.0f);

  private final ModelHealthCheck check;
  private final HttpClient http;
  private final Duration timeout;
  private final URI probeUri;
  private final HttpHealthProbe getProbe;

  /**
   * @param settings the client's settings: the check, the timeout
   * @param http the client's HTTP client
   * @param requests the client's request format, which the predict check's request follows
   */
  ModelServiceHealth(ModelServiceSettings settings, HttpClient http, ModelRequests requests) {
    this.check = settings.healthCheck();
    this.http = Objects.requireNonNull(http, "http");
    this.timeout = settings.timeout();
    this.probeUri = requests.probeUri(PROBE_VALUE);
    this.getProbe =
        check.kind() == ModelHealthCheck.Kind.GET
            ? new HttpHealthProbe(http, check.url(), timeout)
            : null;
  }

  /**
   * Checks the service once; see {@link ModelServiceClient#health()}.
   *
   * @return the health, never null; failures are answered as unhealthy with the reason
   */
  Health check() {
    return switch (check.kind()) {
      case NONE ->
          Health.healthy(
              "not checked (ml_service.health_endpoint is " + ModelHealthCheck.NONE_VALUE + ")");
      case GET -> getProbe.check();
      case PREDICT -> probePredict();
    };
  }

  private Health probePredict() {
    String get = "GET " + probeUri;
    HttpRequest request =
        HttpRequest.newBuilder(probeUri)
            .timeout(timeout)
            .header("Accept", "application/json")
            .GET()
            .build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      return Health.unhealthy(get + " timed out after " + Texts.duration(timeout));
    } catch (IOException e) {
      return Health.unhealthy(get + " unreachable: " + Texts.describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Health.unhealthy(get + " interrupted");
    }
    return judge(get, response.statusCode(), response.body());
  }

  /** A predict answer to the probe: is the service there? */
  private static Health judge(String get, int status, String body) {
    if (status >= 200 && status <= 299) {
      try {
        return Health.healthy(
            get
                + " answered "
                + status
                + " with prediction "
                + ModelRequests.parsePrediction(body));
      } catch (ModelServiceException e) {
        return Health.unhealthy(
            get + " answered " + status + " without a prediction: " + e.getMessage());
      }
    }
    if (status == 400 || status == 422) {
      return Health.healthy(
          get
              + " answered "
              + status
              + ": the service is there but refused the probe's values: "
              + Texts.excerpt(body));
    }
    if (status == 429) {
      return Health.healthy(get + " answered 429: the service is there but busy");
    }
    String hint =
        status == 404 || status == 405 ? " (is the path of ml_service.endpoint right?)" : "";
    return Health.unhealthy(get + " answered " + status + hint + ": " + Texts.excerpt(body));
  }
}
