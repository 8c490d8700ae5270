package io.fallback.core.internal;

/**
 * Texts about throwables for log lines and reasons. Not API: {@code io.fallback.core.internal} may
 * change in any release.
 *
 * <p>Stateless and thread-safe.
 */
public final class Throwables {

  private Throwables() {}

  /**
   * The message of the innermost cause, or its simple class name when it has none.
   *
   * @param error the throwable
   * @return for example {@code Connection refused}
   */
  public static String rootMessage(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
