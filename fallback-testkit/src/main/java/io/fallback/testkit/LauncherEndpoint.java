package io.fallback.testkit;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The launcher's status endpoint seen from outside: {@code GET /status}, {@code GET /metrics} and
 * {@code POST /mode} with the admin token, on {@code http://127.0.0.1:<port>}. Errors start with
 * {@code "<name> launcher: "}.
 *
 * <p>This class is thread-safe: it holds only immutable values and a thread-safe {@link
 * HttpClient}.
 */
final class LauncherEndpoint {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final String baseUrl;
  private final String token;
  private final HttpClient http;

  /**
   * @param name the launcher's short name, for errors
   * @param port the status port
   * @param token the admin token, or null when none was given
   */
  LauncherEndpoint(String name, int port, String token) {
    this.name = requireNonNull(name, "name");
    this.baseUrl = "http://127.0.0.1:" + port;
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  }

  /**
   * @return {@code http://127.0.0.1:<port>}
   */
  String baseUrl() {
    return baseUrl;
  }

  /**
   * @return the JSON document of {@code GET /status}
   * @throws IllegalStateException when it does not answer 200 with JSON
   */
  JsonNode status() {
    try {
      return JSON.readTree(get("/status"));
    } catch (IOException e) {
      throw new IllegalStateException(
          name + " launcher: /status is not JSON: " + e.getMessage(), e);
    }
  }

  /**
   * @return the Prometheus text of {@code GET /metrics}
   * @throws IllegalStateException when it does not answer 200
   */
  String metrics() {
    return get("/metrics");
  }

  /**
   * {@code POST /mode?mode=<mode>} with the admin token.
   *
   * @param mode {@code force-fallback}, {@code force-primary} or {@code auto}
   * @return the response body (the status after the change)
   * @throws IllegalStateException when no token was given or it does not answer 200
   */
  String setMode(String mode) {
    requireNonNull(mode, "mode");
    if (token == null) {
      throw new IllegalStateException(name + " launcher: no admin token was given to the builder");
    }
    HttpResponse<String> response = request("POST", "/mode?mode=" + mode, token);
    return requireOk(response, "POST /mode?mode=" + mode);
  }

  /**
   * Sends a request and returns the response whatever its status code.
   *
   * @param method {@code GET} or {@code POST}
   * @param path the path and query, starting with {@code /}
   * @param bearer the {@code Authorization: Bearer} token, or null for none
   * @return the response
   * @throws IllegalStateException when the request cannot be sent
   */
  HttpResponse<String> request(String method, String path, String bearer) {
    requireNonNull(method, "method");
    requireNonNull(path, "path");
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(
          name + " launcher: " + method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          name + " launcher: interrupted during " + method + " " + path, e);
    }
  }

  private String get(String path) {
    return requireOk(request("GET", path, null), "GET " + path);
  }

  private String requireOk(HttpResponse<String> response, String what) {
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          name
              + " launcher: "
              + what
              + " answered "
              + response.statusCode()
              + ": "
              + response.body());
    }
    return response.body();
  }
}
