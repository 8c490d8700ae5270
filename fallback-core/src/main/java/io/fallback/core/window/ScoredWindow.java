package io.fallback.core.window;

import java.util.Objects;

/**
 * A completed window with the model's prediction: what the fallback writes as one point.
 *
 * @param window the window and its means
 * @param stressLevel the model service's prediction; always a real answer, never a default
 */
public record ScoredWindow(WindowResult window, int stressLevel) {

  /**
   * Validates the components.
   *
   * @throws NullPointerException for a null window
   */
  public ScoredWindow {
    Objects.requireNonNull(window, "window");
  }
}
