package io.fallback.core.mode;

/** What the caller of the machine must do after a step. */
public enum Decision {
  /** Nothing changes. */
  NONE,
  /** Start the fallback loop. */
  START_FALLBACK,
  /** Stop the fallback loop and hand back to the primary. */
  STOP_FALLBACK
}
