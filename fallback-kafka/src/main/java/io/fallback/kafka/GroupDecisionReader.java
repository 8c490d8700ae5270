package io.fallback.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the decision topic: an assigned (groupless) consumer that reads every committed record
 * from the beginning ({@code isolation.level=read_committed}, so a fenced decider's aborted
 * decisions are never seen) on its own thread. It keeps the decision with the highest epoch and
 * tells its listener about each newer one; decisions with an epoch not above the newest are ignored
 * (and logged). Override requests written after the newest decision are pending: the decider
 * applies them.
 *
 * <p>Thread-safe.
 */
public final class GroupDecisionReader implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(GroupDecisionReader.class);

  /** What the reader reports, on its thread. */
  public interface Listener {
    /**
     * A decision with a higher epoch than every earlier one.
     *
     * @param decision the decision
     */
    default void decided(GroupDecision decision) {}

    /**
     * An override request written after the newest decision.
     *
     * @param override the requested override ({@code FORCE_FALLBACK}, {@code FORCE_PRIMARY}, {@code
     *     AUTO})
     * @param from the requesting instance
     */
    default void requested(String override, String from) {}
  }

  /**
   * An override request.
   *
   * @param offset its offset in the topic
   * @param override the override
   * @param from the requesting instance
   */
  public record Request(long offset, String override, String from) {}

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final TopicPartition partition;
  private final Listener listener;
  private final Thread thread;
  private volatile boolean closed;
  private GroupDecision newest;
  private long newestOffset = -1;
  private final List<Request> pending = new ArrayList<>();
  private long position;

  /**
   * Starts following a decision topic.
   *
   * @param bootstrapServers the brokers
   * @param clientProperties passthrough client properties (security...)
   * @param topic the decision topic
   * @param listener receives newer decisions and pending requests
   */
  public GroupDecisionReader(
      String bootstrapServers,
      Map<String, Object> clientProperties,
      String topic,
      Listener listener) {
    Map<String, Object> config =
        new HashMap<>(ClientConfigs.consumer(bootstrapServers, clientProperties));
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    this.consumer = new KafkaConsumer<>(config);
    this.partition = new TopicPartition(topic, 0);
    this.listener = Objects.requireNonNull(listener, "listener");
    consumer.assign(List.of(partition));
    consumer.seekToBeginning(List.of(partition));
    this.thread = new Thread(this::run, "fallback-decisions");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * The decision with the highest epoch read so far.
   *
   * @return the decision, empty before the first
   */
  public synchronized Optional<GroupDecision> newest() {
    return Optional.ofNullable(newest);
  }

  /**
   * Override requests written after the newest decision, oldest first.
   *
   * @return the requests
   */
  public synchronized List<Request> pending() {
    return List.copyOf(pending);
  }

  /**
   * Whether everything committed up to {@code endOffset} has been read.
   *
   * @param endOffset the topic's committed end (last stable offset)
   * @return true once read
   */
  public synchronized boolean readThrough(long endOffset) {
    return position >= endOffset;
  }

  /**
   * Waits until everything committed up to {@code endOffset} has been read.
   *
   * @param endOffset the topic's committed end (last stable offset)
   * @param timeout the longest wait
   * @return true once read, false at the timeout or when interrupted (the flag is set again)
   */
  public synchronized boolean awaitReadThrough(long endOffset, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (position < endOffset && !closed) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return position >= endOffset;
  }

  private void run() {
    try {
      while (!closed) {
        var records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<byte[], byte[]> r : records) {
          handle(r);
        }
        synchronized (this) {
          position = consumer.position(partition);
          notifyAll();
        }
      }
    } catch (WakeupException e) {
      if (!closed) {
        LOG.error("Decision reader woken up unexpectedly", e);
      }
    } catch (RuntimeException e) {
      LOG.error("Decision reader failed: {}", e.toString(), e);
    } finally {
      consumer.close();
    }
  }

  private void handle(ConsumerRecord<byte[], byte[]> r) {
    String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
    if (key.equals(GroupDecisionLog.DECISION_KEY)) {
      GroupDecision d;
      try {
        d = GroupDecision.parse(r.value());
      } catch (IllegalArgumentException e) {
        LOG.warn("Ignoring an unreadable decision at offset {}: {}", r.offset(), e.getMessage());
        return;
      }
      synchronized (this) {
        if (newest != null && d.epoch() <= newest.epoch()) {
          LOG.warn(
              "Ignoring decision epoch {} of {} at offset {}: epoch {} is newer",
              d.epoch(),
              d.decider(),
              r.offset(),
              newest.epoch());
          return;
        }
        newest = d;
        newestOffset = r.offset();
        pending.removeIf(p -> p.offset() < newestOffset);
      }
      listener.decided(d);
    } else if (key.startsWith(GroupDecisionLog.REQUEST_PREFIX) && r.value() != null) {
      String override = new String(r.value(), StandardCharsets.UTF_8);
      String from = key.substring(GroupDecisionLog.REQUEST_PREFIX.length());
      synchronized (this) {
        pending.add(new Request(r.offset(), override, from));
      }
      listener.requested(override, from);
    }
  }

  /** Stops reading. Idempotent. */
  @Override
  public void close() {
    closed = true;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
