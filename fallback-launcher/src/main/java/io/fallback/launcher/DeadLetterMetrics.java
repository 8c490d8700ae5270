package io.fallback.launcher;

import io.fallback.kafka.DeadLetterReason;
import io.fallback.kafka.KafkaBatchSource;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code fallback_dead_letters_total{reason}}: records sent to the dead-letter topic, by reason
 * (undecodable, missing key or timestamp, bad timestamp, late), summed over every activation of the
 * fallback (each activation has a fresh source with its own counters). Thread-safe.
 */
final class DeadLetterMetrics {

  private static final List<String> REASONS =
      List.of(
          DeadLetterReason.UNDECODABLE,
          DeadLetterReason.MISSING_KEY,
          DeadLetterReason.MISSING_TIMESTAMP,
          DeadLetterReason.BAD_TIMESTAMP,
          DeadLetterReason.LATE);

  private final Map<String, Long> previous = new HashMap<>();
  private KafkaBatchSource current;

  DeadLetterMetrics(MeterRegistry registry) {
    for (String reason : REASONS) {
      FunctionCounter.builder("fallback_dead_letters", this, m -> m.total(reason))
          .tag("reason", reason)
          .description("records sent to the dead-letter topic")
          .register(registry);
    }
  }

  /** Starts counting a new activation's source, keeping the totals of the one before. */
  synchronized KafkaBatchSource attach(KafkaBatchSource source) {
    if (current != null) {
      current.deadLettered().forEach((reason, n) -> previous.merge(reason, n, Long::sum));
    }
    current = source;
    return source;
  }

  synchronized double total(String reason) {
    long now = current == null ? 0 : current.deadLettered().getOrDefault(reason, 0L);
    return previous.getOrDefault(reason, 0L) + now;
  }
}
