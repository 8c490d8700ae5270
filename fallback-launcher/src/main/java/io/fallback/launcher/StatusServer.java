package io.fallback.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeOverride;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Observation;
import io.fallback.core.mode.Transition;
import io.fallback.core.supervisor.FallbackActivity;
import io.fallback.core.supervisor.FallbackSupervisor;
import io.fallback.kafka.GroupBacklog;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator endpoint: {@code GET /status}, {@code GET /metrics} (Prometheus), {@code GET
 * /health/live}, {@code GET /health/ready} ({@code GET /health} is the same as ready; both answer
 * 200, or 503 with the reasons, as {@link InstanceHealth} judges), and {@code POST
 * /mode?mode=force-fallback|force-primary|auto}, which requires {@code Authorization: Bearer
 * <token>} with the token from the environment variable named by {@code server.token_env}; without
 * a configured token every {@code POST /mode} is refused.
 *
 * <p>{@code /status} is the supervisor's state, plus what an {@link ActivationTracker} remembers
 * from core events (the current or last activation, errors), the loop runner's state, and in
 * fallback the Kafka backlog ({@link #statusJson} lists the fields).
 *
 * <p>No request waits for Kafka, InfluxDB or Flink: what needs a remote call is sampled elsewhere
 * ({@link Backlog}, the supervisor's checks) and read here as last known.
 *
 * <p>Thread-safe. {@link #close()} stops it.
 */
final class StatusServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StatusServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;
  private final FallbackSupervisor supervisor;
  private final PrometheusMeterRegistry registry;
  private final Optional<String> token;
  private final Backlog backlog;
  private final ActivationTracker tracker;
  private final Supplier<FallbackActivity.Status> loop;
  private final InstantSource clock;
  private final InstanceHealth health;
  private final DrainRate drainRate = new DrainRate();
  private final Map<String, Supplier<JsonNode>> sections = new ConcurrentHashMap<>();

  StatusServer(
      String bind,
      int port,
      FallbackSupervisor supervisor,
      PrometheusMeterRegistry registry,
      Optional<String> token,
      Backlog backlog,
      ActivationTracker tracker,
      Supplier<FallbackActivity.Status> loop,
      InstantSource clock,
      InstanceHealth health)
      throws IOException {
    this.supervisor = supervisor;
    this.registry = registry;
    this.token = token.filter(t -> !t.isBlank());
    this.backlog = backlog;
    this.tracker = tracker;
    this.loop = loop;
    this.clock = clock;
    this.health = health;
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
    server.createContext("/health", this::ready);
    server.createContext("/health/ready", this::ready);
    server.createContext("/health/live", this::live);
    server.createContext("/mode", this::mode);
    server.start();
  }

  /**
   * Adds a section to {@code GET /status}, computed at each request (for example {@code shadow}).
   *
   * @param name the field name
   * @param section computes the section
   */
  void addSection(String name, Supplier<JsonNode> section) {
    sections.put(name, section);
  }

  /**
   * @return the bound port
   */
  int port() {
    return server.getAddress().getPort();
  }

  private void status(HttpExchange ex) throws IOException {
    if (!method(ex, "GET")) {
      return;
    }
    ActivationTracker.Snapshot events = tracker.snapshot();
    ObjectNode root =
        statusJson(
            supervisor.state(),
            supervisor.lastObservation(),
            events,
            loop.get(),
            () -> backlog.latest().counts(),
            () -> drainRate.perSecond(clock.instant(), events));
    sections.forEach((name, section) -> root.set(name, section.get()));
    send(
        ex,
        200,
        "application/json",
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }

  /**
   * The body of {@code GET /status}:
   *
   * <pre>
   * mode, override, since, violations, recoveries, last_observation, last_transition  (as before)
   * errors_total        failures so far (= the sum of fallback_errors_total)
   * last_error          {stage, message, at} of the latest failure anywhere, or null
   * activation          the current or last fallback activation:
   *   started_at          when the supervisor started the fallback, or null if it never did
   *   first_batch_at      first batch read in this activation, or null
   *   first_write_at      first point written in this activation, or null
   *   records_read, points_written   in this activation
   *   loop                running | failing | stopped | not_started
   *   last_error          {stage, message, at} of the latest failure in this activation, or null
   *   failed_attempts     consecutive failed attempts to start or run the loop
   *   next_attempt_at     when a failing loop is tried again, or null
   * backlog             in FALLBACK only:
   *   unread_records        records not read yet (end - read through), null if Kafka did not answer
   *   open_window_records   read, waiting for their windows to close (read through - committed)
   *   commit_lag_records    end - committed (= the two above); "records" is the same, kept for old readers
   *   drain_records_per_second   records read per second, recently
   *   eta_seconds           unread / drain rate; 0 when nothing is unread; null when not draining
   * shadow              with shadow.enabled only (ShadowMode#statusJson): loop, sample_every, compared,
   *                     equal, differing, missing, confirmed_unscored, own, over_budget, pending,
   *                     oldest_pending_at, differing_ratio, missing_ratio, alerting, first_differences
   * </pre>
   */
  static ObjectNode statusJson(
      ModeState state,
      Optional<Observation> lastObservation,
      ActivationTracker.Snapshot events,
      FallbackActivity.Status loop,
      Supplier<Optional<GroupBacklog.Counts>> backlog,
      DoubleSupplier drainRate) {
    ObjectNode root = JSON.createObjectNode();
    root.put("mode", state.mode().name());
    root.put("override", state.override().name());
    root.put("since", state.since().toString());
    root.put("violations", state.violations());
    root.put("recoveries", state.recoveries());
    lastObservation.ifPresent(o -> root.set("last_observation", observation(o)));
    state.lastTransition().ifPresent(t -> root.set("last_transition", transition(t)));
    root.put("errors_total", events.errorsTotal());
    root.set("last_error", error(events.lastError()));
    ObjectNode a = root.putObject("activation");
    instant(a, "started_at", events.startedAt());
    instant(a, "first_batch_at", events.firstBatchAt());
    instant(a, "first_write_at", events.firstWriteAt());
    a.put("records_read", events.recordsRead());
    a.put("points_written", events.pointsWritten());
    a.put("loop", loop.state().name().toLowerCase(Locale.ROOT));
    a.set("last_error", error(events.activationError()));
    a.put("failed_attempts", loop.failedAttempts());
    instant(a, "next_attempt_at", loop.nextAttemptAt().orElse(null));
    if (state.mode() == Mode.FALLBACK) {
      ObjectNode b = root.putObject("backlog");
      Optional<GroupBacklog.Counts> counts = backlog.get();
      double rate = drainRate.getAsDouble();
      if (counts.isPresent()) {
        GroupBacklog.Counts c = counts.get();
        b.put("unread_records", c.unread());
        b.put("open_window_records", c.openWindows());
        b.put("commit_lag_records", c.commitLag());
        b.put("records", c.commitLag());
      } else {
        b.putNull("unread_records");
        b.putNull("open_window_records");
        b.putNull("commit_lag_records");
        b.putNull("records");
      }
      b.put("drain_records_per_second", Math.round(rate));
      if (counts.isPresent() && counts.get().unread() == 0) {
        b.put("eta_seconds", 0);
      } else if (counts.isPresent() && rate > 0) {
        b.put("eta_seconds", Math.round(counts.get().unread() / rate));
      } else {
        b.putNull("eta_seconds");
      }
    }
    return root;
  }

  private static void instant(ObjectNode n, String field, Instant at) {
    if (at == null) {
      n.putNull(field);
    } else {
      n.put(field, at.toString());
    }
  }

  private static ObjectNode error(ActivationTracker.ErrorReport e) {
    if (e == null) {
      return null;
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("stage", e.stage());
    n.put("message", e.message());
    n.put("at", e.at().toString());
    return n;
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

  private void live(HttpExchange ex) throws IOException {
    if (!exactPath(ex) || !method(ex, "GET")) {
      return;
    }
    ActivationTracker.Snapshot events = tracker.snapshot();
    InstanceHealth.Verdict verdict = health.live(clock.instant(), events);
    ObjectNode n = verdictJson(verdict);
    instant(n, "last_check_at", events.lastCheckAt());
    n.set("reasons", reasons(verdict));
    send(ex, verdict.up() ? 200 : 503, "application/json", JSON.writeValueAsString(n));
  }

  private void ready(HttpExchange ex) throws IOException {
    if (!exactPath(ex) || !method(ex, "GET")) {
      return;
    }
    ActivationTracker.Snapshot events = tracker.snapshot();
    ModeState state = supervisor.state();
    FallbackActivity.Status status = loop.get();
    InstanceHealth.Verdict verdict =
        health.ready(clock.instant(), state.mode(), status, events, backlog.latest());
    ObjectNode n = verdictJson(verdict);
    n.put("mode", state.mode().name());
    n.put("loop", status.state().name().toLowerCase(Locale.ROOT));
    instant(n, "last_check_at", events.lastCheckAt());
    n.set("reasons", reasons(verdict));
    send(ex, verdict.up() ? 200 : 503, "application/json", JSON.writeValueAsString(n));
  }

  private static ObjectNode verdictJson(InstanceHealth.Verdict verdict) {
    ObjectNode n = JSON.createObjectNode();
    n.put("status", verdict.up() ? "UP" : "DOWN");
    return n;
  }

  private static ArrayNode reasons(InstanceHealth.Verdict verdict) {
    ArrayNode a = JSON.createArrayNode();
    verdict.reasons().forEach(a::add);
    return a;
  }

  /** The server matches contexts by prefix; {@code /health/whatever} is not {@code /health}. */
  private static boolean exactPath(HttpExchange ex) throws IOException {
    if (ex.getRequestURI().getPath().equals(ex.getHttpContext().getPath())) {
      return true;
    }
    send(ex, 404, "application/json", "{\"error\":\"not found\"}");
    return false;
  }

  private void mode(HttpExchange ex) throws IOException {
    if (!method(ex, "POST")) {
      return;
    }
    if (token.isEmpty()) {
      send(
          ex,
          403,
          "application/json",
          "{\"error\":\"no admin token configured (server.token_env); POST /mode is disabled\"}");
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
    ModeOverride override =
        switch (requested.toLowerCase(Locale.ROOT)) {
          case "force-fallback", "force_fallback" -> ModeOverride.FORCE_FALLBACK;
          case "force-primary", "force_primary" -> ModeOverride.FORCE_PRIMARY;
          case "auto" -> ModeOverride.AUTO;
          default -> null;
        };
    if (override == null) {
      send(
          ex,
          400,
          "application/json",
          "{\"error\":\"mode must be one of force-fallback, force-primary, auto\"}");
      return;
    }
    LOG.warn("Manual override {} requested from {}", override, ex.getRemoteAddress());
    ModeState state;
    try {
      state = supervisor.override(override);
    } catch (RuntimeException e) {
      // group.enabled: the request to the group's decider could not be written
      send(
          ex,
          503,
          "application/json",
          JSON.writeValueAsString(
              JSON.createObjectNode().put("error", "override not delivered: " + e.getMessage())));
      return;
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("mode", state.mode().name());
    n.put("override", state.override().name());
    if (state.override() != override) {
      // group.enabled on a follower: the decider applies it and every instance follows
      n.put("requested", override.name());
      n.put("note", "sent to the group's decider; every instance follows its decision");
    }
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
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
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

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
