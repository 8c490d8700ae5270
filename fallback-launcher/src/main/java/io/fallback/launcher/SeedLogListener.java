package io.fallback.launcher;

import io.fallback.core.FallbackListener;
import io.fallback.core.Health;
import io.fallback.core.SourceRecord;
import io.fallback.core.mode.CheckVerdict;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.ModeStateMachine;
import io.fallback.core.mode.Observation;
import io.fallback.core.mode.Transition;
import io.fallback.core.supervisor.ModeFencedSink;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns core events into the log lines operators of the earlier version grep for (DESIGN section
 * 7b), verbatim and at the same levels, plus a few extra lines that give the cause.
 *
 * <p>Failures are logged once each, with their cause, and never twice: a held batch's retry is one
 * WARN line without a stack trace ({@code Error calling ML service: ...}, {@code Error writing to
 * InfluxDB: ...}); its stack trace goes to DEBUG, on the first attempt only. A failed activation or
 * loop is an ERROR (the fallback does not run until the retry), with the stack trace on its first
 * attempt. A probe that throws an exception is a WARN line; one that throws an {@link Error} (a
 * broken package) is an ERROR, with the stack trace the first time that error is seen for that
 * probe.
 *
 * <p>Thread-safe.
 */
final class SeedLogListener implements FallbackListener {

  private static final Logger LOG = LoggerFactory.getLogger("io.fallback");

  private final Supplier<Mode> mode;
  private final Map<String, String> lastProbeError = new ConcurrentHashMap<>();
  private volatile boolean lastProbeUnhealthy;

  SeedLogListener(Supplier<Mode> mode) {
    this.mode = mode;
  }

  @Override
  public void monitorStarted() {
    LOG.info("Starting latency monitor...");
    LOG.info("Monitoring Flink/Spark processing health...");
  }

  @Override
  public void checkCompleted(Observation observation, CheckVerdict verdict, ModeState state) {
    switch (verdict.kind()) {
      case OK -> {
        LOG.info("Current processing latency: {}", verdict.reason());
        LOG.info("Flink is healthy");
      }
      case VIOLATION ->
          LOG.warn(
              "Latency violation {}/{}: {}", verdict.count(), verdict.limit(), verdict.reason());
      case NO_EVIDENCE -> {
        LOG.info("Current processing latency: unknown (no evidence)");
        if (state.mode() == Mode.PRIMARY) {
          LOG.info("Flink is healthy");
        }
      }
      case RECOVERING -> {
        LOG.info("Current processing latency: {}", verdict.reason());
        LOG.info("Primary processing path is healthy");
      }
      case NOT_RECOVERED ->
          LOG.info("Fallback active; primary not recovered: {}", verdict.reason());
      case OVERRIDDEN -> LOG.debug("Check ignored: mode is forced ({})", verdict.reason());
    }
  }

  /**
   * Health-only probes of the fast confirmation: each unhealthy one is a WARN line with its count;
   * a healthy one is logged only when it ends a run of unhealthy ones (a probe every few seconds
   * would otherwise flood the log).
   */
  @Override
  public void healthProbed(Instant at, Health health, CheckVerdict verdict, ModeState state) {
    switch (verdict.kind()) {
      case PROBE_UNHEALTHY -> {
        lastProbeUnhealthy = true;
        LOG.warn(
            "Flink health probe unhealthy {}/{}: {}",
            verdict.count(),
            verdict.limit(),
            verdict.reason());
      }
      case PROBE_HEALTHY -> {
        if (lastProbeUnhealthy) {
          lastProbeUnhealthy = false;
          LOG.info("Flink health probe healthy again: {}", verdict.reason());
        }
      }
      case NOT_RECOVERED -> {
        lastProbeUnhealthy = true;
        LOG.info("Fallback active; primary not recovered: {}", verdict.reason());
      }
      default -> LOG.debug("Health probe: {} {}", verdict.kind(), verdict.reason());
    }
  }

  @Override
  public void checkFailed(Throwable error) {
    LOG.error("Check failed: {}; checks continue at the next interval", describe(error), error);
  }

  @Override
  public void probeFailed(String probe, Throwable error) {
    String text = describe(error);
    boolean repeated = text.equals(lastProbeError.put(probe, text));
    if (error instanceof Exception) {
      LOG.warn("Probe {} failed: {}", probe, text);
      LOG.debug("Stack trace of the {} probe failure", probe, error);
    } else if (repeated) {
      LOG.error("Probe {} failed: {}", probe, text);
    } else {
      LOG.error("Probe {} failed: {}", probe, text, error);
    }
  }

  @Override
  public void transitioned(Transition t) {
    if (t.to() == Mode.FALLBACK) {
      LOG.error("TRIGGERING DASK FALLBACK MODE");
    } else {
      LOG.info("RESUMING PRIMARY PROCESSING MODE");
    }
    LOG.info("Mode {} -> {}, cause {}: {}", t.from(), t.to(), t.cause(), t.detail());
  }

  @Override
  public void fallbackStarting() {
    LOG.info("Starting Dask fallback processor...");
  }

  @Override
  public void fallbackStopping() {
    LOG.info("Stopping Dask fallback processor...");
  }

  @Override
  public void fallbackStopped(Throwable failure) {
    if (failure != null) {
      LOG.error("Fallback processor failed while stopping: {}", describe(failure), failure);
    } else if (mode.get() == Mode.PRIMARY) {
      LOG.info("Returned to primary processing path");
    } else {
      LOG.info("Fallback processor stopped");
    }
  }

  @Override
  public void activationFailed(Throwable error, int attempt, Duration retryIn) {
    String retry = ModeStateMachine.seconds(retryIn);
    if (attempt == 1) {
      LOG.error(
          "Fallback processor failed to start: {}; nothing runs, retrying in {}",
          describe(error),
          retry,
          error);
    } else {
      LOG.error(
          "Fallback processor failed to start (attempt {}): {}; nothing runs, retrying in {}",
          attempt,
          describe(error),
          retry);
    }
  }

  @Override
  public void fallbackFailed(Throwable error, int attempt, Duration retryIn) {
    String retry = ModeStateMachine.seconds(retryIn);
    if (attempt == 1) {
      LOG.error(
          "Fallback processor failed: {}; nothing runs, restarting in {}",
          describe(error),
          retry,
          error);
    } else {
      LOG.error(
          "Fallback processor failed (attempt {}): {}; nothing runs, restarting in {}",
          attempt,
          describe(error),
          retry);
    }
  }

  @Override
  public void fallbackRestarted(int attempt) {
    LOG.info("Fallback processor restarted (attempt {})", attempt);
  }

  @Override
  public void batchCollected(int records, Duration took) {
    LOG.info("Collected {} messages in {}", records, ModeStateMachine.seconds(took));
  }

  @Override
  public void batchProcessed(int windows, int outputs, Duration took) {
    LOG.info("Processed batch in {} ({} windows)", ModeStateMachine.seconds(took), windows);
  }

  @Override
  public void batchWritten(int outputs, Duration took) {
    LOG.info("Wrote {} points to InfluxDB", outputs);
  }

  @Override
  public void batchFailed(Stage stage, Throwable cause, int attempt, Duration retryIn) {
    // a retry is a WARN line; the loop never gives up on a held batch, so there is no ERROR here
    String retry =
        "batch held, attempt " + attempt + ", next try in " + ModeStateMachine.seconds(retryIn);
    if (cause instanceof ModeFencedSink.NotFallback) {
      LOG.info("Batch {}", cause.getMessage()); // group.enabled: the group switched to primary
      return;
    }
    String error = describe(cause);
    switch (stage) {
      case PROCESS -> LOG.warn("Error calling ML service: {} ({})", error, retry);
      case WRITE -> LOG.warn("Error writing to InfluxDB: {} ({})", error, retry);
      case COMMIT ->
          LOG.warn("Error committing offsets to Kafka: {}; retried at the next commit", error);
      case OPEN, POLL -> LOG.warn("Error reading from Kafka: {} ({})", error, retry);
    }
    if (attempt == 1) {
      LOG.debug(
          "Stack trace of the {} failure above", stage.name().toLowerCase(Locale.ROOT), cause);
    }
  }

  @Override
  public void deadLettered(SourceRecord<?> record, String reason) {
    LOG.debug(
        "Dead-lettered partition {} offset {}: {}", record.partition(), record.offset(), reason);
  }

  @Override
  public void recordsSkipped(int records) {
    LOG.debug("Skipped {} records of windows already written", records);
  }

  /**
   * One line for an error: its type and message, then each cause whose message it does not already
   * contain ({@code ...; caused by java.net.ConnectException: Connection refused}).
   *
   * @param error the error
   * @return the text, without a stack trace
   */
  static String describe(Throwable error) {
    StringBuilder text = new StringBuilder(String.valueOf(error));
    Throwable seen = error;
    Throwable cause = error.getCause();
    for (int depth = 0; cause != null && cause != seen && depth < 5; depth++) {
      String message = cause.getMessage();
      if (message == null || !text.toString().contains(message)) {
        text.append("; caused by ").append(cause);
      }
      seen = cause;
      cause = cause.getCause();
    }
    return text.toString();
  }
}
