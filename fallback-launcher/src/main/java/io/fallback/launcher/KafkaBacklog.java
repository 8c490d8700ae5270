package io.fallback.launcher;

import io.fallback.core.Checkpoint;
import io.fallback.kafka.CommitMetadata;
import io.fallback.kafka.KafkaSourceSettings;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far behind the fallback is, for {@code GET /status} and the backlog gauges, from the topic's end
 * offsets and our group's committed offsets with their metadata ({@link CommitMetadata}).
 *
 * <p>A committed offset is the oldest record still held in an open window, not the next record to read,
 * so "end minus committed" counts records that were read and are only waiting for their windows to close
 * as behind: a caught-up instance looked thousands of records behind. {@link #compute} splits it (see
 * {@link Counts}). One Admin query (three calls, each bounded by 5 s) answers every caller for
 * {@link #MAX_AGE}, so a scrape that reads three gauges queries Kafka once; a failed query is remembered
 * as long. Created lazily. Thread-safe.
 */
final class KafkaBacklog implements AutoCloseable, StatusServer.Backlog {

  /** How long one answer (or failure) is reused. */
  static final Duration MAX_AGE = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBacklog.class);

  /**
   * The backlog, summed over the topic's partitions. Per partition, with {@code readThrough} from the
   * commit metadata ({@code = offset} without metadata, and {@code 0} for a partition without a commit):
   *
   * @param unread records not read yet: {@code end - readThrough}
   * @param openWindows records read but not committed because their windows are still open:
   *     {@code readThrough - committed}
   * @param commitLag {@code end - committed}, the classic consumer lag: {@code unread + openWindows}
   */
  record Counts(long unread, long openWindows, long commitLag) {}

  private final KafkaSourceSettings settings;
  private final InstantSource clock;
  private Admin admin;
  private Instant fetchedAt;
  private Optional<Counts> last = Optional.empty();

  KafkaBacklog(KafkaSourceSettings settings, InstantSource clock) {
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * The backlog from end offsets and committed offsets: a pure function.
   *
   * @param endOffsets per partition, the next offset to be written
   * @param committed per partition, our group's committed offset and metadata; a partition without a
   *     commit counts from offset 0
   * @return the counts
   */
  static Counts compute(Map<Integer, Long> endOffsets, Map<Integer, OffsetAndMetadata> committed) {
    long unread = 0;
    long open = 0;
    long lag = 0;
    for (Map.Entry<Integer, Long> e : endOffsets.entrySet()) {
      long end = e.getValue();
      OffsetAndMetadata c = committed.get(e.getKey());
      Checkpoint checkpoint =
          c == null ? new Checkpoint(0, Checkpoint.NONE, 0) : CommitMetadata.parse(c.offset(), c.metadata());
      long offset = Math.min(checkpoint.offset(), end);
      long readThrough = Math.min(checkpoint.readThrough(), end);
      unread += end - readThrough;
      open += readThrough - offset;
      lag += end - offset;
    }
    return new Counts(unread, open, lag);
  }

  /**
   * The current backlog, at most {@link #MAX_AGE} old; blocks for one Admin query when older.
   *
   * @return the counts, or empty when Kafka did not answer
   */
  @Override
  public synchronized Optional<Counts> counts() {
    Instant now = clock.instant();
    if (fetchedAt != null && now.isBefore(fetchedAt.plus(MAX_AGE)) && !now.isBefore(fetchedAt)) {
      return last;
    }
    last = fetch();
    fetchedAt = clock.instant();
    return last;
  }

  private Optional<Counts> fetch() {
    try {
      if (admin == null) {
        Map<String, Object> props = new HashMap<>(settings.clientProperties());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        admin = Admin.create(props);
      }
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(settings.groupId()).partitionsToOffsetAndMetadata()
              .get(5, TimeUnit.SECONDS);
      int partitions =
          admin.describeTopics(List.of(settings.topic())).allTopicNames().get(5, TimeUnit.SECONDS)
              .get(settings.topic()).partitions().size();
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      for (int p = 0; p < partitions; p++) {
        request.put(new TopicPartition(settings.topic(), p), OffsetSpec.latest());
      }
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
          admin.listOffsets(request).all().get(5, TimeUnit.SECONDS);
      Map<Integer, Long> endOffsets = new HashMap<>();
      ends.forEach((tp, info) -> endOffsets.put(tp.partition(), info.offset()));
      Map<Integer, OffsetAndMetadata> ours = new HashMap<>();
      committed.forEach(
          (tp, c) -> {
            if (c != null && tp.topic().equals(settings.topic())) {
              ours.put(tp.partition(), c);
            }
          });
      return Optional.of(compute(endOffsets, ours));
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.debug("backlog of group {} on {} unavailable: {}", settings.groupId(), settings.topic(), e.toString());
      return Optional.empty();
    }
  }

  @Override
  public synchronized void close() {
    if (admin != null) {
      admin.close(Duration.ofSeconds(5));
    }
  }
}
