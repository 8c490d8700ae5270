package io.fallback.influx;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local HTTP endpoint on 127.0.0.1 that records every request and answers from a script (the last
 * answer repeats). Speaks just enough of InfluxDB's protocols for transport tests.
 */
final class RecordingHttpServer implements AutoCloseable {

  record Request(
      String method,
      String path,
      Map<String, String> query,
      Map<String, List<String>> headers,
      String body) {
    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }
  }

  record Answer(int status, String contentType, String body) {
    static Answer noContent() {
      return new Answer(204, null, "");
    }

    static Answer json(int status, String body) {
      return new Answer(status, "application/json; charset=utf-8", body);
    }
  }

  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Deque<Answer> script = new ArrayDeque<>();

  RecordingHttpServer() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          URI uri = exchange.getRequestURI();
          requests.add(
              new Request(
                  exchange.getRequestMethod(),
                  uri.getPath(),
                  parse(uri.getRawQuery()),
                  Map.copyOf(exchange.getRequestHeaders()),
                  body));
          Answer answer = next();
          if (answer.contentType() != null) {
            exchange.getResponseHeaders().add("Content-Type", answer.contentType());
          }
          byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
    server.start();
  }

  /** Queues answers; the last one keeps being used. */
  synchronized RecordingHttpServer answer(Answer... answers) {
    script.clear();
    script.addAll(List.of(answers));
    return this;
  }

  private synchronized Answer next() {
    return script.size() > 1
        ? script.removeFirst()
        : script.isEmpty() ? Answer.noContent() : script.peekFirst();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  private static Map<String, String> parse(String rawQuery) {
    Map<String, String> out = new LinkedHashMap<>();
    if (rawQuery == null) {
      return out;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(
          URLDecoder.decode(k, StandardCharsets.UTF_8),
          URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return out;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
