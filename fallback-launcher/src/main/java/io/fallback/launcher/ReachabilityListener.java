package io.fallback.launcher;

import io.fallback.core.FallbackListener;
import java.time.Duration;
import java.util.Objects;

/**
 * The fallback loop's calls to the model service and to InfluxDB, reported to their {@link
 * Dependency}: a batch whose model calls or write failed because the connection could not be made
 * makes that dependency unreachable; a batch processed or written makes it reachable. Failures of
 * another kind (an HTTP 500, a rejected point) are not about reaching the dependency and are left
 * to the loop's own lines ({@code Error calling ML service: ...}).
 *
 * <p>Thread-safe; never blocks (no dial on the loop's thread).
 */
final class ReachabilityListener implements FallbackListener {

  private static final String HELD = "fallback batch held";

  private final Dependency model;
  private final Dependency influx;

  ReachabilityListener(Dependency model, Dependency influx) {
    this.model = Objects.requireNonNull(model, "model");
    this.influx = Objects.requireNonNull(influx, "influx");
  }

  @Override
  public void batchFailed(Stage stage, Throwable cause, int attempt, Duration retryIn) {
    switch (stage) {
      case PROCESS -> model.callFailed(cause, HELD);
      case WRITE -> influx.callFailed(cause, HELD);
      default -> {
        // Kafka's consumer does not fail on an unreachable broker; the latency and backlog reads
        // report it
      }
    }
  }

  @Override
  public void batchProcessed(int windows, int outputs, Duration took) {
    if (outputs > 0) {
      model.answered();
    }
  }

  @Override
  public void batchWritten(int outputs, Duration took) {
    if (outputs > 0) {
      influx.answered();
    }
  }
}
