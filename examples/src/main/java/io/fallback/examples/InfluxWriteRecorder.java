package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transparent HTTP proxy in front of InfluxDB that logs every point InfluxDB acknowledged, with
 * the wall-clock time it arrived: both pipelines write through it. InfluxDB stores a window
 * rewritten by the same source once (same series and time), so only this log can tell how often
 * each source wrote each window, and when: the drill's rewrite counts and timings (last primary
 * point, first fallback point, drain rate) come from here.
 *
 * <p>Requests are forwarded as they are (method, path, query, body, {@code Content-Type} and {@code
 * Authorization}); the answer is InfluxDB's. Only {@code /write} answered 204 is logged, one entry
 * per line.
 *
 * <p>This class is thread-safe.
 */
public final class InfluxWriteRecorder implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(InfluxWriteRecorder.class);

  /**
   * One acknowledged point.
   *
   * @param receivedAt wall-clock time the write arrived, epoch milliseconds
   * @param source tag {@code source} (empty when absent)
   * @param id tag {@code id} (empty when absent)
   * @param time the point's timestamp as written (milliseconds with {@code precision=ms})
   * @param fields the field set exactly as written
   */
  public record Write(long receivedAt, String source, String id, long time, String fields) {}

  private final URI upstream;
  private final InstantSource clock;
  private final HttpServer server;
  private final ExecutorService executor;
  private final HttpClient http;
  private final List<Write> writes = new ArrayList<>();
  private final AtomicLong failedWrites = new AtomicLong();
  private boolean closed;

  private InfluxWriteRecorder(URI upstream, InstantSource clock) throws IOException {
    this.upstream = upstream;
    this.clock = clock;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    this.executor =
        Executors.newFixedThreadPool(
            8,
            r -> {
              Thread t = new Thread(r, "influx-recorder");
              t.setDaemon(true);
              return t;
            });
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    server.createContext("/", this::forward);
    server.setExecutor(executor);
  }

  /**
   * Starts a proxy on a free 127.0.0.1 port.
   *
   * @param upstreamUrl InfluxDB's base URL
   * @param clock the clock stamping arrivals
   * @return the running proxy
   * @throws IOException if it cannot bind
   */
  public static InfluxWriteRecorder start(String upstreamUrl, InstantSource clock)
      throws IOException {
    InfluxWriteRecorder recorder =
        new InfluxWriteRecorder(
            URI.create(requireNonNull(upstreamUrl, "upstreamUrl")), requireNonNull(clock, "clock"));
    recorder.server.start();
    return recorder;
  }

  /**
   * @return the proxy's base URL, to give the writers instead of InfluxDB's
   */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * @return every acknowledged point so far, in arrival order (a copy)
   */
  public List<Write> writes() {
    synchronized (writes) {
      return List.copyOf(writes);
    }
  }

  /**
   * @return write requests InfluxDB did not acknowledge
   */
  public long failedWrites() {
    return failedWrites.get();
  }

  /** Stops the proxy. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void forward(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      URI requestUri = exchange.getRequestURI();
      URI target =
          upstream.resolve(
              requestUri.getRawPath()
                  + (requestUri.getRawQuery() == null ? "" : "?" + requestUri.getRawQuery()));
      HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(60));
      for (String header : List.of("Content-Type", "Authorization", "Accept")) {
        String value = exchange.getRequestHeaders().getFirst(header);
        if (value != null) {
          request.header(header, value);
        }
      }
      request.method(
          exchange.getRequestMethod(),
          body.length == 0
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(body));
      HttpResponse<byte[]> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (IOException e) {
        if (requestUri.getPath().endsWith("/write")) {
          failedWrites.incrementAndGet();
        }
        byte[] error = ("{\"error\": \"proxy: " + e + "\"}").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(502, error.length);
        exchange.getResponseBody().write(error);
        return;
      }
      if (requestUri.getPath().endsWith("/write")) {
        if (response.statusCode() == 204) {
          record(clock.millis(), new String(body, StandardCharsets.UTF_8));
        } else {
          failedWrites.incrementAndGet();
        }
      }
      response
          .headers()
          .firstValue("Content-Type")
          .ifPresent(v -> exchange.getResponseHeaders().set("Content-Type", v));
      byte[] answer = response.body();
      exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
      if (answer.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(answer);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.warn("influx recorder: cannot forward {}: {}", exchange.getRequestURI(), e.toString());
      throw e;
    }
  }

  /** Parses line protocol as our writers produce it (no escaped spaces or commas in tags). */
  private void record(long receivedAt, String lines) {
    List<Write> parsed = new ArrayList<>();
    for (String line : lines.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int firstSpace = line.indexOf(' ');
      int lastSpace = line.lastIndexOf(' ');
      if (firstSpace < 0 || lastSpace <= firstSpace) {
        continue;
      }
      String series = line.substring(0, firstSpace);
      String source = "";
      String id = "";
      for (String part : series.split(",")) {
        if (part.startsWith("source=")) {
          source = part.substring("source=".length());
        } else if (part.startsWith("id=")) {
          id = part.substring("id=".length());
        }
      }
      long time;
      try {
        time = Long.parseLong(line.substring(lastSpace + 1).trim());
      } catch (NumberFormatException e) {
        continue;
      }
      parsed.add(
          new Write(receivedAt, source, id, time, line.substring(firstSpace + 1, lastSpace)));
    }
    synchronized (writes) {
      writes.addAll(parsed);
    }
  }
}
