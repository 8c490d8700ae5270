package io.fallback.core.loop;

import static io.fallback.core.internal.Listeners.notifySafely;

import io.fallback.core.BatchSource;
import io.fallback.core.FallbackListener;
import io.fallback.core.FallbackListener.Stage;
import io.fallback.core.SourceRecord;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowStage;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;

/**
 * Reading one batch into the window stage, as both forms of the loop do it: a poll (a failed poll
 * is reported and followed by a doubling backoff in {@link BatchSource#hold}), the collected event
 * with the time since the first poll of the batch, and the records handed to the stage. Used by the
 * loop thread only.
 */
final class BatchReader {

  private final BatchSource<Reading> source;
  private final WindowStage stage;
  private final FallbackListener listener;
  private final InstantSource clock;
  private final LoopSettings settings;
  private int failures;
  private long collectingSince = Long.MIN_VALUE;

  BatchReader(
      BatchSource<Reading> source,
      WindowStage stage,
      FallbackListener listener,
      InstantSource clock,
      LoopSettings settings) {
    this.source = source;
    this.stage = stage;
    this.listener = listener;
    this.clock = clock;
    this.settings = settings;
  }

  /**
   * Polls once and windows what came.
   *
   * @param now the loop's time, epoch milliseconds
   * @param wait how long the poll may block
   * @return true when records were read and handed to the stage
   */
  boolean read(long now, Duration wait) {
    if (collectingSince == Long.MIN_VALUE) {
      collectingSince = now;
    }
    List<SourceRecord<Reading>> records;
    try {
      records = source.poll(wait);
    } catch (RuntimeException e) {
      failures++;
      int n = failures;
      Duration backoff = settings.backoff(n);
      notifySafely(() -> listener.batchFailed(Stage.POLL, e, n, backoff));
      source.hold(backoff);
      return false;
    }
    failures = 0;
    if (records.isEmpty()) {
      return false;
    }
    // from the first poll after the previous batch: the time it took to collect this one
    Duration took = Duration.ofMillis(clock.millis() - collectingSince);
    collectingSince = Long.MIN_VALUE;
    notifySafely(() -> listener.batchCollected(records.size(), took));
    Windowing.add(records, stage, source, listener);
    return true;
  }
}
