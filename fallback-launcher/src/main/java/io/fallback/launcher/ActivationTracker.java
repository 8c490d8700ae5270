package io.fallback.launcher;

import io.fallback.core.FallbackListener;
import io.fallback.core.mode.CheckVerdict;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Observation;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Locale;

/**
 * Remembers, from core events, what {@code /status} shows about the current or last activation and
 * about failures, and what {@code /health/live} and {@code /health/ready} judge by: when the last
 * check completed and when the last batch was read. An activation begins at {@link
 * #fallbackStarting()}, the supervisor's decision to run the fallback; restarts after a failure
 * belong to the same activation. Thread-safe.
 */
final class ActivationTracker implements FallbackListener {

  /**
   * A failure as {@code /status} shows it.
   *
   * @param stage where: {@code activation}, {@code loop}, {@code probe}, {@code check}, or a held
   *     batch's stage ({@code open}, {@code poll}, {@code process}, {@code write}, {@code commit})
   * @param message the error's type and message, with its causes, on one line
   * @param at when it was reported
   */
  record ErrorReport(String stage, String message, Instant at) {}

  /**
   * What the tracker knows at one moment; nulls where nothing happened yet.
   *
   * @param startedAt when the current or last activation began
   * @param firstBatchAt its first batch read
   * @param firstWriteAt its first point written
   * @param recordsRead records read in it
   * @param pointsWritten points written in it
   * @param activationError its latest failure
   * @param lastError the latest failure anywhere
   * @param errorsTotal failures so far
   * @param recordsTotal records read so far, over every activation
   * @param createdAt when the tracker was created (the application's start)
   * @param lastCheckAt when the last check completed, or null before the first
   * @param lastBatchAt when the last batch was read, in any activation, or null before the first
   */
  record Snapshot(
      Instant startedAt,
      Instant firstBatchAt,
      Instant firstWriteAt,
      long recordsRead,
      long pointsWritten,
      ErrorReport activationError,
      ErrorReport lastError,
      long errorsTotal,
      long recordsTotal,
      Instant createdAt,
      Instant lastCheckAt,
      Instant lastBatchAt) {}

  private final InstantSource clock;
  private Instant startedAt;
  private Instant firstBatchAt;
  private Instant firstWriteAt;
  private long recordsRead;
  private long pointsWritten;
  private ErrorReport activationError;
  private ErrorReport lastError;
  private long errorsTotal;
  private long recordsTotal;
  private final Instant createdAt;
  private Instant lastCheckAt;
  private Instant lastBatchAt;

  ActivationTracker(InstantSource clock) {
    this.clock = clock;
    this.createdAt = clock.instant();
  }

  /**
   * @return what is known now
   */
  synchronized Snapshot snapshot() {
    return new Snapshot(
        startedAt,
        firstBatchAt,
        firstWriteAt,
        recordsRead,
        pointsWritten,
        activationError,
        lastError,
        errorsTotal,
        recordsTotal,
        createdAt,
        lastCheckAt,
        lastBatchAt);
  }

  @Override
  public synchronized void checkCompleted(
      Observation observation, CheckVerdict verdict, ModeState state) {
    lastCheckAt = clock.instant();
  }

  @Override
  public synchronized void fallbackStarting() {
    startedAt = clock.instant();
    firstBatchAt = null;
    firstWriteAt = null;
    recordsRead = 0;
    pointsWritten = 0;
    activationError = null;
  }

  @Override
  public synchronized void batchCollected(int records, Duration took) {
    Instant now = clock.instant();
    if (firstBatchAt == null) {
      firstBatchAt = now;
    }
    lastBatchAt = now;
    recordsRead += records;
    recordsTotal += records;
  }

  @Override
  public synchronized void batchWritten(int outputs, Duration took) {
    if (outputs > 0 && firstWriteAt == null) {
      firstWriteAt = clock.instant();
    }
    pointsWritten += outputs;
  }

  @Override
  public void batchFailed(Stage stage, Throwable cause, int attempt, Duration retryIn) {
    failed(stage.name().toLowerCase(Locale.ROOT), cause, true);
  }

  @Override
  public void activationFailed(Throwable error, int attempt, Duration retryIn) {
    failed("activation", error, true);
  }

  @Override
  public void fallbackFailed(Throwable error, int attempt, Duration retryIn) {
    failed("loop", error, true);
  }

  @Override
  public void fallbackStopped(Throwable failure) {
    if (failure != null) {
      failed("loop", failure, true);
    }
  }

  @Override
  public void probeFailed(String probe, Throwable error) {
    failed("probe", error, false);
  }

  @Override
  public void checkFailed(Throwable error) {
    failed("check", error, false);
  }

  private void failed(String stage, Throwable error, boolean inActivation) {
    String message = SeedLogListener.describe(error);
    synchronized (this) {
      ErrorReport report = new ErrorReport(stage, message, clock.instant());
      lastError = report;
      errorsTotal++;
      if (inActivation) {
        activationError = report;
      }
    }
  }
}
