package io.fallback.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Observation;
import io.fallback.core.mode.Override;
import io.fallback.core.mode.Transition;
import io.fallback.core.supervisor.FallbackSupervisor;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;


import java.time.InstantSource;
import java.util.Locale;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator endpoint: {@code GET /status}, {@code GET /metrics} (Prometheus), {@code GET /health},
 * and {@code POST /mode?mode=force-fallback|force-primary|auto}, which requires
 * {@code Authorization: Bearer <token>} with the token from the environment variable named by
 * {@code server.token_env}; without a configured token every {@code POST /mode} is refused.
 *
 * <p>Thread-safe. {@link #close()} stops it.
 */
final class StatusServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StatusServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The fallback's remaining backlog, as the Kafka lag of our own group. */
  interface Backlog {
    /** @return records not yet processed by the fallback, if known */
    OptionalLong records();
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final FallbackSupervisor supervisor;
  private final PrometheusMeterRegistry registry;
  private final Optional<String> token;
  private final Backlog backlog;
  private final InstantSource clock;
  private final Supplier<Double> recordsIn;
  private long rateAtMillis;
  private double rateAtRecords;
  private double drainRate;

  StatusServer(
      String bind,
      int port,
      FallbackSupervisor supervisor,
      PrometheusMeterRegistry registry,
      Optional<String> token,
      Backlog backlog,
      InstantSource clock,
      Supplier<Double> recordsIn)
      throws IOException {
    this.supervisor = supervisor;
    this.registry = registry;
    this.token = token.filter(t -> !t.isBlank());
    this.backlog = backlog;
    this.clock = clock;
    this.recordsIn = recordsIn;
    this.server = HttpServer.create(new InetSocketAddress(bind, port), 16);
    this.executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "fallback-status-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/status", this::status);
    server.createContext("/metrics", this::metrics);
    server.createContext("/health", this::health);
    server.createContext("/mode", this::mode);
    server.start();
  }

  /** @return the bound port */
  int port() {
    return server.getAddress().getPort();
  }

  private void status(HttpExchange ex) throws IOException {
    if (!method(ex, "GET")) {
      return;
    }
    ModeState state = supervisor.state();
    ObjectNode root = JSON.createObjectNode();
    root.put("mode", state.mode().name());
    root.put("override", state.override().name());
    root.put("since", state.since().toString());
    root.put("violations", state.violations());
    root.put("recoveries", state.recoveries());
    supervisor.lastObservation().ifPresent(o -> root.set("last_observation", observation(o)));
    state.lastTransition().ifPresent(t -> root.set("last_transition", transition(t)));
    if (state.mode() == Mode.FALLBACK) {
      ObjectNode b = root.putObject("backlog");
      OptionalLong remaining = backlog.records();
      double rate = drainRate();
      if (remaining.isPresent()) {
        b.put("records", remaining.getAsLong());
        if (rate > 0) {
          b.put("eta_seconds", Math.round(remaining.getAsLong() / rate));
        }
      }
      b.put("drain_records_per_second", Math.round(rate));
    }
    send(ex, 200, "application/json", JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }

  /** Records per second polled, averaged since the previous status request. */
  private synchronized double drainRate() {
    long now = clock.millis();
    double total = recordsIn.get();
    if (rateAtMillis != 0 && now > rateAtMillis) {
      drainRate = (total - rateAtRecords) * 1000.0 / (now - rateAtMillis);
    }
    rateAtMillis = now;
    rateAtRecords = total;
    return drainRate;
  }

  private static ObjectNode observation(Observation o) {
    ObjectNode n = JSON.createObjectNode();
    n.put("at", o.at().toString());
    if (o.latency().isPresent()) {
      n.put("latency_seconds", o.latency().get().toMillis() / 1000.0);
    } else {
      n.putNull("latency_seconds");
    }
    n.put("health", o.health().status().name());
    n.put("health_reason", o.health().reason());
    return n;
  }

  private static ObjectNode transition(Transition t) {
    ObjectNode n = JSON.createObjectNode();
    n.put("from", t.from().name());
    n.put("to", t.to().name());
    n.put("cause", t.cause().name().toLowerCase(Locale.ROOT));
    n.put("at", t.at().toString());
    n.put("detail", t.detail());
    var obs = n.putArray("observations");
    t.observations().forEach(o -> obs.add(observation(o)));
    return n;
  }

  private void metrics(HttpExchange ex) throws IOException {
    if (method(ex, "GET")) {
      send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
    }
  }

  private void health(HttpExchange ex) throws IOException {
    if (method(ex, "GET")) {
      send(ex, 200, "application/json", "{\"status\":\"UP\",\"mode\":\"" + supervisor.state().mode() + "\"}");
    }
  }

  private void mode(HttpExchange ex) throws IOException {
    if (!method(ex, "POST")) {
      return;
    }
    if (token.isEmpty()) {
      send(ex, 403, "application/json", "{\"error\":\"no admin token configured (server.token_env); POST /mode is disabled\"}");
      return;
    }
    String auth = Optional.ofNullable(ex.getRequestHeaders().getFirst("Authorization")).orElse("");
    if (!constantTimeEquals(auth, "Bearer " + token.get())) {
      send(ex, 401, "application/json", "{\"error\":\"missing or wrong bearer token\"}");
      return;
    }
    String query = Optional.ofNullable(ex.getRequestURI().getRawQuery()).orElse("");
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).trim();
    String requested = param(query, "mode").or(() -> param(body, "mode")).orElse(body);
    Override override =
        switch (requested.toLowerCase(Locale.ROOT)) {
          case "force-fallback", "force_fallback" -> Override.FORCE_FALLBACK;
          case "force-primary", "force_primary" -> Override.FORCE_PRIMARY;
          case "auto" -> Override.AUTO;
          default -> null;
        };
    if (override == null) {
      send(ex, 400, "application/json", "{\"error\":\"mode must be one of force-fallback, force-primary, auto\"}");
      return;
    }
    LOG.warn("Manual override {} requested from {}", override, ex.getRemoteAddress());
    ModeState state = supervisor.override(override);
    ObjectNode n = JSON.createObjectNode();
    n.put("mode", state.mode().name());
    n.put("override", state.override().name());
    state.lastTransition().ifPresent(t -> n.set("last_transition", transition(t)));
    send(ex, 200, "application/json", JSON.writeValueAsString(n));
  }

  private static Optional<String> param(String query, String name) {
    for (String part : query.split("&")) {
      int eq = part.indexOf('=');
      if (eq > 0 && part.substring(0, eq).equals(name)) {
        return Optional.of(URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return Optional.empty();
  }

  private static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private static boolean method(HttpExchange ex, String expected) throws IOException {
    if (ex.getRequestMethod().equalsIgnoreCase(expected)) {
      return true;
    }
    ex.getResponseHeaders().add("Allow", expected);
    send(ex, 405, "application/json", "{\"error\":\"method not allowed\"}");
    return false;
  }

  private static void send(HttpExchange ex, int code, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @java.lang.Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

}
