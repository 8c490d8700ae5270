package io.fallback.influx;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import io.fallback.core.Sink;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowSpec;
import io.fallback.influx.WriteTransport.TransportException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes scored windows to InfluxDB, one point per window (see {@link LineProtocolEncoder} for the
 * shape), and returns only when InfluxDB acknowledged every point with a 2xx answer.
 *
 * <p>The points are sent in chunks of {@link InfluxSettings#chunkSize()}. Each chunk is one
 * request, retried with exponential backoff and jitter (Failsafe) when the server is unreachable,
 * does not answer within {@link InfluxSettings#timeout()}, or answers 5xx, 408 or 429; at most
 * {@link InfluxSettings#maxRetries()} times and for {@link InfluxSettings#maxRetryDuration()}.
 * After that, or at once when the server rejects a point (any other 4xx), {@link #write} throws an
 * {@link InfluxWriteException} and the caller keeps the batch: nothing is swallowed. Each retry
 * inside a call is logged at WARN as {@code Error writing to InfluxDB}; giving up is only thrown
 * (and logged at DEBUG): the caller (the launcher's loop listener) logs the held batch once per
 * retry; a successful call logs {@code Wrote N points to InfluxDB} at DEBUG (the launcher logs the
 * INFO line once per batch). Credentials are never logged.
 *
 * <p>Two transports: InfluxDB 1.x ({@code /write}, {@code java.net.http}) and 2.x ({@code
 * /api/v2/write}, {@code influxdb-client-java}'s blocking write API), chosen by {@link
 * InfluxSettings#apiVersion()}. The 2.x transport is tested against a local endpoint that speaks
 * the 2.x protocol only; no 2.x server runs in our tests.
 *
 * <p>This class is thread-safe; the loop calls it from one thread.
 */
public final class InfluxSink implements Sink<ScoredWindow> {

  private static final Logger LOG = LoggerFactory.getLogger(InfluxSink.class);

  private final InfluxSettings settings;
  private final LineProtocolEncoder encoder;
  private final WriteTransport transport;
  private final RetryPolicy<Object> retryPolicy;
  private final AtomicBoolean closed = new AtomicBoolean();

  InfluxSink(InfluxSettings settings, LineProtocolEncoder encoder, WriteTransport transport) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    this.transport = Objects.requireNonNull(transport, "transport");
    this.retryPolicy =
        RetryPolicy.builder()
            .handleIf(InfluxSink::isTransient)
            .withMaxRetries(settings.maxRetries())
            .withMaxDuration(settings.maxRetryDuration())
            .withBackoff(settings.initialBackoff(), settings.maxBackoff())
            .withJitter(0.25)
            .onRetryScheduled(
                e ->
                    LOG.warn(
                        "Error writing to InfluxDB (attempt {} failed, retrying in {} ms): {}",
                        e.getAttemptCount(),
                        e.getDelay().toMillis(),
                        message(e.getLastException())))
            .build();
  }

  /**
   * A sink for the configured server and API version.
   *
   * @param settings connection, shape and retry settings
   * @param spec the window fields, in the order of the means
   * @return the sink; close it to release its connections
   * @throws IllegalArgumentException when a field name clashes with {@code stress_level} or {@code
   *     source}
   */
  public static InfluxSink of(InfluxSettings settings, WindowSpec spec) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(spec, "spec");
    WriteTransport transport =
        settings.apiVersion() == InfluxSettings.ApiVersion.V2
            ? new V2WriteTransport(settings)
            : new V1WriteTransport(settings, InfluxHttp.newClient(settings));
    return new InfluxSink(settings, LineProtocolEncoder.of(settings, spec), transport);
  }

  /**
   * Writes all windows; returns only when InfluxDB acknowledged every chunk.
   *
   * @param outputs the windows, not null
   * @throws InfluxWriteException when a chunk was rejected (4xx, not retried) or could not be
   *     written within the retry bounds; earlier chunks of the call may have been written
   * @throws IllegalStateException after {@link #close()}
   */
  @Override
  public void write(List<ScoredWindow> outputs) {
    Objects.requireNonNull(outputs, "outputs");
    if (closed.get()) {
      throw new IllegalStateException("InfluxSink is closed");
    }
    if (outputs.isEmpty()) {
      return;
    }
    int size = settings.chunkSize();
    int chunks = (outputs.size() + size - 1) / size;
    StringBuilder sb = new StringBuilder(Math.min(outputs.size(), size) * 200);
    for (int c = 0; c < chunks; c++) {
      List<ScoredWindow> chunk =
          outputs.subList(c * size, Math.min(outputs.size(), (c + 1) * size));
      sb.setLength(0);
      for (ScoredWindow w : chunk) {
        encoder.appendTo(sb, w);
        sb.append('\n');
      }
      send(sb.toString(), c + 1, chunks, chunk.size());
    }
    LOG.debug("Wrote {} points to InfluxDB", outputs.size());
  }

  private void send(String body, int chunk, int chunks, int points) {
    AtomicInteger attempts = new AtomicInteger();
    long started = System.nanoTime();
    try {
      Failsafe.with(retryPolicy)
          .run(
              () -> {
                attempts.incrementAndGet();
                transport.write(body);
              });
    } catch (TransportException e) {
      String where =
          (chunks > 1 ? "chunk " + chunk + "/" + chunks + ", " : "")
              + points
              + (points == 1 ? " point" : " points");
      InfluxWriteException failure;
      if (e.retryable()) {
        long ms = (System.nanoTime() - started) / 1_000_000;
        failure =
            new InfluxWriteException(
                "InfluxDB write failed ("
                    + where
                    + "), giving up after "
                    + attempts.get()
                    + " attempts in "
                    + ms
                    + " ms: "
                    + e.getMessage(),
                e.status(),
                true,
                null,
                e);
      } else if (e.status() > 0) {
        RejectedPoints.Found found = RejectedPoints.find(e.getMessage(), body);
        String named =
            found == null
                ? ""
                : found.exact()
                    ? "; rejected point: " + found.line()
                    : "; first point of the rejected chunk: " + found.line();
        failure =
            new InfluxWriteException(
                "InfluxDB rejected the write ("
                    + where
                    + "), not retried: "
                    + e.getMessage()
                    + named,
                e.status(),
                false,
                found == null ? null : found.line(),
                e);
      } else {
        failure =
            new InfluxWriteException(
                "InfluxDB write aborted (" + where + "): " + e.getMessage(),
                e.status(),
                false,
                null,
                e);
      }
      throw logged(failure);
    } catch (FailsafeException e) {
      // Failsafe wraps an interrupt of its backoff sleep
      if (e.getCause() instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      InfluxWriteException failure =
          new InfluxWriteException(
              "InfluxDB write aborted after "
                  + attempts.get()
                  + " attempts: "
                  + message(e.getCause()),
              -1,
              true,
              null,
              e);
      throw logged(failure);
    }
  }

  private static boolean isTransient(Throwable t) {
    return t instanceof TransportException te && te.retryable();
  }

  private static String message(Throwable t) {
    return t == null
        ? "(none)"
        : t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
  }

  /** Releases the connections. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      transport.close();
    }
  }

  /** The destination, without credentials. */
  @Override
  public String toString() {
    return "InfluxSink["
        + transport.describe()
        + ", measurement "
        + settings.measurement()
        + ", source "
        + settings.sourceTag()
        + (settings.sourceAsField() ? " (field)" : " (tag)")
        + "]";
  }

  /**
   * Logs a failure at DEBUG only: the caller (the launcher's loop listener) logs the held batch
   * once.
   */
  private static InfluxWriteException logged(InfluxWriteException failure) {
    LOG.debug("Error writing to InfluxDB: {}", failure.getMessage());
    return failure;
  }
}
