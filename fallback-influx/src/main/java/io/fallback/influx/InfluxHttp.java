package io.fallback.influx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** HTTP plumbing shared by the 1.x write transport and the query client. */
final class InfluxHttp {

  static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_MESSAGE = 1000;

  private InfluxHttp() {}

  /**
   * A client for one adapter: HTTP/1.1 (InfluxDB 1.x does not speak h2c), connect timeout = request
   * timeout, no redirects.
   */
  static HttpClient newClient(InfluxSettings settings) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(settings.timeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** {@code base + path + ?k=v&...}, values URL-encoded, empty values left out. */
  static URI uri(URI base, String path, Map<String, String> params) {
    String b = base.toString();
    while (b.endsWith("/")) {
      b = b.substring(0, b.length() - 1);
    }
    StringBuilder sb = new StringBuilder(b).append(path);
    char sep = '?';
    for (Map.Entry<String, String> e : params.entrySet()) {
      if (e.getValue() == null || e.getValue().isEmpty()) {
        continue;
      }
      sb.append(sep)
          .append(e.getKey())
          .append('=')
          .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
      sep = '&';
    }
    return URI.create(sb.toString());
  }

  /**
   * Adds the credentials as a header, never as URL parameters, so they cannot leak through a logged
   * URL: 1.x basic auth (which InfluxDB 1.x accepts like {@code u}/{@code p}), 2.x {@code Token}.
   */
  static HttpRequest.Builder authenticate(HttpRequest.Builder request, InfluxSettings settings) {
    if (settings.apiVersion() == InfluxSettings.ApiVersion.V2) {
      settings.token().ifPresent(t -> request.header("Authorization", "Token " + t));
    } else if (settings.username().isPresent()) {
      String pair = settings.username().get() + ":" + settings.password().orElse("");
      request.header(
          "Authorization",
          "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
    }
    return request;
  }

  /**
   * The server's error text from an error body: 1.x {@code {"error":"..."}}, 2.x {@code
   * {"code":"invalid","message":"..."}}, else the body itself, shortened.
   */
  static String serverMessage(String body) {
    if (body == null || body.isBlank()) {
      return "(no message)";
    }
    try {
      JsonNode node = JSON.readTree(body);
      if (node != null && node.isObject()) {
        if (node.hasNonNull("error")) {
          return shorten(node.get("error").asText());
        }
        if (node.hasNonNull("message")) {
          return shorten(node.get("message").asText());
        }
      }
    } catch (Exception notJson) {
      // a proxy's HTML page or plain text: show it as it is
    }
    return shorten(body.trim());
  }

  static String shorten(String text) {
    return text.length() <= MAX_MESSAGE ? text : text.substring(0, MAX_MESSAGE) + "...";
  }

  /** 5xx, 408 and 429 may succeed later; other 4xx will not. */
  static boolean retryableStatus(int status) {
    return status >= 500 || status == 408 || status == 429;
  }
}
