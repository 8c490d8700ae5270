package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads back the points of a measurement from InfluxDB 1.x ({@code SELECT * ... GROUP BY id,
 * source}, chunked, epoch milliseconds), for the drill's checks. Floats are taken from the exact
 * decimal text of the answer and read as float32, which is what both writers wrote.
 *
 * <p>Thread-safe.
 */
public final class InfluxPoints {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private static final String[] FIELDS = {"X", "Y", "Z", "EDA", "HR", "TEMP"};
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /**
   * A point as stored.
   *
   * @param id tag {@code id}
   * @param source tag {@code source}
   * @param time the point time, epoch milliseconds
   * @param values X, Y, Z, EDA, HR, TEMP as float32 (NaN when a field is missing)
   * @param stressLevel field {@code stress_level}, or null when missing
   */
  public record Point(String id, String source, long time, float[] values, Integer stressLevel) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Point p
          && p.id.equals(id)
          && p.source.equals(source)
          && p.time == time
          && Arrays.equals(p.values, values)
          && java.util.Objects.equals(p.stressLevel, stressLevel);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(id, source, time, Arrays.hashCode(values));
    }

    @Override
    public String toString() {
      return id
          + "/"
          + source
          + "@"
          + time
          + " "
          + Arrays.toString(values)
          + " level="
          + stressLevel;
    }
  }

  private InfluxPoints() {}

  /**
   * Reads every point of a measurement.
   *
   * @param influxUrl the server's base URL
   * @param database the database
   * @param measurement the measurement
   * @return the points, by series then time
   * @throws UncheckedIOException if the query fails
   */
  public static List<Point> read(String influxUrl, String database, String measurement) {
    requireNonNull(influxUrl, "influxUrl");
    String q = "SELECT * FROM \"" + measurement + "\" GROUP BY \"id\", \"source\"";
    String form = "db=" + enc(database) + "&epoch=ms&chunked=true&chunk_size=10000&q=" + enc(q);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(stripSlash(influxUrl) + "/query"))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build();
    List<Point> points = new ArrayList<>();
    try {
      HttpResponse<InputStream> response =
          HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        if (response.statusCode() != 200) {
          throw new IOException("query answered " + response.statusCode() + ": " + in.readLine());
        }
        String line;
        while ((line = in.readLine()) != null) {
          if (!line.isBlank()) {
            parseChunk(JSON.readTree(line), points);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read " + database + "." + measurement + " from " + influxUrl, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading InfluxDB", e);
    }
    return points;
  }

  private static void parseChunk(JsonNode chunk, List<Point> out) throws IOException {
    for (JsonNode result : chunk.path("results")) {
      if (result.has("error")) {
        throw new IOException("query error: " + result.get("error").asText());
      }
      for (JsonNode series : result.path("series")) {
        Map<String, Integer> column = new HashMap<>();
        JsonNode columns = series.path("columns");
        for (int i = 0; i < columns.size(); i++) {
          column.put(columns.get(i).asText(), i);
        }
        JsonNode tags = series.path("tags");
        String id = tags.path("id").asText();
        String source = tags.path("source").asText();
        for (JsonNode row : series.path("values")) {
          float[] values = new float[FIELDS.length];
          for (int f = 0; f < FIELDS.length; f++) {
            Integer c = column.get(FIELDS[f]);
            JsonNode v = c == null ? null : row.get(c);
            values[f] =
                v == null || v.isNull() ? Float.NaN : Float.parseFloat(v.decimalValue().toString());
          }
          Integer sc = column.get("stress_level");
          JsonNode level = sc == null ? null : row.get(sc);
          out.add(
              new Point(
                  id,
                  source,
                  row.get(column.get("time")).asLong(),
                  values,
                  level == null || level.isNull() ? null : level.asInt()));
        }
      }
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
