package io.fallback.influx;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * InfluxDB 1.x: {@code POST /write?db=&rp=&precision=ms} with {@code java.net.http}; user and
 * password as basic auth (never in the URL).
 */
final class V1WriteTransport implements WriteTransport {

  private final InfluxSettings settings;
  private final HttpClient client;
  private final URI writeUri;

  V1WriteTransport(InfluxSettings settings, HttpClient client) {
    this.settings = settings;
    this.client = client;
    Map<String, String> params = new LinkedHashMap<>();
    params.put("db", settings.database());
    params.put("rp", settings.retentionPolicy().orElse(null));
    params.put("precision", "ms");
    this.writeUri = InfluxHttp.uri(settings.url(), "/write", params);
  }

  @Override
  public void write(String body) {
    HttpRequest request =
        InfluxHttp.authenticate(HttpRequest.newBuilder(writeUri), settings)
            .timeout(settings.timeout())
            .header("Content-Type", "text/plain; charset=utf-8")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build();
    HttpResponse<String> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpTimeoutException e) {
      throw new TransportException(
          -1,
          true,
          "no answer from " + describe() + " within " + settings.timeout().toMillis() + " ms",
          e);
    } catch (IOException e) {
      throw new TransportException(-1, true, "cannot reach " + describe() + ": " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException(-1, false, "interrupted while writing to " + describe(), e);
    }
    int status = response.statusCode();
    if (status / 100 == 2) {
      return;
    }
    throw new TransportException(
        status,
        InfluxHttp.retryableStatus(status),
        "HTTP " + status + " from " + describe() + ": " + InfluxHttp.serverMessage(response.body()),
        null);
  }

  static String describe(Throwable e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : " " + m);
  }

  @Override
  public String describe() {
    return "InfluxDB 1.x at "
        + settings.url()
        + " (database "
        + settings.database()
        + settings.retentionPolicy().map(rp -> ", retention policy " + rp).orElse("")
        + ")";
  }

  @Override
  public void close() {
    // java.net.http.HttpClient has no close() on Java 17; its threads end when it is unreachable
  }
}
