package io.fallback.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PrimaryOffsetsHandBackTest {

  private static TopicPartition tp(int p) {
    return new TopicPartition("t", p);
  }

  @Test
  void onlyPartitionsWhereTheFallbackIsAhead_orThePrimaryHasNone_areAdvanced_withoutOurMetadata() {
    Map<TopicPartition, OffsetAndMetadata> ours =
        Map.of(
            tp(0),
            new OffsetAndMetadata(100, "fb1;e=1;r=120"),
            tp(1),
            new OffsetAndMetadata(50, "fb1;e=1;r=50"),
            tp(2),
            new OffsetAndMetadata(10, "fb1;e=1;r=10"),
            new TopicPartition("other", 0),
            new OffsetAndMetadata(999));
    Map<TopicPartition, OffsetAndMetadata> theirs =
        Map.of(tp(0), new OffsetAndMetadata(90), tp(1), new OffsetAndMetadata(60));

    Map<TopicPartition, OffsetAndMetadata> advance =
        PrimaryOffsetsHandBack.toAdvance("t", ours, theirs);

    assertThat(advance).containsOnlyKeys(tp(0), tp(2));
    assertThat(advance.get(tp(0))).isEqualTo(new OffsetAndMetadata(100));
    assertThat(advance.get(tp(2)).metadata()).isEmpty();
  }
}
