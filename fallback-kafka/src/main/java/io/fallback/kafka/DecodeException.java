package io.fallback.kafka;

import java.util.Objects;

/**
 * A record value that cannot become a {@code Reading}, with the dead-letter reason. Carries no
 * stack trace: it is an expected outcome, dead-lettered and counted, not a bug.
 */
final class DecodeException extends Exception {

  private final String reason;

  DecodeException(String reason, String message) {
    super(message, null, false, false);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /**
   * @return one of {@link DeadLetterReason}'s values
   */
  String reason() {
    return reason;
  }
}
