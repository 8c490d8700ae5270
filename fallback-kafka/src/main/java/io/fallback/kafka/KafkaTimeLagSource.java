package io.fallback.kafka;

import io.fallback.core.LatencySource;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary's processing latency as the time lag of its consumer group: {@code now} minus the
 * Kafka timestamp of the first record the group has not committed, the maximum over the topic's
 * partitions. Flink commits its group's offsets on each completed checkpoint, so this measures
 * Flink itself, without reading its output: the fallback's own writes can never make the primary
 * look fresher (DESIGN section 10). Its floor is the checkpoint interval.
 *
 * <ul>
 *   <li>A partition whose committed offset is at or past its end offset has lag zero: an idle topic
 *       never looks late.
 *   <li>A group that never committed an offset of the topic gives no evidence (empty): a primary
 *       that has not checkpointed yet cannot be told from one that is not running. A partition
 *       without a committed offset, while others have one, is left out for the same reason.
 *   <li>Any failure (the broker unreachable, the record not readable within the timeout) gives no
 *       evidence (empty), after a DEBUG log line.
 * </ul>
 *
 * <p>Reads with an admin client (committed and end offsets) and an {@code assign()}-only consumer
 * that has no group (the record at the committed offset), both created on first use and reused;
 * every call is bounded by the timeout. The Kafka timestamp is the producer's CreateTime unless the
 * topic uses LogAppendTime.
 *
 * <p>Thread-safe: calls are serialised.
 */
public final class KafkaTimeLagSource implements LatencySource, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaTimeLagSource.class);

  private final String bootstrapServers;
  private final String topic;
  private final String group;
  private final Map<String, Object> clientProperties;
  private final InstantSource clock;
  private final Duration timeout;

  private Admin admin;
  private RecordTimestampReader reader;
  private boolean closed;

  private KafkaTimeLagSource(Builder b) {
    this.bootstrapServers = b.bootstrapServers;
    this.topic = b.topic;
    this.group = b.group;
    this.clientProperties = b.clientProperties;
    this.clock = b.clock;
    this.timeout = b.timeout;
  }

  /**
   * The lag of the primary group ({@code monitoring.primary_group_id}) on {@code kafka.topic}, with
   * the passthrough client properties of {@code settings}.
   *
   * @param settings the Kafka settings
   * @param clock the time source
   * @return the source
   */
  public static KafkaTimeLagSource of(KafkaSourceSettings settings, InstantSource clock) {
    return builder(settings.bootstrapServers(), settings.topic())
        .group(settings.primaryGroupId())
        .clientProperties(settings.clientProperties())
        .clock(clock)
        .build();
  }

  /**
   * A builder.
   *
   * @param bootstrapServers Kafka bootstrap servers
   * @param topic the input topic
   * @return a builder; the group defaults to {@code flink-consumer}
   */
  public static Builder builder(String bootstrapServers, String topic) {
    return new Builder(bootstrapServers, topic);
  }

  /**
   * Measures the group's time lag.
   *
   * @return the lag, zero when caught up, or empty when there is no evidence
   */
  @Override
  public synchronized Optional<Duration> currentLatency() {
    if (closed) {
      return Optional.empty();
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      Map<TopicPartition, OffsetAndMetadata> committed;
      try {
        committed =
            get(admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(), deadline);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof GroupIdNotFoundException) {
          return Optional.empty();
        }
        throw e;
      }
      Map<TopicPartition, Long> positions = new HashMap<>();
      committed.forEach(
          (tp, oam) -> {
            if (oam != null && tp.topic().equals(topic)) {
              positions.put(tp, oam.offset());
            }
          });
      if (positions.isEmpty()) {
        LOG.debug("group {} has no committed offset on {}: no evidence", group, topic);
        return Optional.empty();
      }
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      positions.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
      Map<TopicPartition, ListOffsetsResultInfo> ends =
          get(admin().listOffsets(latest).all(), deadline);
      long now = clock.millis();
      long maxLag = 0;
      for (Map.Entry<TopicPartition, Long> e : positions.entrySet()) {
        long end = ends.get(e.getKey()).offset();
        if (e.getValue() >= end) {
          continue;
        }
        long remaining = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        OptionalLong ts =
            reader().timestampAt(e.getKey(), e.getValue(), Duration.ofMillis(remaining));
        if (ts.isEmpty()) {
          LOG.debug(
              "cannot read {} at offset {} within the timeout: no evidence",
              e.getKey(),
              e.getValue());
          return Optional.empty();
        }
        maxLag = Math.max(maxLag, now - ts.getAsLong());
      }
      return Optional.of(Duration.ofMillis(maxLag));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.debug("time lag of group {} on {} unavailable: {}", group, topic, e.toString());
      return Optional.empty();
    }
  }

  /**
   * @return {@code kafka_lag}
   */
  @Override
  public String name() {
    return "kafka_lag";
  }

  /**
   * The group measured.
   *
   * @return the consumer group id
   */
  public String group() {
    return group;
  }

  /** Closes the clients. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (reader != null) {
      try {
        reader.close();
      } catch (RuntimeException e) {
        LOG.warn("error while closing the time-lag reader", e);
      }
    }
    if (admin != null) {
      admin.close(Duration.ofSeconds(5));
    }
  }

  private Admin admin() {
    if (admin == null) {
      Map<String, Object> config = ClientConfigs.admin(bootstrapServers, clientProperties);
      config.putIfAbsent("client.id", "fallback-time-lag");
      admin = Admin.create(config);
    }
    return admin;
  }

  private RecordTimestampReader reader() {
    if (reader == null) {
      reader = new RecordTimestampReader(bootstrapServers, clientProperties);
    }
    return reader;
  }

  private static <T> T get(KafkaFuture<T> future, long deadlineNanos)
      throws InterruptedException, ExecutionException, TimeoutException {
    long remaining = Math.max(1, deadlineNanos - System.nanoTime());
    return future.get(remaining, TimeUnit.NANOSECONDS);
  }

  /** Builds a {@link KafkaTimeLagSource}. Not thread-safe. */
  public static final class Builder {
    private final String bootstrapServers;
    private final String topic;
    private String group = "flink-consumer";
    private Map<String, Object> clientProperties = Map.of();
    private InstantSource clock = InstantSource.system();
    private Duration timeout = Duration.ofSeconds(10);

    private Builder(String bootstrapServers, String topic) {
      this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
      this.topic = Objects.requireNonNull(topic, "topic");
    }

    /**
     * @param group the consumer group to measure @return this builder
     */
    public Builder group(String group) {
      this.group = Objects.requireNonNull(group, "group");
      return this;
    }

    /**
     * @param properties passthrough client properties (as {@code kafka.properties}) @return this
     *     builder
     */
    public Builder clientProperties(Map<String, Object> properties) {
      this.clientProperties = java.util.Collections.unmodifiableMap(new HashMap<>(properties));
      return this;
    }

    /**
     * @param clock the time source for "now" @return this builder
     */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The bound of one measurement; default 10 s ({@code monitoring.probe_timeout_seconds}).
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be > 0, but was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Builds the source; no client is created before the first measurement.
     *
     * @return the source
     */
    public KafkaTimeLagSource build() {
      return new KafkaTimeLagSource(this);
    }
  }
}
