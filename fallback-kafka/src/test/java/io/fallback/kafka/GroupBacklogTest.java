package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

/** The backlog as a pure function of end offsets and the fallback group's commits with their metadata. */
class KafkaBacklogTest {

  @Test
  void caughtUpInstanceWithOpenWindows_isNotReportedAsBehind_butAsOpenWindowRecords() {
    // issue 11: a caught-up instance showed 54 287 records "behind": the committed offset is the oldest
    // record of a still-open window, and everything up to readThrough has been read
    Map<Integer, Long> ends = Map.of(0, 100_000L);
    Map<Integer, OffsetAndMetadata> committed =
        Map.of(0, new OffsetAndMetadata(45_713, "fb1;e=1764086405000;r=100000"));

    KafkaBacklog.Counts counts = KafkaBacklog.compute(ends, committed);

    assertThat(counts).isEqualTo(new KafkaBacklog.Counts(0, 54_287, 54_287));
  }

  @Test
  void partlyRead_splitsUnreadFromOpenWindows_andSumsPartitions() {
    Map<Integer, Long> ends = Map.of(0, 1_000L, 1, 2_000L);
    Map<Integer, OffsetAndMetadata> committed =
        Map.of(
            0, new OffsetAndMetadata(900, "fb1;e=-;r=950"),
            1, new OffsetAndMetadata(1_500, "fb1;e=1764086405000;r=1600"));

    KafkaBacklog.Counts counts = KafkaBacklog.compute(ends, committed);

    assertThat(counts.unread()).isEqualTo(50 + 400);
    assertThat(counts.openWindows()).isEqualTo(50 + 100);
    assertThat(counts.commitLag()).isEqualTo(100 + 500);
  }

  @Test
  void commitWithoutOrWithForeignMetadata_countsEverythingAfterTheOffsetAsUnread() {
    Map<Integer, Long> ends = Map.of(0, 1_000L, 1, 1_000L);
    Map<Integer, OffsetAndMetadata> committed =
        Map.of(0, new OffsetAndMetadata(600), 1, new OffsetAndMetadata(700, "written by another tool"));

    KafkaBacklog.Counts counts = KafkaBacklog.compute(ends, committed);

    assertThat(counts).isEqualTo(new KafkaBacklog.Counts(400 + 300, 0, 700));
  }

  @Test
  void partitionWithoutACommit_isUnreadFromOffsetZero() {
    Map<Integer, Long> ends = Map.of(0, 1_000L, 1, 250L);
    Map<Integer, OffsetAndMetadata> committed = new HashMap<>();
    committed.put(0, new OffsetAndMetadata(1_000, "fb1;e=-;r=1000"));

    KafkaBacklog.Counts counts = KafkaBacklog.compute(ends, committed);

    assertThat(counts).isEqualTo(new KafkaBacklog.Counts(250, 0, 250));
  }

  @Test
  void commitBeyondTheEnd_neverCountsNegative() {
    Map<Integer, Long> ends = Map.of(0, 100L);
    Map<Integer, OffsetAndMetadata> committed = Map.of(0, new OffsetAndMetadata(90, "fb1;e=-;r=120"));

    KafkaBacklog.Counts counts = KafkaBacklog.compute(ends, committed);

    assertThat(counts).isEqualTo(new KafkaBacklog.Counts(0, 10, 10));
  }
}
