package io.fallback.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elects the decider of a group of fallback instances with Kafka's group protocol: every instance
 * subscribes a consumer, in group {@code <group>.decider}, to the one-partition decision topic; the
 * group coordinator assigns that partition to exactly one member, and that member decides. Works
 * under both rebalance protocols (classic and KIP-848), since it relies only on partition
 * ownership, not on a client-side assignor's leader. A member that dies or stops polling loses the
 * partition after the session timeout (or {@code max.poll.interval.ms}); another is assigned it.
 *
 * <p>Ownership alone is not a fence: a paused process may still believe it owns the partition. The
 * decider therefore writes through a transactional producer ({@link GroupDecisionPublisher}), whose
 * claim by the next decider fences it at the broker.
 *
 * <p>The consumer polls on its own thread; its records are not used (the {@link
 * GroupDecisionReader} reads the topic). Thread-safe.
 */
public final class GroupDeciderElection implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(GroupDeciderElection.class);

  /** What the election reports, on its thread. */
  public interface Listener {
    /** This instance owns the decision topic's partition: it decides. */
    void elected();

    /** This instance lost the partition (revoked or lost): it must stop deciding at once. */
    void deposed();
  }

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Listener listener;
  private final Thread thread;
  private final String topic;
  private final ConsumerRebalanceListener rebalance;
  private volatile boolean elected;
  private volatile boolean resign;
  private volatile boolean closed;

  /**
   * Joins the election.
   *
   * @param bootstrapServers the brokers
   * @param clientProperties passthrough client properties (security...)
   * @param topic the decision topic
   * @param group the election's consumer group ({@code <kafka.group_id>.decider})
   * @param instance this instance's identity (client id)
   * @param sessionTimeout how long a silent decider keeps the role ({@code session.timeout.ms},
   *     also {@code max.poll.interval.ms})
   * @param listener told when elected and deposed
   */
  public GroupDeciderElection(
      String bootstrapServers,
      Map<String, Object> clientProperties,
      String topic,
      String group,
      String instance,
      Duration sessionTimeout,
      Listener listener) {
    Map<String, Object> config =
        new HashMap<>(ClientConfigs.consumer(bootstrapServers, clientProperties));
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, instance);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) sessionTimeout.toMillis());
    config.put(
        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
        // a tenth, not the usual third: the survivors learn of a dead decider's rebalance at their
        // next heartbeat, which adds up to this interval to the session timeout
        (int) Math.max(100, sessionTimeout.toMillis() / 10));
    config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) sessionTimeout.toMillis());
    // sticky: an instance joining or leaving does not take the role from a live decider
    config.put(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        CooperativeStickyAssignor.class.getName());
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    this.consumer = new KafkaConsumer<>(config);
    this.listener = Objects.requireNonNull(listener, "listener");
    this.topic = topic;
    this.rebalance =
        new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty() && !elected) {
              elected = true;
              LOG.info("Elected decider of group {} ({})", group, instance);
              listener.elected();
            }
          }

          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            depose(partitions, "revoked");
          }

          @Override
          public void onPartitionsLost(Collection<TopicPartition> partitions) {
            depose(partitions, "lost");
          }

          private void depose(Collection<TopicPartition> partitions, String how) {
            if (!partitions.isEmpty() && elected) {
              elected = false;
              LOG.info("No longer the decider of group {}: partition {}", group, how);
              listener.deposed();
            }
          }
        };
    consumer.subscribe(List.of(topic), rebalance);
    this.thread = new Thread(this::run, "fallback-election");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Whether this instance owns the decision partition now.
   *
   * @return true while elected
   */
  public boolean elected() {
    return elected;
  }

  private void run() {
    try {
      while (!closed) {
        if (resign) {
          resign = false;
          // leave (the partition is revoked: deposed) and join again as an ordinary member
          consumer.unsubscribe();
          consumer.subscribe(List.of(topic), rebalance);
        }
        consumer.poll(Duration.ofMillis(200));
      }
    } catch (WakeupException e) {
      if (!closed) {
        LOG.error("Election consumer woken up unexpectedly", e);
      }
    } catch (RuntimeException e) {
      LOG.error("Election consumer failed: {}", e.toString(), e);
    } finally {
      try {
        consumer.close(
            CloseOptions.timeout(Duration.ofSeconds(5))
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
      } catch (RuntimeException e) {
        LOG.warn("Closing the election consumer: {}", e.toString());
      }
      if (elected) {
        elected = false;
        listener.deposed();
      }
    }
  }

  /**
   * Gives the role up and joins again: what a decider does when the broker fenced it while its
   * consumer still believed it owned the partition (a paused process, or a transaction that timed
   * out, KIP-588). If it is assigned the partition again, it is elected again and claims afresh;
   * otherwise whoever is assigned it decides.
   */
  public void resign() {
    resign = true;
  }

  /** Leaves the election (the group re-elects at once). Idempotent. */
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
