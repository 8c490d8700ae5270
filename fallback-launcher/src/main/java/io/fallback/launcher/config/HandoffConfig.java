package io.fallback.launcher.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@code handoff} section. Immutable and thread-safe.
 *
 * @param advancePrimaryOffsets {@code handoff.advance_primary_offsets}
 * @param rewindMargin {@code handoff.rewind_margin_seconds}
 */
public record HandoffConfig(boolean advancePrimaryOffsets, Duration rewindMargin) {

  /**
   * Checks the components.
   *
   * @throws NullPointerException for a null component
   */
  public HandoffConfig {
    Objects.requireNonNull(rewindMargin, "rewindMargin");
  }

  static HandoffConfig from(Values v) {
    return new HandoffConfig(v.bool(Keys.ADVANCE_PRIMARY), v.seconds(Keys.REWIND_MARGIN));
  }
}
