package io.fallback.core.shadow;

import io.fallback.core.window.WindowResult;

/**
 * Which windows the shadow compares: all of them, or one in {@code every}, chosen by a hash of the
 * window's key and start so that the choice is the same on every run and every instance.
 *
 * @param every compare one window in this many; 1 compares all
 */
public record ShadowSampling(int every) {

  /**
   * Validates the rate.
   *
   * @throws IllegalArgumentException when {@code every < 1}, naming the config key
   */
  public ShadowSampling {
    if (every < 1) {
      throw new IllegalArgumentException("shadow.sample_every must be >= 1, but was " + every);
    }
  }

  /**
   * Whether a window is in the sample.
   *
   * @param window the window
   * @return true when it is compared
   */
  public boolean sampled(WindowResult window) {
    if (every == 1) {
      return true;
    }
    long h = window.key().hashCode() * 31L + Long.hashCode(window.start());
    h ^= h >>> 17;
    h *= 0xed5ad4bbL;
    h ^= h >>> 11;
    return Math.floorMod(h, every) == 0;
  }
}
