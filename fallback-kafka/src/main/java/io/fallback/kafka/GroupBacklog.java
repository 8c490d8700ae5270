package io.fallback.kafka;

import io.fallback.core.Checkpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How far behind the fallback group is, from the topic's end offsets and the group's committed
 * offsets with their {@link CommitMetadata}, and whether the topic can be described at all ({@code
 * validate}).
 *
 * <p>A committed offset is the oldest record still held in an open window, not the next record to
 * read, so "end minus committed" counts records that were read and only wait for their windows to
 * close as behind. {@link Counts} separates the two. The admin client is built from the same
 * pass-through properties as every other client of the source ({@code kafka.properties}, {@code
 * admin.} prefix), with every request bounded by the given timeout; it is created on first use.
 *
 * <p>Thread-safe.
 */
public final class GroupBacklog implements AutoCloseable {

  /**
   * The backlog, summed over the topic's partitions. Per partition, with {@code readThrough} from
   * the commit metadata ({@code = offset} without metadata, and {@code 0} for a partition without a
   * commit):
   *
   * @param unread records not read yet: {@code end - readThrough}
   * @param openWindows records read but not committed because their windows are still open: {@code
   *     readThrough - committed}
   * @param commitLag {@code end - committed}, the classic consumer lag: {@code unread +
   *     openWindows}
   */
  public record Counts(long unread, long openWindows, long commitLag) {}

  private final KafkaSourceSettings settings;
  private final Duration timeout;
  private Admin admin;

  private GroupBacklog(KafkaSourceSettings settings, Duration timeout) {
    this.settings = settings;
    this.timeout = timeout;
  }

  /**
   * The backlog of {@code settings.groupId()} on {@code settings.topic()}.
   *
   * @param settings the source's settings
   * @param timeout the bound of each admin request
   * @return a backlog reader (no client yet)
   */
  public static GroupBacklog of(KafkaSourceSettings settings, Duration timeout) {
    return new GroupBacklog(settings, timeout);
  }

  /**
   * Asks Kafka (three admin requests).
   *
   * @return the counts
   * @throws RuntimeException if Kafka does not answer in time
   */
  public synchronized Counts fetch() {
    Map<TopicPartition, OffsetAndMetadata> committed =
        KafkaCalls.await(
            admin().listConsumerGroupOffsets(settings.groupId()).partitionsToOffsetAndMetadata(),
            timeout);
    Map<TopicPartition, OffsetSpec> request = everyPartition(OffsetSpec.latest());
    Map<TopicPartition, ListOffsetsResultInfo> ends =
        KafkaCalls.await(admin().listOffsets(request).all(), timeout);
    Map<Integer, Long> endOffsets = new HashMap<>();
    ends.forEach((tp, info) -> endOffsets.put(tp.partition(), info.offset()));
    Map<Integer, Checkpoint> ours = new HashMap<>();
    committed.forEach(
        (tp, c) -> {
          if (c != null && tp.topic().equals(settings.topic())) {
            ours.put(tp.partition(), CommitMetadata.parse(c.offset(), c.metadata()));
          }
        });
    return compute(endOffsets, ours);
  }

  /**
   * The topic's partition count: the check {@code validate} makes.
   *
   * @return the number of partitions of {@code settings.topic()}
   * @throws RuntimeException if Kafka does not answer in time or the topic does not exist
   */
  public synchronized int partitions() {
    return KafkaCalls.await(
            admin().describeTopics(List.of(settings.topic())).allTopicNames(), timeout)
        .get(settings.topic())
        .partitions()
        .size();
  }

  /**
   * The timestamp of the newest record on the topic ({@code OffsetSpec.maxTimestamp()}, KIP-734):
   * the freshness latency's idle guard (DESIGN section 10).
   *
   * @return the newest record timestamp, or empty when the topic holds no record
   * @throws RuntimeException if Kafka does not answer in time
   */
  public synchronized Optional<Instant> newestRecordTime() {
    Map<TopicPartition, OffsetSpec> request = everyPartition(OffsetSpec.maxTimestamp());
    long newest = -1;
    for (ListOffsetsResultInfo info :
        KafkaCalls.await(admin().listOffsets(request).all(), timeout).values()) {
      newest = Math.max(newest, info.timestamp());
    }
    return newest < 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(newest));
  }

  /**
   * The backlog from end offsets and committed checkpoints: a pure function.
   *
   * @param endOffsets per partition, the next offset to be written
   * @param committed per partition, our group's committed checkpoint; a partition without one
   *     counts from 0
   * @return the counts
   */
  public static Counts compute(Map<Integer, Long> endOffsets, Map<Integer, Checkpoint> committed) {
    long unread = 0;
    long open = 0;
    long lag = 0;
    for (Map.Entry<Integer, Long> e : endOffsets.entrySet()) {
      long end = e.getValue();
      Checkpoint checkpoint =
          committed.getOrDefault(e.getKey(), new Checkpoint(0, Checkpoint.NONE, 0));
      long offset = Math.min(checkpoint.offset(), end);
      long readThrough = Math.min(checkpoint.readThrough(), end);
      unread += end - readThrough;
      open += readThrough - offset;
      lag += end - offset;
    }
    return new Counts(unread, open, lag);
  }

  /** {@code spec} for every partition of the topic; one request for the partition count. */
  private Map<TopicPartition, OffsetSpec> everyPartition(OffsetSpec spec) {
    int partitions = partitions();
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      request.put(new TopicPartition(settings.topic(), p), spec);
    }
    return request;
  }

  private Admin admin() {
    if (admin == null) {
      Map<String, Object> config =
          ClientConfigs.admin(settings.bootstrapServers(), settings.clientProperties());
      config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
      config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
      admin = Admin.create(config);
    }
    return admin;
  }

  /** Closes the admin client, bounded by the timeout. Idempotent. */
  @Override
  public synchronized void close() {
    if (admin != null) {
      admin.close(timeout);
      admin = null;
    }
  }
}
