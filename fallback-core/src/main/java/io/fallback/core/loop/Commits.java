package io.fallback.core.loop;

import static io.fallback.core.internal.Listeners.notifySafely;

import io.fallback.core.BatchSource;
import io.fallback.core.Checkpoint;
import io.fallback.core.FallbackListener;
import io.fallback.core.FallbackListener.Stage;
import java.util.Map;

/** A commit as both forms of the loop make it: reported when it succeeds and when it fails. */
final class Commits {

  private Commits() {}

  /**
   * Commits the checkpoints; a failure is reported ({@link Stage#COMMIT}, retried at the next
   * commit) and not thrown.
   *
   * @return true when committed
   */
  static boolean commit(
      BatchSource<?> source,
      Map<Integer, Checkpoint> checkpoints,
      FallbackListener listener,
      LoopSettings settings) {
    try {
      source.commit(checkpoints);
    } catch (RuntimeException e) {
      notifySafely(() -> listener.batchFailed(Stage.COMMIT, e, 1, settings.commitInterval()));
      return false;
    }
    notifySafely(() -> listener.committed(checkpoints));
    return true;
  }
}
