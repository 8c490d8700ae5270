package io.fallback.core.mode;

/** Why the mode changed. */
public enum Cause {
  /** Latency above the threshold for the configured number of checks. */
  LATENCY,
  /** The primary was unhealthy (at least one check of the streak). */
  UNHEALTHY,
  /** The primary was healthy and caught up for the configured number of checks. */
  RECOVERED,
  /** An operator forced the mode. */
  MANUAL
}
