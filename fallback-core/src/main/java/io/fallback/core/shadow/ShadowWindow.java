package io.fallback.core.shadow;

import io.fallback.core.window.WindowResult;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A window as the shadow computed it: its means, and the model's stress level when the window was
 * sampled for comparison and the model-call budget allowed the call.
 *
 * @param window the window and its means
 * @param stressLevel the model's answer; empty when the window was not scored (not sampled, or over
 *     the budget), in which case only its presence in the primary's output is checked
 */
public record ShadowWindow(WindowResult window, OptionalInt stressLevel) {

  /**
   * Validates the components.
   *
   * @throws NullPointerException for a null component
   */
  public ShadowWindow {
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(stressLevel, "stressLevel");
  }

  /**
   * Whether the window is compared with the primary's point.
   *
   * @return true when it was scored
   */
  public boolean scored() {
    return stressLevel.isPresent();
  }
}
