package io.fallback.core.mode;

import java.util.Objects;
import java.util.Optional;

/**
 * The result of feeding the {@link ModeStateMachine} one observation or command.
 *
 * @param state the new state
 * @param decision what the caller must do
 * @param transition the transition, present exactly when the mode changed
 * @param verdict how the observation was counted (for a command: {@link
 *     CheckVerdict.Kind#OVERRIDDEN})
 */
public record Step(
    ModeState state, Decision decision, Optional<Transition> transition, CheckVerdict verdict) {

  /**
   * Validates the components.
   *
   * @throws NullPointerException for a null component
   * @throws IllegalArgumentException when decision and transition disagree
   */
  public Step {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(transition, "transition");
    Objects.requireNonNull(verdict, "verdict");
    if ((decision == Decision.NONE) != transition.isEmpty()) {
      throw new IllegalArgumentException(
          "decision " + decision + " does not match transition " + transition);
    }
  }
}
