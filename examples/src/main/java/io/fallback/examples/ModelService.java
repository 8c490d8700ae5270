package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stress-prediction model service with the seed's HTTP API, on a free 127.0.0.1 port:
 *
 * <ul>
 *   <li>{@code GET /model/api/predict?x=..&y=..&z=..&eda=..&hr=..&temp=..} answers {@code
 *       {"stress_level_prediction": "<0|1|2>"}} from {@link StressModel}; a missing or non-numeric
 *       parameter answers 400.
 *   <li>{@code POST /model/api/predict} with {@code {"instances": [{"x": .., "y": .., ...}, ...]}}
 *       answers {@code {"predictions": [<level>, ...]}}, one per instance in order: the batched
 *       call of {@code ml_service.batch_size} (injected latency and errors apply once per request);
 *   <li>{@code GET /health} answers {@code {"status": "healthy"}} (503 while every prediction
 *       fails).
 * </ul>
 *
 * <p>Faults can be switched on and off at run time ({@link #faults(Faults)}): added latency and a
 * rate of HTTP 503 answers, for every caller or only for requests whose {@value #CLIENT_HEADER}
 * header names a given client (the example Flink job sends {@code X-Client: flink}), so one
 * pipeline can be slowed while the other is not.
 *
 * <p>This class is thread-safe.
 */
public final class ModelService implements AutoCloseable {

  /** Path of the prediction endpoint. */
  public static final String PREDICT_PATH = "/model/api/predict";

  /** Path of the health endpoint. */
  public static final String HEALTH_PATH = "/health";

  /** Request header naming the caller, matched by {@link Faults#onlyClient()}. */
  public static final String CLIENT_HEADER = "X-Client";

  private static final Logger LOG = LoggerFactory.getLogger(ModelService.class);
  private static final String[] PARAMETERS = {"x", "y", "z", "eda", "hr", "temp"};
  private static final ObjectMapper JSON = new ObjectMapper();

  static {
    // The JDK HttpServer sends the response headers and the body in separate writes; without
    // TCP_NODELAY, Nagle's algorithm holds the body back until the client's delayed ACK of the
    // headers: ~44 ms per answer here instead of ~1 ms. The JDK reads this property once, when the
    // first HttpServer of the JVM is created, so it must be set before that (the drill starts this
    // service before its other HttpServer); an explicit -Dsun.net.httpserver.nodelay wins.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  /**
   * Injected faults.
   *
   * @param latency added to every affected prediction before it answers; zero for none
   * @param errorRate share of affected predictions answered with HTTP 503, 0 to 1 (1 = always)
   * @param onlyClient affect only requests whose {@value #CLIENT_HEADER} header equals this, or
   *     null for every request
   */
  public record Faults(Duration latency, double errorRate, String onlyClient) {

    /** No faults. */
    public static final Faults NONE = new Faults(Duration.ZERO, 0, null);

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException for a negative latency or a rate outside [0, 1]
     */
    public Faults {
      requireNonNull(latency, "latency");
      if (latency.isNegative()) {
        throw new IllegalArgumentException("latency must be >= 0, but was " + latency);
      }
      if (!(errorRate >= 0 && errorRate <= 1)) {
        throw new IllegalArgumentException("errorRate must be in [0, 1], but was " + errorRate);
      }
    }

    /**
     * @param latency added latency for every caller
     * @return the faults
     */
    public static Faults latency(Duration latency) {
      return new Faults(latency, 0, null);
    }

    /**
     * @param errorRate share of 503 answers for every caller
     * @return the faults
     */
    public static Faults errors(double errorRate) {
      return new Faults(Duration.ZERO, errorRate, null);
    }

    /**
     * @param client the {@value #CLIENT_HEADER} value to affect
     * @return these faults, only for that client
     */
    public Faults onlyFor(String client) {
      return new Faults(latency, errorRate, requireNonNull(client, "client"));
    }

    boolean affects(String client) {
      return onlyClient == null || onlyClient.equals(client);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicReference<Faults> faults = new AtomicReference<>(Faults.NONE);
  private final AtomicLong predictions = new AtomicLong();
  private final AtomicLong injectedErrors = new AtomicLong();
  private final AtomicLong affected = new AtomicLong();
  private final Map<String, AtomicLong> perClient = new java.util.concurrent.ConcurrentHashMap<>();
  private boolean closed;

  private ModelService(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts the service on a free 127.0.0.1 port.
   *
   * @return the running service; close it when done
   * @throws IOException if it cannot bind
   */
  public static ModelService start() throws IOException {
    return start(0);
  }

  /**
   * Starts the service on 127.0.0.1.
   *
   * @param port the port, 0 for any free one
   * @return the running service; close it when done
   * @throws IOException if it cannot bind
   */
  public static ModelService start(int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
    ExecutorService executor =
        Executors.newFixedThreadPool(
            32,
            r -> {
              Thread t = new Thread(r, "model-service");
              t.setDaemon(true);
              return t;
            });
    ModelService service = new ModelService(server, executor);
    server.createContext(PREDICT_PATH, service::predict);
    server.createContext(HEALTH_PATH, service::health);
    server.setExecutor(executor);
    server.start();
    LOG.info("model service listening on {}", service.baseUrl());
    return service;
  }

  /**
   * @return {@code http://127.0.0.1:<port>}
   */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * @return the prediction endpoint's URL, as {@code ml_service.endpoint} takes it
   */
  public String predictUrl() {
    return baseUrl() + PREDICT_PATH;
  }

  /**
   * Replaces the injected faults; {@link Faults#NONE} switches them off.
   *
   * @param faults the faults from now on
   */
  public void faults(Faults faults) {
    Faults previous = this.faults.getAndSet(requireNonNull(faults, "faults"));
    if (!faults.equals(previous)) {
      LOG.info("model service faults: {}", faults);
    }
  }

  /**
   * @return the faults in effect
   */
  public Faults faults() {
    return faults.get();
  }

  /**
   * @return predictions answered with a level (200)
   */
  public long predictions() {
    return predictions.get();
  }

  /**
   * @param client a {@value #CLIENT_HEADER} value, or {@code ""} for requests without the header
   * @return predictions answered with a level to that client
   */
  public long predictions(String client) {
    AtomicLong count = perClient.get(client);
    return count == null ? 0 : count.get();
  }

  /**
   * @return predictions answered 503 by an injected fault
   */
  public long injectedErrors() {
    return injectedErrors.get();
  }

  /** Stops the service, waiting at most a second for requests in flight. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.stop(1);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void predict(HttpExchange exchange) throws IOException {
    try (exchange) {
      List<float[]> instances;
      boolean batched = "POST".equals(exchange.getRequestMethod());
      if (batched) {
        try {
          instances = instances(JSON.readTree(exchange.getRequestBody()));
        } catch (IOException | IllegalArgumentException e) {
          respond(exchange, 400, JSON.writeValueAsString(Map.of("error", e.getMessage())));
          return;
        }
      } else if ("GET".equals(exchange.getRequestMethod())) {
        Map<String, String> query = query(exchange.getRequestURI());
        float[] values = new float[PARAMETERS.length];
        for (int i = 0; i < PARAMETERS.length; i++) {
          String text = query.get(PARAMETERS[i]);
          try {
            values[i] = Float.parseFloat(requireNonNull(text));
          } catch (NullPointerException | NumberFormatException e) {
            respond(
                exchange,
                400,
                "{\"error\": \"parameter " + PARAMETERS[i] + " is missing or not a number\"}");
            return;
          }
        }
        instances = List.of(values);
      } else {
        respond(exchange, 405, "{\"error\": \"only GET, or POST for a batch\"}");
        return;
      }
      String client = exchange.getRequestHeaders().getFirst(CLIENT_HEADER);
      client = client == null ? "" : client;
      Faults current = faults.get();
      if (current.affects(client)) {
        long n = affected.incrementAndGet();
        if (!current.latency().isZero()) {
          // the injected fault itself: this request is slow
          Thread.sleep(current.latency().toMillis());
        }
        if (current.errorRate() > 0 && failsAt(n, current.errorRate())) {
          injectedErrors.incrementAndGet();
          respond(exchange, 503, "{\"error\": \"injected fault\"}");
          return;
        }
      }
      StringBuilder levels = new StringBuilder();
      for (float[] values : instances) {
        levels
            .append(levels.length() == 0 ? "" : ",")
            .append(StressModel.predict(values[4], values[3]));
      }
      predictions.addAndGet(instances.size());
      perClient.computeIfAbsent(client, c -> new AtomicLong()).addAndGet(instances.size());
      respond(
          exchange,
          200,
          batched
              ? "{\"predictions\": [" + levels + "]}"
              : "{\"stress_level_prediction\": \"" + levels + "\"}");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The instances of a batched request, each the parameters' values in order. */
  private static List<float[]> instances(JsonNode root) {
    JsonNode list = root == null ? null : root.get("instances");
    if (list == null || !list.isArray()) {
      throw new IllegalArgumentException("no instances array");
    }
    List<float[]> out = new ArrayList<>(list.size());
    for (JsonNode instance : list) {
      float[] values = new float[PARAMETERS.length];
      for (int i = 0; i < PARAMETERS.length; i++) {
        JsonNode v = instance.get(PARAMETERS[i]);
        if (v == null || !v.isNumber()) {
          throw new IllegalArgumentException(
              "parameter " + PARAMETERS[i] + " is missing or not a number");
        }
        values[i] = v.floatValue();
      }
      out.add(values);
    }
    return out;
  }

  /** Spreads failures evenly: request n fails when floor(n * rate) advanced. */
  private static boolean failsAt(long n, double rate) {
    return rate >= 1 || Math.floor(n * rate) > Math.floor((n - 1) * rate);
  }

  private void health(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (faults.get().errorRate() >= 1 && faults.get().onlyClient() == null) {
        respond(exchange, 503, "{\"status\": \"unhealthy\"}");
      } else {
        respond(exchange, 200, "{\"status\": \"healthy\"}");
      }
    }
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> result = new HashMap<>();
    String raw = uri.getRawQuery();
    if (raw == null) {
      return result;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        result.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return result;
  }

  private static void respond(HttpExchange exchange, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
