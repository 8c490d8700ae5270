package io.fallback.examples;

import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import java.util.Arrays;

/**
 * One window result inside the Flink job, before and after the model call (a Flink POJO). Its means
 * are {@code (float) (sum / count)} of double sums, as the seed's job computes them; {@code
 * stressLevel} is -1 until the model answered.
 *
 * <p>Not thread-safe (a mutable value).
 */
public class PrimaryPoint {

  /** The nurse id. */
  public String id;

  /** Window start, epoch milliseconds. */
  public long windowStart;

  /** Window end (exclusive), epoch milliseconds. */
  public long windowEnd;

  /** Records in the window. */
  public long count;

  /** Means of X, Y, Z, EDA, HR, TEMP. */
  public float[] means;

  /** The model's prediction, -1 before the call. */
  public int stressLevel = -1;

  /** An empty point, for Flink's serializer. */
  public PrimaryPoint() {}

  /**
   * @param level the model's prediction
   * @return a copy of this point with the prediction
   */
  public PrimaryPoint withStressLevel(int level) {
    PrimaryPoint p = new PrimaryPoint();
    p.id = id;
    p.windowStart = windowStart;
    p.windowEnd = windowEnd;
    p.count = count;
    p.means = means;
    p.stressLevel = level;
    return p;
  }

  /**
   * @return this point as the fallback's core types hold it, for the shared line-protocol encoder
   */
  public ScoredWindow toScoredWindow() {
    return new ScoredWindow(
        new WindowResult(id, windowStart, windowEnd, count, means), stressLevel);
  }

  @Override
  public String toString() {
    return "PrimaryPoint["
        + id
        + " ["
        + windowStart
        + ", "
        + windowEnd
        + ") n="
        + count
        + " means="
        + Arrays.toString(means)
        + " level="
        + stressLevel
        + "]";
  }
}
