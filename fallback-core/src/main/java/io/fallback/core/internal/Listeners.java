package io.fallback.core.internal;

/**
 * Calls listeners so that a faulty one cannot break the caller. Not API: {@code
 * io.fallback.core.internal} may change in any release.
 *
 * <p>Stateless and thread-safe.
 */
public final class Listeners {

  private Listeners() {}

  /**
   * Runs one listener call; an exception it throws is dropped (the {@link
   * io.fallback.core.FallbackListener} contract: listeners must not throw, and a supervisor, runner
   * or loop must not stop because one did).
   *
   * @param event the call
   */
  public static void notifySafely(Runnable event) {
    try {
      event.run();
    } catch (RuntimeException ignored) {
      // a listener must not break processing (FallbackListener contract)
    }
  }
}
