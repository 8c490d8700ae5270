package io.fallback.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision topic of a group of fallback instances: one partition (one order for every
 * decision), compacted (the latest decision and each instance's latest request are kept forever,
 * the rest is cleaned), replication and {@code min.insync.replicas} from the broker's defaults.
 *
 * <p>Keys: {@value #DECISION_KEY} for the decider's decisions (written in transactions, so a
 * deposed decider is fenced by the broker), {@value #REQUEST_PREFIX}{@code <instance>} for the
 * override requests any instance writes for the decider to apply.
 */
public final class GroupDecisionLog {

  private static final Logger LOG = LoggerFactory.getLogger(GroupDecisionLog.class);

  /** The key of every decision. */
  public static final String DECISION_KEY = "decision";

  /** The prefix of the key of an override request; the instance's identity follows. */
  public static final String REQUEST_PREFIX = "request/";

  private GroupDecisionLog() {}

  /**
   * Creates the topic if it does not exist, or checks that an existing one has one partition and is
   * compacted.
   *
   * @param admin an admin client
   * @param topic the decision topic
   * @param timeout bound of each admin call
   * @throws KafkaSourceException when the topic cannot be created or read, or has the wrong shape
   */
  public static void ensureTopic(Admin admin, String topic, Duration timeout) {
    try {
      NewTopic spec =
          new NewTopic(topic, Optional.of(1), Optional.empty())
              .configs(
                  Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
      try {
        admin.createTopics(List.of(spec)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("Created decision topic {} (1 partition, compacted)", topic);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
      TopicDescription d =
          admin
              .describeTopics(List.of(topic))
              .allTopicNames()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .get(topic);
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      Config config =
          admin
              .describeConfigs(List.of(resource))
              .all()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .get(resource);
      String policy = config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
      if (d.partitions().size() != 1 || !policy.contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
        throw new KafkaSourceException(
            "decision topic "
                + topic
                + " must have 1 partition and cleanup.policy compact, but has "
                + d.partitions().size()
                + " partition(s) and cleanup.policy "
                + policy,
            null);
      }
    } catch (ExecutionException e) {
      throw new KafkaSourceException(
          "cannot create or read decision topic " + topic + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new KafkaSourceException(
          "cannot create or read decision topic "
              + topic
              + " within "
              + timeout.toMillis() / 1000.0
              + " s",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaSourceException("interrupted while creating decision topic " + topic, e);
    }
  }
}
