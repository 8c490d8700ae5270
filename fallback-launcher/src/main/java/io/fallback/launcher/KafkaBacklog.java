package io.fallback.launcher;

import io.fallback.kafka.GroupBacklog;
import io.fallback.kafka.KafkaSourceSettings;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far behind the fallback is, for {@code GET /status} and the backlog gauges ({@link GroupBacklog}):
 * one Kafka query (each request bounded by 5 s) answers every caller for {@link #MAX_AGE}, so a scrape that
 * reads three gauges queries Kafka once; a failed query is remembered as long. Thread-safe.
 */
final class KafkaBacklog implements AutoCloseable, StatusServer.Backlog {

  /** How long one answer (or failure) is reused. */
  static final Duration MAX_AGE = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBacklog.class);

  private final KafkaSourceSettings settings;
  private final GroupBacklog backlog;
  private final InstantSource clock;
  private Instant fetchedAt;
  private Optional<GroupBacklog.Counts> last = Optional.empty();

  KafkaBacklog(KafkaSourceSettings settings, InstantSource clock) {
    this.settings = settings;
    this.backlog = GroupBacklog.of(settings, Duration.ofSeconds(5));
    this.clock = clock;
  }

  /**
   * The current backlog, at most {@link #MAX_AGE} old; blocks for one Kafka query when older.
   *
   * @return the counts, or empty when Kafka did not answer
   */
  @Override
  public synchronized Optional<GroupBacklog.Counts> counts() {
    Instant now = clock.instant();
    if (fetchedAt != null && now.isBefore(fetchedAt.plus(MAX_AGE)) && !now.isBefore(fetchedAt)) {
      return last;
    }
    try {
      last = Optional.of(backlog.fetch());
    } catch (RuntimeException e) {
      LOG.debug("backlog of group {} on {} unavailable: {}", settings.groupId(), settings.topic(), e.toString());
      last = Optional.empty();
    }
    fetchedAt = clock.instant();
    return last;
  }

  @Override
  public void close() {
    backlog.close();
  }
}
