package io.fallback.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real local HTTP server (JDK {@code HttpServer} on 127.0.0.1, ephemeral port) with a swappable
 * handler.
 */
final class StubServer implements AutoCloseable {

  /** What the server answers. */
  record Reply(int status, String body) {
    static Reply ok(String body) {
      return new Reply(200, body);
    }
  }

  /** Decides the answer to one request. */
  @FunctionalInterface
  interface Handler {
    Reply handle(HttpExchange exchange) throws Exception;
  }

  static {
    // The JDK server writes headers and body separately; without TCP_NODELAY, Nagle's algorithm and
    // the client's delayed ACK add ~40 ms to every answer, which would measure the stub, not the
    // client.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private volatile Handler handler = exchange -> new Reply(404, "no handler");
  private final AtomicInteger hits = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final List<String> queries = new CopyOnWriteArrayList<>();

  private StubServer(int threads) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    executor = Executors.newFixedThreadPool(threads);
    server.setExecutor(executor);
    server.createContext("/", this::serve);
    server.start();
  }

  static StubServer start() throws IOException {
    return new StubServer(64);
  }

  StubServer handler(Handler handler) {
    this.handler = handler;
    return this;
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  int hits() {
    return hits.get();
  }

  int maxInFlight() {
    return maxInFlight.get();
  }

  List<String> queries() {
    return queries;
  }

  private void serve(HttpExchange exchange) throws IOException {
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    hits.incrementAndGet();
    String query = exchange.getRequestURI().getRawQuery();
    if (query != null) {
      queries.add(query);
    }
    Reply reply;
    try {
      reply = handler.handle(exchange);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reply = new Reply(500, "interrupted");
    } catch (Exception e) {
      reply = new Reply(500, "stub failed: " + e);
    } finally {
      inFlight.decrementAndGet();
    }
    byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    try {
      exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    } catch (IOException e) {
      // the client gave up (timeout, cancel): nothing to answer to
    } finally {
      exchange.close();
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.stop(0);
    executor.shutdownNow();
    executor.awaitTermination(5, TimeUnit.SECONDS);
  }
}
