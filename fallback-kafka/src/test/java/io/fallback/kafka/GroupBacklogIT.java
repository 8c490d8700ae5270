package io.fallback.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.kafka.Harness.Produced;
import io.fallback.testkit.KafkaBrokerExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The backlog counts, the topic check and the newest record time against a real broker. */
class GroupBacklogIT {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @Test
  void emptyTopic_hasNoNewestRecord_andNothingBehind() {
    KAFKA.broker().createTopic("backlog-empty", 2, Map.of());
    KafkaSourceSettings settings =
        Harness.settings(KAFKA.bootstrapServers(), "backlog-empty", "fb-empty").build();

    try (GroupBacklog backlog = GroupBacklog.of(settings, Duration.ofSeconds(10))) {
      assertThat(backlog.partitions()).isEqualTo(2);
      assertThat(backlog.newestRecordTime()).isEmpty();
      assertThat(backlog.fetch()).isEqualTo(new GroupBacklog.Counts(0, 0, 0));
    }
  }

  @Test
  void topicWithRecords_newestRecordTimeIsTheLargestTimestamp_andEverythingIsUnreadWithoutACommit()
      throws Exception {
    KAFKA.broker().createTopic("backlog-full", 2, Map.of("retention.ms", "-1"));
    long t0 = (System.currentTimeMillis() - 600_000L) / 5_000 * 5_000;
    List<Produced> produced =
        Harness.produce(
            KAFKA.bootstrapServers(), "backlog-full", Harness.nurseRecords(3, 4, 50, t0, 100));
    long newest = produced.stream().mapToLong(Produced::timestamp).max().orElseThrow();
    KafkaSourceSettings settings =
        Harness.settings(KAFKA.bootstrapServers(), "backlog-full", "fb-full").build();

    try (GroupBacklog backlog = GroupBacklog.of(settings, Duration.ofSeconds(10))) {
      assertThat(backlog.newestRecordTime()).contains(Instant.ofEpochMilli(newest));
      assertThat(backlog.fetch())
          .isEqualTo(new GroupBacklog.Counts(produced.size(), 0, produced.size()));
    }
  }
}
