package io.fallback.launcher;

import io.fallback.core.Checkpoint;
import io.fallback.core.FallbackListener;
import io.fallback.core.Health;
import io.fallback.core.SourceRecord;
import io.fallback.core.mode.CheckVerdict;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Observation;
import io.fallback.core.mode.Transition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Forwards every event to several listeners, in order; one that throws does not stop the others.
 * Every {@link FallbackListener} method is forwarded (a forgotten one would silently drop that
 * event, so a test checks that each is overridden here). Thread-safe if the listeners are.
 */
final class CompositeListener implements FallbackListener {

  private final List<FallbackListener> listeners;

  CompositeListener(List<FallbackListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  private void each(Consumer<FallbackListener> event) {
    for (FallbackListener l : listeners) {
      try {
        event.accept(l);
      } catch (RuntimeException ignored) {
        // a listener must not break the others (FallbackListener contract)
      }
    }
  }

  @Override
  public void monitorStarted() {
    each(FallbackListener::monitorStarted);
  }

  @Override
  public void checkCompleted(Observation o, CheckVerdict v, ModeState s) {
    each(l -> l.checkCompleted(o, v, s));
  }

  @Override
  public void healthProbed(Instant at, Health h, CheckVerdict v, ModeState s) {
    each(l -> l.healthProbed(at, h, v, s));
  }

  @Override
  public void checkFailed(Throwable error) {
    each(l -> l.checkFailed(error));
  }

  @Override
  public void probeFailed(String probe, Throwable error) {
    each(l -> l.probeFailed(probe, error));
  }

  @Override
  public void transitioned(Transition t) {
    each(l -> l.transitioned(t));
  }

  @Override
  public void fallbackStarting() {
    each(FallbackListener::fallbackStarting);
  }

  @Override
  public void fallbackStopping() {
    each(FallbackListener::fallbackStopping);
  }

  @Override
  public void fallbackStopped(Throwable failure) {
    each(l -> l.fallbackStopped(failure));
  }

  @Override
  public void activationFailed(Throwable error, int attempt, Duration retryIn) {
    each(l -> l.activationFailed(error, attempt, retryIn));
  }

  @Override
  public void fallbackFailed(Throwable error, int attempt, Duration retryIn) {
    each(l -> l.fallbackFailed(error, attempt, retryIn));
  }

  @Override
  public void fallbackRestarted(int attempt) {
    each(l -> l.fallbackRestarted(attempt));
  }

  @Override
  public void batchCollected(int records, Duration took) {
    each(l -> l.batchCollected(records, took));
  }

  @Override
  public void batchProcessed(int windows, int outputs, Duration took) {
    each(l -> l.batchProcessed(windows, outputs, took));
  }

  @Override
  public void batchWritten(int outputs, Duration took) {
    each(l -> l.batchWritten(outputs, took));
  }

  @Override
  public void batchFailed(Stage stage, Throwable cause, int attempt, Duration retryIn) {
    each(l -> l.batchFailed(stage, cause, attempt, retryIn));
  }

  @Override
  public void committed(Map<Integer, Checkpoint> checkpoints) {
    each(l -> l.committed(checkpoints));
  }

  @Override
  public void deadLettered(SourceRecord<?> record, String reason) {
    each(l -> l.deadLettered(record, reason));
  }

  @Override
  public void recordsSkipped(int records) {
    each(l -> l.recordsSkipped(records));
  }
}
