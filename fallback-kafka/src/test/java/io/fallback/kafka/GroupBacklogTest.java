package io.fallback.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.Checkpoint;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

/**
 * The backlog as a pure function of end offsets and the fallback group's commits with their
 * metadata.
 */
class GroupBacklogTest {

  private static GroupBacklog.Counts compute(
      Map<Integer, Long> ends, Map<Integer, OffsetAndMetadata> committed) {
    Map<Integer, Checkpoint> checkpoints = new HashMap<>();
    committed.forEach((p, c) -> checkpoints.put(p, CommitMetadata.parse(c.offset(), c.metadata())));
    return GroupBacklog.compute(ends, checkpoints);
  }

  @Test
  void caughtUpInstanceWithOpenWindows_isNotReportedAsBehind_butAsOpenWindowRecords() {
    // issue 11: a caught-up instance showed 54 287 records "behind": the committed offset is the
    // oldest record of a still-open window, and everything up to readThrough has been read
    Map<Integer, Long> ends = Map.of(0, 100_000L);
    Map<Integer, OffsetAndMetadata> committed =
        Map.of(0, new OffsetAndMetadata(45_713, "fb1;e=1764086405000;r=100000"));

    GroupBacklog.Counts counts = compute(ends, committed);

    assertThat(counts).isEqualTo(new GroupBacklog.Counts(0, 54_287, 54_287));
  }

  @Test
  void partlyRead_splitsUnreadFromOpenWindows_andSumsPartitions() {
    Map<Integer, Long> ends = Map.of(0, 1_000L, 1, 2_000L);
    Map<Integer, OffsetAndMetadata> committed =
        Map.of(
            0, new OffsetAndMetadata(900, "fb1;e=-;r=950"),
            1, new OffsetAndMetadata(1_500, "fb1;e=1764086405000;r=1600"));

    GroupBacklog.Counts counts = compute(ends, committed);

    assertThat(counts.unread()).isEqualTo(50 + 400);
    assertThat(counts.openWindows()).isEqualTo(50 + 100);
    assertThat(counts.commitLag()).isEqualTo(100 + 500);
  }

  @Test
  void commitWithoutOrWithForeignMetadata_countsEverythingAfterTheOffsetAsUnread() {
    Map<Integer, Long> ends = Map.of(0, 1_000L, 1, 1_000L);
    Map<Integer, OffsetAndMetadata> committed =
        Map.of(
            0,
            new OffsetAndMetadata(600),
            1,
            new OffsetAndMetadata(700, "written by another tool"));

    GroupBacklog.Counts counts = compute(ends, committed);

    assertThat(counts).isEqualTo(new GroupBacklog.Counts(400 + 300, 0, 700));
  }

  @Test
  void partitionWithoutACommit_isUnreadFromOffsetZero() {
    Map<Integer, Long> ends = Map.of(0, 1_000L, 1, 250L);
    Map<Integer, OffsetAndMetadata> committed = new HashMap<>();
    committed.put(0, new OffsetAndMetadata(1_000, "fb1;e=-;r=1000"));

    GroupBacklog.Counts counts = compute(ends, committed);

    assertThat(counts).isEqualTo(new GroupBacklog.Counts(250, 0, 250));
  }

  @Test
  void commitBeyondTheEnd_neverCountsNegative() {
    Map<Integer, Long> ends = Map.of(0, 100L);
    Map<Integer, OffsetAndMetadata> committed =
        Map.of(0, new OffsetAndMetadata(90, "fb1;e=-;r=120"));

    GroupBacklog.Counts counts = compute(ends, committed);

    assertThat(counts).isEqualTo(new GroupBacklog.Counts(0, 10, 10));
  }
}
