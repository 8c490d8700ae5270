package io.fallback.http;

import dev.failsafe.CircuitBreaker;
import dev.failsafe.CircuitBreakerOpenException;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyBuilder;
import dev.failsafe.Timeout;
import dev.failsafe.TimeoutExceededException;
import io.fallback.core.Health;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client of the stress-prediction model service: {@code GET
 * <endpoint>?x=..&y=..&z=..&eda=..&hr=..&temp=..} answered by {@code {"stress_level_prediction":
 * "2"}}.
 *
 * <p>With {@link ModelServiceSettings#batchSize()} above 1 (off by default), for a service that
 * offers it, up to that many windows go in one call: {@code POST <batch endpoint>} with {@code
 * Content-Type: application/json} and the body {@code {"instances": [{"x": 0.1, "y": -0.25, ...},
 * ...]}} (one object per window, in order, with the query parameters' names and the means as JSON
 * numbers), answered by {@code {"predictions": [2, 1, ...]}} (integers, or strings holding them),
 * exactly one per window, in the same order. A batched call is retried, timed out and counted by
 * the breaker as one call; any failure fails every window of the call.
 *
 * <p>Every attempt is bounded by {@link ModelServiceSettings#timeout()}; failed attempts (refused
 * connection, timeout, HTTP 429 or 5xx) are retried up to {@link
 * ModelServiceSettings#retryAttempts()} tries in total with exponential backoff and jitter; a
 * circuit breaker stops calling a service that keeps failing and lets one trial call through after
 * {@link ModelServiceSettings#circuitBreakerOpen()}. Retries, timeout and breaker are Failsafe
 * policies. At most {@link ModelServiceSettings#maxConcurrency()} calls are in flight at once,
 * across all callers of one client.
 *
 * <p>This client never invents a prediction: a window that cannot be scored fails the whole call
 * ({@link ModelServiceException}), and the failure is logged once as {@code Error calling ML
 * service} with its cause. A malformed answer (not JSON, no {@code stress_level_prediction}, not an
 * integer) is an error quoting the start of the body, and is not retried within the call.
 *
 * <p>Query parameter values are the window means as {@link Float#toString(float)} writes them,
 * which is what the primary job sends.
 *
 * <p>This class is thread-safe. It owns its HTTP client and threads (one per call in flight, at
 * most {@code max_concurrency}; idle ones end); {@link #close()} releases them.
 */
public final class ModelServiceClient implements AutoCloseable {

  /** The JSON field holding the prediction. */
  public static final String PREDICTION_FIELD = "stress_level_prediction";

  private static final Logger LOG = LoggerFactory.getLogger(ModelServiceClient.class);
  private static final double JITTER = 0.25;

  private final ModelServiceSettings settings;
  private final ModelRequests requests;
  private final ExecutorService executor;
  private final ThreadPoolExecutor callers;
  private final HttpClient http;
  private final CircuitBreaker<int[]> breaker;
  private final FailsafeExecutor<int[]> failsafe;
  private final Semaphore permits;
  private final ModelServiceHealth healthCheck;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicReference<String> lastFailure = new AtomicReference<>("none");

  private ModelServiceClient(ModelServiceSettings settings, List<String> fieldNames) {
    this.settings = Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(fieldNames, "fieldNames");
    this.requests = new ModelRequests(settings, fieldNames);

    // The HttpClient's own threads (I/O, parsing): they never block.
    this.executor =
        Executors.newFixedThreadPool(
            Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors())),
            daemonThreads("ml-service-io-"));
    // One thread per call in flight, blocked in HttpClient.send. Not sendAsync: sendAsync completes
    // every response through CompletableFuture's default async pool, which on a machine with 2
    // cores or fewer (common-pool parallelism 1) starts a new Thread per response; that thread
    // start was most of the CPU a call cost here, and capped a 2-core machine at ~1 400 calls/s.
    // Separate from `executor`: blocked callers must not starve the HttpClient of its threads.
    int maxConcurrency = settings.maxConcurrency();
    this.callers =
        new ThreadPoolExecutor(
            maxConcurrency,
            maxConcurrency,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            daemonThreads("ml-service-call-"));
    this.callers.allowCoreThreadTimeOut(true);
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(settings.timeout())
            .executor(executor)
            .build();
    this.breaker =
        CircuitBreaker.<int[]>builder()
            .withFailureThreshold(settings.circuitBreakerFailures())
            .withDelay(settings.circuitBreakerOpen())
            .withSuccessThreshold(1)
            .onOpen(
                e ->
                    LOG.warn(
                        "ML service circuit breaker opened after {} consecutive failures; no calls for {}",
                        settings.circuitBreakerFailures(),
                        Texts.duration(settings.circuitBreakerOpen())))
            .onHalfOpen(e -> LOG.info("ML service circuit breaker half-open: trying one call"))
            .onClose(e -> LOG.info("ML service circuit breaker closed: calls resume"))
            .build();
    RetryPolicyBuilder<int[]> retry =
        RetryPolicy.<int[]>builder()
            .withMaxAttempts(settings.retryAttempts())
            .abortOn(CircuitBreakerOpenException.class)
            .abortIf((result, failure) -> !isRetryable(failure))
            .onFailedAttempt(
                e -> {
                  if (!(unwrap(e.getLastException()) instanceof CircuitBreakerOpenException)) {
                    lastFailure.set(reason(e.getLastException()));
                  }
                })
            .onRetry(
                e ->
                    LOG.warn(
                        "ML service call failed (try {}/{}), retrying: {}",
                        e.getAttemptCount(),
                        settings.retryAttempts(),
                        reason(e.getLastException())));
    if (settings.retryBackoff().compareTo(settings.retryMaxBackoff()) < 0
        && !settings.retryBackoff().isZero()) {
      retry.withBackoff(settings.retryBackoff(), settings.retryMaxBackoff()).withJitter(JITTER);
    } else if (!settings.retryBackoff().isZero()) {
      retry.withDelay(settings.retryBackoff()).withJitter(JITTER);
    }
    Timeout<int[]> timeout = Timeout.<int[]>builder(settings.timeout()).withInterrupt().build();
    this.failsafe = Failsafe.with(retry.build(), breaker, timeout).with(callers);
    this.permits = new Semaphore(settings.maxConcurrency());
    this.healthCheck = new ModelServiceHealth(settings, http, requests);
  }

  /**
   * Creates a client.
   *
   * @param settings how to call the service
   * @param fieldNames the names of the window fields, in {@link WindowResult#mean(int)} order, for
   *     example {@link io.fallback.core.window.WindowSpec#fieldNames()}
   * @return a client; close it when done
   * @throws IllegalArgumentException if a query parameter maps to a field that is not in {@code
   *     fieldNames}
   */
  public static ModelServiceClient of(ModelServiceSettings settings, List<String> fieldNames) {
    return new ModelServiceClient(settings, fieldNames);
  }

  /**
   * The settings of this client.
   *
   * @return the settings
   */
  public ModelServiceSettings settings() {
    return settings;
  }

  /**
   * Scores one window.
   *
   * @param window the window
   * @return the model's prediction
   * @throws ModelServiceException if no prediction could be obtained
   * @throws IllegalStateException if the client is closed
   */
  public int predict(WindowResult window) {
    return scoreAll(List.of(window)).get(0).stressLevel();
  }

  /**
   * Scores windows in parallel, up to {@link ModelServiceSettings#maxConcurrency()} calls in
   * flight, one call per window. All or nothing: if any window cannot be scored, the calls still
   * running are cancelled, the failure is logged as {@code Error calling ML service}, and this
   * method throws.
   *
   * @param windows the windows; may be empty
   * @return one scored window per input, in input order
   * @throws ModelServiceException if any window could not be scored, or the thread was interrupted
   *     (then with the interrupt flag set)
   * @throws IllegalStateException if the client is closed
   */
  public List<ScoredWindow> scoreAll(List<WindowResult> windows) {
    Objects.requireNonNull(windows, "windows");
    if (closed.get()) {
      throw new IllegalStateException("ModelServiceClient is closed");
    }
    int n = windows.size();
    if (n == 0) {
      return List.of();
    }
    int batch = settings.batchSize();
    int calls = (n + batch - 1) / batch;
    int[] predictions = new int[n];
    List<CompletableFuture<int[]>> executions = new ArrayList<>(calls);
    List<CompletableFuture<?>> completions = new ArrayList<>(calls);
    AtomicReference<ModelServiceException> failure = new AtomicReference<>();
    CompletableFuture<Void> failed = new CompletableFuture<>();
    try {
      for (int c = 0; c < calls && failure.get() == null; c++) {
        permits.acquire();
        if (failure.get() != null) {
          permits.release();
          break;
        }
        int from = c * batch;
        List<WindowResult> chunk = windows.subList(from, Math.min(n, from + batch));
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<int[]> execution;
        try {
          execution = call(chunk, attempts);
        } catch (RuntimeException e) {
          permits.release();
          throw e;
        }
        executions.add(execution);
        CompletableFuture<int[]> completion =
            execution.whenComplete(
                (scored, error) -> {
                  permits.release();
                  if (error == null) {
                    System.arraycopy(scored, 0, predictions, from, scored.length);
                  } else if (failure.compareAndSet(null, failureOf(chunk, attempts.get(), error))) {
                    failed.complete(null);
                  }
                });
        completions.add(completion);
        if (c == 0 && calls > 1 && !breaker.isClosed()) {
          // A half-open breaker lets one trial call through: make it this one, alone, rather than
          // failing the batch on the calls it would reject.
          try {
            completion.get();
          } catch (ExecutionException e) {
            break;
          }
        }
      }
      CompletableFuture<Void> all =
          CompletableFuture.allOf(completions.toArray(CompletableFuture[]::new));
      CompletableFuture.anyOf(all, failed).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure.compareAndSet(
          null, new ModelServiceException("ML service: interrupted while scoring", e));
    } catch (ExecutionException e) {
      // allOf failed: the callback that set `failure` ran before, nothing else to record
      failure.compareAndSet(
          null, new ModelServiceException("ML service: " + reason(e.getCause()), e.getCause()));
    }
    ModelServiceException error = failure.get();
    if (error != null) {
      executions.forEach(execution -> execution.cancel(true));
      int scored =
          (int)
                  completions.stream()
                      .filter(c -> c.isDone() && !c.isCompletedExceptionally())
                      .count()
              * batch;
      // the caller holds the batch and logs it once (the launcher: one WARN line "Error calling ML
      // service")
      LOG.debug(
          "Error calling ML service: {} (about {} of {} windows scored; batch not written, will be"
              + " retried)",
          error.getMessage(),
          Math.min(scored, n),
          n,
          error);
      throw error;
    }
    List<ScoredWindow> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new ScoredWindow(windows.get(i), predictions[i]));
    }
    return out;
  }

  /**
   * Checks the service once, as {@link ModelServiceSettings#healthCheck()} says, bounded by {@link
   * ModelServiceSettings#timeout()}; no retry, and the circuit breaker neither gates nor counts it.
   *
   * <ul>
   *   <li>{@link ModelHealthCheck.Kind#PREDICT} (the default): {@code GET
   *       <endpoint>?x=0.0&y=0.0&..} with every configured query parameter {@code 0.0}. Healthy
   *       when the service is there: a 2xx answer carrying a prediction (working), or 400, 422 or
   *       429 (it refused the probe's values or is busy, said so in the reason). Unhealthy
   *       otherwise: a 2xx without a prediction, any other status (404: wrong path; 401/403: we
   *       cannot call it; 5xx: failing), a refused connection or a timeout.
   *   <li>{@link ModelHealthCheck.Kind#GET}: {@code GET} the health URL; healthy on a 2xx answer.
   *   <li>{@link ModelHealthCheck.Kind#NONE}: nothing is sent; healthy, with the reason "not
   *       checked".
   * </ul>
   *
   * @return the health, never null; failures are answered as unhealthy with the reason, which
   *     starts with {@code GET <url>}
   * @throws IllegalStateException if the client is closed
   */
  public Health health() {
    if (closed.get()) {
      throw new IllegalStateException("ModelServiceClient is closed");
    }
    return healthCheck.check();
  }

  /** Stops the client's threads; idempotent, waits at most the per-call timeout. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    callers.shutdown();
    executor.shutdown();
    try {
      long deadline = System.nanoTime() + settings.timeout().toNanos();
      if (!callers.awaitTermination(settings.timeout().toNanos(), TimeUnit.NANOSECONDS)) {
        callers.shutdownNow();
      }
      if (!executor.awaitTermination(
          Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      callers.shutdownNow();
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** The breaker's state, for tests and diagnostics. */
  CircuitBreaker.State circuitState() {
    return breaker.getState();
  }

  /** The request URI of a window: the endpoint with the configured parameters. */
  URI requestUri(WindowResult window) {
    return requests.uri(window);
  }

  /**
   * One call with its retries: a {@code GET} for one window (batch size 1), else a {@code POST} of
   * the chunk to the batch endpoint.
   */
  private CompletableFuture<int[]> call(List<WindowResult> chunk, AtomicInteger attempts) {
    if (settings.batchSize() == 1) {
      HttpRequest request =
          HttpRequest.newBuilder(requestUri(chunk.get(0)))
              .timeout(settings.timeout())
              .header("Accept", "application/json")
              .GET()
              .build();
      // Blocking send on a `callers` thread (see the constructor); the Timeout interrupts it, and
      // an interrupted send cancels its exchange.
      return failsafe.getAsync(
          () -> {
            attempts.incrementAndGet();
            return new int[] {
              ModelRequests.prediction(http.send(request, HttpResponse.BodyHandlers.ofString()))
            };
          });
    }
    HttpRequest request =
        HttpRequest.newBuilder(settings.batchEndpoint())
            .timeout(settings.timeout())
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(requests.batchBody(chunk)))
            .build();
    int size = chunk.size();
    return failsafe.getAsync(
        () -> {
          attempts.incrementAndGet();
          return ModelRequests.batchPredictions(
              http.send(request, HttpResponse.BodyHandlers.ofString()), size);
        });
  }

  private ModelServiceException failureOf(List<WindowResult> chunk, int attempts, Throwable error) {
    Throwable cause = unwrap(error);
    String tries = attempts == 1 ? "1 try" : attempts + " tries";
    WindowResult window = chunk.get(0);
    String message =
        "window "
            + window.key()
            + " ["
            + window.start()
            + ", "
            + window.end()
            + ")"
            + (chunk.size() > 1 ? " and " + (chunk.size() - 1) + " more in one call " : " ")
            + (attempts == 0 ? "not sent: " : "failed after " + tries + ": ")
            + reason(cause);
    return new ModelServiceException(message, cause);
  }

  private String reason(Throwable error) {
    Throwable t = unwrap(error);
    if (t instanceof CircuitBreakerOpenException) {
      return "circuit breaker open after "
          + settings.circuitBreakerFailures()
          + " consecutive failures (last: "
          + lastFailure.get()
          + "); next trial within "
          + Texts.duration(settings.circuitBreakerOpen());
    }
    if (t instanceof TimeoutExceededException || t instanceof HttpTimeoutException) {
      return "timed out after " + Texts.duration(settings.timeout());
    }
    if (t instanceof ModelServiceException) {
      return t.getMessage();
    }
    if (t instanceof CancellationException) {
      return "cancelled";
    }
    if (t instanceof IOException) {
      return "unreachable at " + settings.endpoint() + ": " + Texts.describe(t);
    }
    return Texts.describe(t);
  }

  private static boolean isRetryable(Throwable failure) {
    Throwable t = unwrap(failure);
    return !(t instanceof ModelServiceException m) || m.retryable();
  }

  private static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
