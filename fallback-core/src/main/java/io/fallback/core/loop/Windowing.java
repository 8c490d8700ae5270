package io.fallback.core.loop;

import static io.fallback.core.internal.Listeners.notifySafely;

import io.fallback.core.BatchSource;
import io.fallback.core.FallbackListener;
import io.fallback.core.SourceRecord;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowStage;
import java.util.List;

/** The step both loop forms share: a polled batch into the windows. */
final class Windowing {

  private Windowing() {}

  /**
   * Adds each record to its window: a late record is dead-lettered (and reported), the records of
   * windows already written are counted and reported as skipped.
   *
   * @param records the polled batch
   * @param stage the windows
   * @param source where late records are dead-lettered
   * @param listener receives the dead letters and the skipped count
   */
  static void add(
      List<SourceRecord<Reading>> records,
      WindowStage stage,
      BatchSource<Reading> source,
      FallbackListener listener) {
    int skipped = 0;
    for (SourceRecord<Reading> r : records) {
      switch (stage.add(r.partition(), r.offset(), r.value())) {
        case ACCEPTED -> {}
        case SKIPPED -> skipped++;
        case LATE -> {
          source.deadLetter(r, "late");
          notifySafely(() -> listener.deadLettered(r, "late"));
        }
      }
    }
    if (skipped > 0) {
      int n = skipped;
      notifySafely(() -> listener.recordsSkipped(n));
    }
  }
}
