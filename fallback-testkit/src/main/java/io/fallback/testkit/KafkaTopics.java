package io.fallback.testkit;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;

/** Topic creation shared by the Kafka brokers of this kit. This class is thread-safe. */
final class KafkaTopics {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private KafkaTopics() {}

  /**
   * Creates a topic with replication factor 1 and waits until every partition has a leader.
   *
   * @throws TestServerException if the topic exists already or is not ready within 30 s
   */
  static void create(Admin admin, String name, int partitions, Map<String, String> configs) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be >= 1, but was " + partitions);
    }
    NewTopic topic = new NewTopic(name, partitions, (short) 1).configs(configs);
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    try {
      admin.createTopics(List.of(topic)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      while (true) {
        try {
          TopicDescription description =
              admin
                  .describeTopics(List.of(name))
                  .allTopicNames()
                  .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                  .get(name);
          if (description.partitions().size() == partitions
              && description.partitions().stream().allMatch(p -> p.leader() != null)) {
            return;
          }
        } catch (ExecutionException e) {
          // metadata not propagated yet (UnknownTopicOrPartition): poll again below
        }
        if (System.nanoTime() > deadline) {
          throw new TestServerException(
              "kafka: topic " + name + " has no leaders after " + TIMEOUT);
        }
        TimeUnit.MILLISECONDS.sleep(20);
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        throw new TestServerException("kafka: topic " + name + " exists already", e.getCause());
      }
      throw new TestServerException("kafka: cannot create topic " + name, e.getCause());
    } catch (TimeoutException e) {
      throw new TestServerException("kafka: creating topic " + name + " timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestServerException("kafka: interrupted while creating topic " + name, e);
    }
  }
}
