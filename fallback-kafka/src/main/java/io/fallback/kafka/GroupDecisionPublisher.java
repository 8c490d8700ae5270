package io.fallback.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes to the decision topic: decisions through a transactional producer with one fixed {@code
 * transactional.id} per group ({@code <group>.decider}), override requests through a plain
 * idempotent one.
 *
 * <p>{@link #claim()} calls {@code initTransactions()}: the broker bumps the producer epoch of that
 * transactional id, aborts a transaction the previous decider left open, and fences the previous
 * decider's producer, whose next send or commit fails with {@link ProducerFencedException}. So two
 * instances can never both publish, whatever each believes; a deposed decider learns it from the
 * broker ({@link Fenced}). A transaction that outlives {@code transaction.timeout.ms} is aborted by
 * the broker, which also bumps the epoch (KIP-588): the decider then sees {@link Fenced} too, and
 * may claim again only while it is still elected. Readers use {@code read_committed}.
 *
 * <p>Not thread-safe: one decider thread calls it.
 */
public final class GroupDecisionPublisher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(GroupDecisionPublisher.class);

  /** This publisher was fenced: another instance claimed the decider's transactional id. */
  public static final class Fenced extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Fenced(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Map<String, Object> transactional;
  private final KafkaProducer<byte[], byte[]> requests;
  private final String topic;
  private final Duration timeout;
  private KafkaProducer<byte[], byte[]> decisions;

  /**
   * Creates the producers (the transactional one at the first {@link #claim()}).
   *
   * @param bootstrapServers the brokers
   * @param clientProperties passthrough client properties
   * @param topic the decision topic
   * @param group the fallback group ({@code kafka.group_id}); the transactional id is {@code
   *     <group>.decider}
   * @param timeout bound of a claim or a publish, and the transaction timeout
   */
  public GroupDecisionPublisher(
      String bootstrapServers,
      Map<String, Object> clientProperties,
      String topic,
      String group,
      Duration timeout) {
    Map<String, Object> base =
        new HashMap<>(ClientConfigs.producer(bootstrapServers, clientProperties));
    base.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    base.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    base.put(ProducerConfig.ACKS_CONFIG, "all");
    base.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    base.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) timeout.toMillis());
    this.requests = new KafkaProducer<>(new HashMap<>(base));
    this.transactional = new HashMap<>(base);
    transactional.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, group + ".decider");
    transactional.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) timeout.toMillis());
    this.topic = topic;
    this.timeout = timeout;
  }

  /**
   * Claims the decider's transactional id, fencing any earlier holder. Call once elected, before
   * reading the newest decision to continue its epoch.
   *
   * @throws KafkaException when the claim fails (not elected any more, broker unreachable)
   */
  public void claim() {
    closeDecisions();
    decisions = new KafkaProducer<>(transactional);
    decisions.initTransactions();
    LOG.info(
        "Claimed transactional id {}", transactional.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG));
  }

  /**
   * Publishes one decision in its own transaction, and waits for the commit.
   *
   * @param decision the decision
   * @throws Fenced when another instance has claimed the id since (this one must stop deciding)
   * @throws IllegalStateException before {@link #claim()}
   * @throws KafkaException for any other failure; the transaction is aborted
   */
  public void publish(GroupDecision decision) {
    if (decisions == null) {
      throw new IllegalStateException("claim() first");
    }
    try {
      decisions.beginTransaction();
      decisions.send(
          new ProducerRecord<>(topic, 0, key(GroupDecisionLog.DECISION_KEY), decision.toJson()));
      decisions.commitTransaction();
    } catch (ProducerFencedException | InvalidProducerEpochException e) {
      closeDecisions();
      throw new Fenced("fenced by a newer decider: " + e.getMessage(), e);
    } catch (KafkaException e) {
      if (e.getCause() instanceof ProducerFencedException
          || e.getCause() instanceof InvalidProducerEpochException) {
        closeDecisions();
        throw new Fenced("fenced by a newer decider: " + e.getCause().getMessage(), e);
      }
      try {
        decisions.abortTransaction();
      } catch (KafkaException abort) {
        closeDecisions();
      }
      throw e;
    }
  }

  /**
   * Asks the decider to apply an override (any instance may).
   *
   * @param override {@code FORCE_FALLBACK}, {@code FORCE_PRIMARY} or {@code AUTO}
   * @param from this instance's identity
   * @throws KafkaException when the request is not acknowledged in time
   */
  public void request(String override, String from) {
    try {
      requests
          .send(
              new ProducerRecord<>(
                  topic,
                  0,
                  key(GroupDecisionLog.REQUEST_PREFIX + from),
                  override.getBytes(StandardCharsets.UTF_8)))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new KafkaException("override request not written: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new KafkaException("override request not acknowledged within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted", e);
    }
  }

  private static byte[] key(String key) {
    return key.getBytes(StandardCharsets.UTF_8);
  }

  private void closeDecisions() {
    if (decisions != null) {
      try {
        decisions.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        LOG.debug("Closing the decision producer: {}", e.toString());
      }
      decisions = null;
    }
  }

  @Override
  public void close() {
    closeDecisions();
    requests.close(Duration.ofSeconds(5));
  }
}
