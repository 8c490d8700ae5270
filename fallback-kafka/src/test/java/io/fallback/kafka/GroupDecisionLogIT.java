package io.fallback.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fallback.testkit.KafkaBroker;
import io.fallback.testkit.KafkaBrokerExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The group's decision topic on a real broker: the topic's shape, one decider elected by the group
 * protocol, a deposed decider fenced by the broker, followers that see only committed decisions in
 * epoch order, and override requests.
 */
class GroupDecisionLogIT {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static KafkaBroker kafka;

  @BeforeAll
  static void broker() {
    kafka = KAFKA.broker();
  }

  private static GroupDecision decision(long epoch, String mode, String decider) {
    return new GroupDecision(epoch, mode, "AUTO", "latency", "test", Instant.now(), decider);
  }

  private static GroupDecisionPublisher publisher(String topic, String group) {
    return new GroupDecisionPublisher(kafka.bootstrapServers(), Map.of(), topic, group, TIMEOUT);
  }

  @Test
  void topic_isCreatedWithOnePartitionCompacted_andAWrongShapeIsRefusedByName() throws Exception {
    GroupDecisionLog.ensureTopic(kafka.admin(), "decisions-shape", TIMEOUT);
    GroupDecisionLog.ensureTopic(kafka.admin(), "decisions-shape", TIMEOUT); // exists: checked

    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, "decisions-shape");
    Config config = kafka.admin().describeConfigs(List.of(r)).all().get().get(r);
    assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
    assertThat(
            kafka
                .admin()
                .describeTopics(List.of("decisions-shape"))
                .allTopicNames()
                .get()
                .get("decisions-shape")
                .partitions())
        .hasSize(1);

    kafka.createTopic("decisions-wrong", 2);
    assertThatThrownBy(
            () -> GroupDecisionLog.ensureTopic(kafka.admin(), "decisions-wrong", TIMEOUT))
        .hasMessageContaining(
            "decision topic decisions-wrong must have 1 partition and cleanup.policy compact");
  }

  @Test
  void aClaimFencesThePreviousDecider_followersSeeOnlyCommittedDecisionsInEpochOrder() {
    String topic = "decisions-fencing";
    GroupDecisionLog.ensureTopic(kafka.admin(), topic, TIMEOUT);
    List<GroupDecision> seen = new CopyOnWriteArrayList<>();
    try (GroupDecisionPublisher a = publisher(topic, "g-fencing");
        GroupDecisionPublisher b = publisher(topic, "g-fencing");
        GroupDecisionReader follower =
            new GroupDecisionReader(
                kafka.bootstrapServers(),
                Map.of(),
                topic,
                new GroupDecisionReader.Listener() {
                  @Override
                  public void decided(GroupDecision d) {
                    seen.add(d);
                  }
                })) {
      a.claim();
      a.publish(decision(1, "FALLBACK", "a"));

      b.claim(); // a paused decider (a) comes back after b was elected and claimed

      assertThatThrownBy(() -> a.publish(decision(2, "PRIMARY", "a")))
          .isInstanceOf(GroupDecisionPublisher.Fenced.class);
      b.publish(decision(2, "PRIMARY", "b"));

      await("both committed decisions read")
          .atMost(Duration.ofSeconds(30))
          .until(() -> seen.size() == 2);
      assertThat(seen).extracting(GroupDecision::epoch).containsExactly(1L, 2L);
      assertThat(seen).extracting(GroupDecision::decider).containsExactly("a", "b");
      assertThat(follower.newest()).map(GroupDecision::mode).contains("PRIMARY");
    }
  }

  @Test
  void anOlderEpochIsIgnored_evenWhenCommittedLater() {
    String topic = "decisions-order";
    GroupDecisionLog.ensureTopic(kafka.admin(), topic, TIMEOUT);
    try (GroupDecisionPublisher p = publisher(topic, "g-order");
        GroupDecisionReader follower =
            new GroupDecisionReader(
                kafka.bootstrapServers(), Map.of(), topic, new GroupDecisionReader.Listener() {})) {
      p.claim();
      p.publish(decision(5, "FALLBACK", "a"));
      p.publish(decision(4, "PRIMARY", "a")); // a bug or a stale writer: never acted on

      await("the newest decision")
          .atMost(Duration.ofSeconds(30))
          .until(() -> follower.newest().isPresent());
      await("everything read")
          .atMost(Duration.ofSeconds(30))
          .until(() -> follower.readThrough(endOffset(topic)));
      assertThat(follower.newest()).map(GroupDecision::epoch).contains(5L);
    }
  }

  @Test
  void overrideRequests_afterTheNewestDecisionArePending_olderOnesAreNot() {
    String topic = "decisions-requests";
    GroupDecisionLog.ensureTopic(kafka.admin(), topic, TIMEOUT);
    try (GroupDecisionPublisher p = publisher(topic, "g-requests");
        GroupDecisionReader follower =
            new GroupDecisionReader(
                kafka.bootstrapServers(), Map.of(), topic, new GroupDecisionReader.Listener() {})) {
      p.request("FORCE_FALLBACK", "instance-1"); // applied below by a decision
      p.claim();
      p.publish(decision(1, "FALLBACK", "a"));
      p.request("AUTO", "instance-2");

      await("everything read")
          .atMost(Duration.ofSeconds(30))
          .until(() -> follower.newest().isPresent() && follower.readThrough(endOffset(topic)));
      assertThat(follower.pending())
          .extracting(GroupDecisionReader.Request::override, GroupDecisionReader.Request::from)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("AUTO", "instance-2"));
    }
  }

  @Test
  void exactlyOneMemberIsElected_andAnotherOnceItLeaves() {
    String topic = "decisions-election";
    GroupDecisionLog.ensureTopic(kafka.admin(), topic, TIMEOUT);
    AtomicInteger elections = new AtomicInteger();
    List<GroupDeciderElection> members = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        members.add(
            new GroupDeciderElection(
                kafka.bootstrapServers(),
                Map.of(),
                topic,
                "g-election.decider",
                "instance-" + i,
                Duration.ofSeconds(6),
                new GroupDeciderElection.Listener() {
                  @Override
                  public void elected() {
                    elections.incrementAndGet();
                  }

                  @Override
                  public void deposed() {}
                }));
      }
      await("one decider")
          .atMost(Duration.ofSeconds(60))
          .until(() -> members.stream().filter(GroupDeciderElection::elected).count() == 1);
      GroupDeciderElection first =
          members.stream().filter(GroupDeciderElection::elected).findFirst().orElseThrow();

      first.close();
      members.remove(first);

      await("another decider")
          .atMost(Duration.ofSeconds(30))
          .until(() -> members.stream().filter(GroupDeciderElection::elected).count() == 1);
      assertThat(elections).hasValue(2);
    } finally {
      members.forEach(GroupDeciderElection::close);
    }
  }

  private static long endOffset(String topic) throws Exception {
    var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
    return kafka
        .admin()
        .listOffsets(
            Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()),
            new org.apache.kafka.clients.admin.ListOffsetsOptions(
                org.apache.kafka.common.IsolationLevel.READ_COMMITTED))
        .partitionResult(tp)
        .get()
        .offset();
  }
}
