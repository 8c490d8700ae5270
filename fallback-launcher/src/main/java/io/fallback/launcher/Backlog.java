package io.fallback.launcher;

import io.fallback.kafka.GroupBacklog;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The fallback group's backlog in Kafka as last sampled, for {@code /status}, {@code /health/ready}
 * and the backlog gauges. Reading it never queries Kafka: a sampler ({@link KafkaBacklog}) does
 * that on its own schedule. Implementations are thread-safe and answer at once.
 */
interface Backlog {

  /**
   * @return the latest sample; never null
   */
  Sample latest();

  /**
   * One sample.
   *
   * @param counts the backlog, or empty when the latest query failed (Kafka did not answer) or none
   *     has finished yet: unknown, never a stale or made-up value
   * @param sampledAt when the latest successful query finished, or empty if none did; its age says
   *     how old the counts (or the last known counts) are
   */
  record Sample(Optional<GroupBacklog.Counts> counts, Optional<Instant> sampledAt) {

    /** Nothing known yet. */
    static final Sample NONE = new Sample(Optional.empty(), Optional.empty());

    /**
     * Validates the components.
     *
     * @throws NullPointerException for a null component
     */
    public Sample {
      Objects.requireNonNull(counts, "counts");
      Objects.requireNonNull(sampledAt, "sampledAt");
    }
  }
}
