package io.fallback.influx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs InfluxQL through {@code GET /query} (chunked, epoch milliseconds) and returns its series.
 * For 2.x settings the same endpoint of the 1.x compatibility API is used, with the token header
 * and {@link InfluxSettings#database()} as the mapped database. Thread-safe.
 */
final class InfluxQueryClient {

  /** One series of a result (a chunked answer may split a series into several of these). */
  record Series(String name, Map<String, String> tags, List<String> columns, List<JsonNode> rows) {}

  private static final int CHUNK_SIZE = 10_000;

  private final InfluxSettings settings;
  private final HttpClient client;

  InfluxQueryClient(InfluxSettings settings, HttpClient client) {
    this.settings = settings;
    this.client = client;
  }

  /**
   * Runs one statement.
   *
   * @param influxQl the statement
   * @return its series, empty when nothing matched (for example a measurement that does not exist)
   * @throws InfluxQueryException when the query fails or the server reports an error
   */
  List<Series> query(String influxQl) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("db", settings.database());
    params.put("epoch", "ms");
    params.put("chunked", "true");
    params.put("chunk_size", Integer.toString(CHUNK_SIZE));
    params.put("q", influxQl);
    URI uri = InfluxHttp.uri(settings.url(), "/query", params);
    HttpRequest request =
        InfluxHttp.authenticate(HttpRequest.newBuilder(uri), settings)
            .timeout(settings.timeout())
            .header("Accept", "application/json")
            .GET()
            .build();
    HttpResponse<String> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpTimeoutException e) {
      throw failure("no answer within " + settings.timeout().toMillis() + " ms", influxQl, e);
    } catch (IOException e) {
      throw failure(
          "cannot reach " + settings.url() + ": " + V1WriteTransport.describe(e), influxQl, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure("interrupted", influxQl, e);
    }
    if (response.statusCode() / 100 != 2) {
      throw failure(
          "HTTP " + response.statusCode() + ": " + InfluxHttp.serverMessage(response.body()),
          influxQl,
          null);
    }
    return parse(response.body(), influxQl);
  }

  static List<Series> parse(String body, String influxQl) {
    List<Series> out = new ArrayList<>();
    try (MappingIterator<JsonNode> chunks =
        InfluxHttp.JSON.readerFor(JsonNode.class).readValues(body)) {
      while (chunks.hasNextValue()) {
        JsonNode chunk = chunks.nextValue();
        if (chunk.hasNonNull("error")) {
          throw failure(chunk.get("error").asText(), influxQl, null);
        }
        for (JsonNode result : chunk.path("results")) {
          if (result.hasNonNull("error")) {
            throw failure(result.get("error").asText(), influxQl, null);
          }
          for (JsonNode series : result.path("series")) {
            Map<String, String> tags = new HashMap<>();
            series
                .path("tags")
                .properties()
                .forEach(e -> tags.put(e.getKey(), e.getValue().asText()));
            List<String> columns = new ArrayList<>();
            series.path("columns").forEach(c -> columns.add(c.asText()));
            List<JsonNode> rows = new ArrayList<>();
            series.path("values").forEach(rows::add);
            out.add(
                new Series(
                    series.path("name").asText(),
                    Collections.unmodifiableMap(tags),
                    List.copyOf(columns),
                    rows));
          }
        }
      }
    } catch (IOException e) {
      throw failure("unreadable answer: " + e.getMessage(), influxQl, e);
    }
    return out;
  }

  private static InfluxQueryException failure(String what, String influxQl, Throwable cause) {
    return new InfluxQueryException(
        "InfluxDB query failed: " + what + " (query: " + influxQl + ")", cause);
  }
}
