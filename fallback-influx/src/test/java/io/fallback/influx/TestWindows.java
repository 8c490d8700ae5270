package io.fallback.influx;

import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import java.util.ArrayList;
import java.util.List;

/** Scored windows for tests: 5 s windows, the six nurse means. */
final class TestWindows {

  static final long SIZE = 5000;

  private TestWindows() {}

  static ScoredWindow window(String key, long start, int stress, float... means) {
    return new ScoredWindow(new WindowResult(key, start, start + SIZE, 10, means), stress);
  }

  /**
   * {@code n} windows over {@code keys} keys, consecutive starts from {@code firstStart}, varied
   * means.
   */
  static List<ScoredWindow> many(int n, int keys, long firstStart) {
    List<ScoredWindow> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long start = firstStart + (i / keys) * SIZE;
      float base = i * 0.37f;
      out.add(
          window(
              "nurse-" + (i % keys),
              start,
              i % 3,
              base + 0.1f,
              base - 1.5f,
              9.81f,
              0.25f + i * 1e-4f,
              60f + (i % 40),
              33.1f + (i % 7) * 0.01f));
    }
    return out;
  }
}
