package io.fallback.core.supervisor;

import io.fallback.core.mode.ModeOverride;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Transition;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where the mode is decided when several instances share the work (DESIGN section 8): one instance
 * of the group decides at a time and publishes each decision with a strictly increasing epoch;
 * every instance, the decider included, takes the group's decisions through {@link
 * FallbackSupervisor#adopt}.
 *
 * <p>A supervisor given an authority runs its checks everywhere, but its own rules take effect only
 * while {@link #deciding()}, and only once {@link #publish published}: a check that would switch
 * the mode on a follower changes nothing (the decider sees the same primary), and an operator's
 * override on a follower is sent to the decider with {@link #request}. Implementations are
 * thread-safe; {@code publish} is called with the supervisor's lock held, so it must not call back
 * into the supervisor.
 */
public interface ModeAuthority {

  /**
   * Whether this instance decides now.
   *
   * @return true while elected and not fenced
   */
  boolean deciding();

  /**
   * Publishes a decision of this instance: a transition its checks (or an operator) decided, or an
   * override that leaves the mode as it is. Blocks until the group has it or it is refused.
   *
   * @param next the state after the decision
   * @param transition the switch, if the mode changes
   * @return the epoch the group now has the decision at; empty when this instance may not decide
   *     (not elected, or fenced by a newer decider), in which case nothing takes effect
   */
  OptionalLong publish(ModeState next, Optional<Transition> transition);

  /**
   * Sends an operator's override to the decider, which publishes it as a decision.
   *
   * @param override the override
   * @throws RuntimeException when the request cannot be delivered
   */
  void request(ModeOverride override);
}
