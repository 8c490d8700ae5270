package io.fallback.http;

import io.fallback.core.Health;
import io.fallback.core.HealthProbe;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;

/**
 * A generic probe: {@code GET <url>}; healthy when the answer has a 2xx status within the timeout.
 *
 * <p>Use it for a primary that exposes a plain health endpoint. Any failure is answered as
 * unhealthy with the reason ("GET http://... answered 503: ...", "... unreachable:
 * ConnectException", "... timed out after 10s"); {@link #check()} does not throw.
 *
 * <p>This class is thread-safe.
 */
public final class HttpHealthProbe implements HealthProbe {

  private final HttpClient http;
  private final URI url;
  private final Duration timeout;

  HttpHealthProbe(HttpClient http, URI url, Duration timeout) {
    this.http = Objects.requireNonNull(http, "http");
    this.url = Objects.requireNonNull(url, "url");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be > 0, but was " + timeout);
    }
  }

  /**
   * Creates a probe with its own HTTP client.
   *
   * @param url the URL to GET, http or https
   * @param timeout bound of the whole request, positive
   * @return the probe
   * @throws IllegalArgumentException for a non-positive timeout or a URL that is not http(s)
   */
  public static HttpHealthProbe of(URI url, Duration timeout) {
    Objects.requireNonNull(url, "url");
    String scheme = url.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
      throw new IllegalArgumentException(
          "url must be an http:// or https:// URL, but was '" + url + "'");
    }
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .build();
    return new HttpHealthProbe(http, url, timeout);
  }

  /**
   * GETs the URL once.
   *
   * @return healthy on a 2xx answer, otherwise unhealthy with the reason; never throws
   */
  @Override
  public Health check() {
    HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).GET().build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      int status = response.statusCode();
      if (status >= 200 && status <= 299) {
        return Health.healthy("GET " + url + " answered " + status);
      }
      return Health.unhealthy(
          "GET " + url + " answered " + status + ": " + Texts.excerpt(response.body()));
    } catch (HttpTimeoutException e) {
      return Health.unhealthy("GET " + url + " timed out after " + Texts.duration(timeout));
    } catch (IOException e) {
      return Health.unhealthy("GET " + url + " unreachable: " + Texts.describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Health.unhealthy("GET " + url + " interrupted");
    }
  }

  /**
   * The name used in logs.
   *
   * @return {@code http}
   */
  @Override
  public String name() {
    return "http";
  }
}
