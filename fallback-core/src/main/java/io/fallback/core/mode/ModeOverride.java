package io.fallback.core.mode;

/** A manual override set by an operator. */
public enum ModeOverride {
  /** No override: the mode follows the checks. */
  AUTO,
  /** Stay in {@link Mode#FALLBACK} whatever the checks say. */
  FORCE_FALLBACK,
  /** Stay in {@link Mode#PRIMARY} whatever the checks say. */
  FORCE_PRIMARY
}
