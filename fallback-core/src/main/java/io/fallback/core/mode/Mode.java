package io.fallback.core.mode;

/** Which processor produces the output. */
public enum Mode {
  /** The primary (Flink) processes; the fallback loop is stopped. */
  PRIMARY,
  /** The fallback loop processes. */
  FALLBACK
}
