package io.fallback.http;

import java.time.Duration;

/** Small formatting helpers for reasons and error messages. */
final class Texts {

  /** How much of a response body an error message quotes. */
  static final int EXCERPT_CHARS = 200;

  private Texts() {}

  /**
   * The start of a response body, on one line, for an error message.
   *
   * @param body the body, may be null
   * @return at most {@link #EXCERPT_CHARS} characters, quoted, with an ellipsis when cut
   */
  static String excerpt(String body) {
    if (body == null) {
      return "<no body>";
    }
    String oneLine = body.replaceAll("\\s+", " ").strip();
    if (oneLine.isEmpty()) {
      return "<empty body>";
    }
    return oneLine.length() <= EXCERPT_CHARS
        ? "'" + oneLine + "'"
        : "'" + oneLine.substring(0, EXCERPT_CHARS) + "...' (" + body.length() + " chars)";
  }

  /**
   * A duration as operators read it in reasons: {@code 10s}, {@code 1.5s}, {@code 250ms}.
   *
   * @param d the duration
   * @return the text
   */
  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000 && ms % 1000 != 0) {
      return ms + "ms";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms / 1000.0 + "s";
  }

  /**
   * The message of a throwable with its type, since many JDK network exceptions have no message.
   *
   * @param t the throwable
   * @return for example {@code ConnectException: Connection refused}
   */
  static String describe(Throwable t) {
    String message = t.getMessage();
    return message == null || message.isBlank()
        ? t.getClass().getSimpleName()
        : t.getClass().getSimpleName() + ": " + message;
  }
}
