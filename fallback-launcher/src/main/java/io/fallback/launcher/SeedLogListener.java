package io.fallback.launcher;

import io.fallback.core.FallbackListener;
import io.fallback.core.SourceRecord;
import io.fallback.core.mode.CheckVerdict;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.ModeStateMachine;
import io.fallback.core.mode.Observation;
import io.fallback.core.mode.Transition;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns core events into the log lines operators of the earlier version grep for (DESIGN section 7b),
 * verbatim and at the same levels, plus a few extra lines that give the cause.
 *
 * <p>Thread-safe (stateless apart from the logger).
 */
final class SeedLogListener implements FallbackListener {

  private static final Logger LOG = LoggerFactory.getLogger("io.fallback");

  private final Supplier<Mode> mode;

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
          LOG.warn("Latency violation {}/{}: {}", verdict.count(), verdict.limit(), verdict.reason());
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
      case NOT_RECOVERED -> LOG.info("Fallback active; primary not recovered: {}", verdict.reason());
      case OVERRIDDEN -> LOG.debug("Check ignored: mode is forced ({})", verdict.reason());
    }
  }

  @Override
  public void checkFailed(Throwable error) {
    LOG.warn("Check failed; retried at the next interval", error);
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
      LOG.error("Fallback processor failed; it restarts at the next check", failure);
    } else if (mode.get() == Mode.PRIMARY) {
      LOG.info("Returned to primary processing path");
    } else {
      LOG.info("Fallback processor stopped");
    }
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
    String retry = "batch held, attempt " + attempt + ", next try in " + ModeStateMachine.seconds(retryIn);
    switch (stage) {
      case PROCESS -> LOG.error("Error calling ML service: {} ({})", cause.toString(), retry);
      case WRITE -> LOG.error("Error writing to InfluxDB: {} ({})", cause.toString(), retry);
      case COMMIT -> LOG.warn("Error committing offsets to Kafka: {}; retried at the next commit", cause.toString());
      case OPEN, POLL -> LOG.warn("Error reading from Kafka: {} ({})", cause.toString(), retry);
    }
  }

  @Override
  public void deadLettered(SourceRecord<?> record, String reason) {
    LOG.debug("Dead-lettered partition {} offset {}: {}", record.partition(), record.offset(), reason);
  }

  @Override
  public void recordsSkipped(int records) {
    LOG.debug("Skipped {} records of windows already written", records);
  }
}
