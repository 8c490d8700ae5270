package io.fallback.kafka;

import static io.fallback.kafka.Harness.committed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fallback.core.Checkpoint;
import io.fallback.core.PartitionListener;
import io.fallback.core.SourceRecord;
import io.fallback.core.window.Reading;
import io.fallback.kafka.Harness.Outgoing;
import io.fallback.kafka.Harness.Produced;
import io.fallback.kafka.Harness.RecordingSink;
import io.fallback.kafka.Harness.RunningLoop;
import io.fallback.testkit.KafkaBrokerExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11, "take-over without dead time", against a real broker with the seed's 30 s batch
 * timeout: start positions are chosen when the partitions are assigned, a batch is handed over as
 * soon as it is full, {@code latest} means the end as of the trigger, and a drained batch is
 * committed within the commit interval rather than when the next batch times out.
 */
@SuppressWarnings("try") // try-with-resources stops the loop thread
class KafkaTakeoverIT {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static final Duration SEED_BATCH_TIMEOUT = Duration.ofSeconds(30);
  private static final long T0 = (System.currentTimeMillis() - 3_600_000L) / 5_000 * 5_000;

  private static final PartitionListener IGNORE =
      new PartitionListener() {
        @Override
        public void assigned(int partition, Optional<Checkpoint> restored) {}

        @Override
        public void revoked(int partition) {}
      };

  private static List<Produced> topicWithRecords(String topic, int perKey) throws Exception {
    KAFKA.broker().createTopic(topic, 2, Map.of("retention.ms", "-1"));
    return Harness.produce(
        KAFKA.bootstrapServers(), topic, Harness.nurseRecords(7, 6, perKey, T0, 100));
  }

  /**
   * Defect 3 of issue 11: after the partitions were assigned, the first poll blocked for the whole
   * batch timeout (30 s in the seed's file) before the start position was set, so every take-over
   * started one batch timeout late. Now the start is chosen in the assignment callback and a full
   * batch is handed over at once.
   */
  @Test
  void takeoverOnBacklog_firstBatchIsFullAtOnce_notAfterTheBatchTimeout() throws Exception {
    String topic = "takeover-backlog";
    topicWithRecords(topic, 2_000); // 12 000 records
    KafkaSourceSettings settings =
        Harness.settings(KAFKA.bootstrapServers(), topic, "fb-takeover-backlog")
            .batchSize(1_000)
            .batchTimeout(SEED_BATCH_TIMEOUT)
            .build();

    try (KafkaBatchSource source = KafkaBatchSource.builder(settings, Harness.SPEC).build()) {
      long t0 = System.nanoTime();
      source.open(IGNORE);
      List<SourceRecord<Reading>> first = source.poll(Duration.ofSeconds(60));
      Duration took = Duration.ofNanos(System.nanoTime() - t0);

      assertThat(first).as("the first batch is handed over because it is full").hasSize(1_000);
      assertThat(took)
          .as("open -> first full batch, with a 30 s batch timeout")
          .isLessThan(SEED_BATCH_TIMEOUT.dividedBy(2));
    }
  }

  /**
   * Issue 11, "a backlog never waits": a take-over backlog smaller than one batch is handed over as
   * soon as the consumer has caught up with the end of the log; live records that arrive afterwards
   * keep the seed's batching (full, or the batch timeout after the first record).
   */
  @Test
  void backlogSmallerThanABatch_handedOverOnceCaughtUp_thenLiveRecordsWaitForTheBatchTimeout()
      throws Exception {
    String topic = "takeover-small-backlog";
    List<Produced> backlog = topicWithRecords(topic, 200); // 1 200 records, batch_size 20 000
    Duration liveTimeout = Duration.ofSeconds(3);
    KafkaSourceSettings settings =
        Harness.settings(KAFKA.bootstrapServers(), topic, "fb-takeover-small-backlog")
            .batchSize(20_000)
            .batchTimeout(liveTimeout)
            .build();

    try (KafkaBatchSource source = KafkaBatchSource.builder(settings, Harness.SPEC).build()) {
      source.open(IGNORE);
      List<SourceRecord<Reading>> first = new ArrayList<>();
      long t0 = System.nanoTime();
      await("the backlog")
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                first.addAll(source.poll(Duration.ofMillis(100)));
                return !first.isEmpty();
              });
      Duration took = Duration.ofNanos(System.nanoTime() - t0);

      assertThat(first).as("the whole backlog, in one batch").hasSize(backlog.size());
      assertThat(took)
          .as("handed over when caught up, not after the batch timeout")
          .isLessThan(liveTimeout);

      Harness.produce(KAFKA.bootstrapServers(), topic, records(T0 + 200_000, 5));
      long produced = System.nanoTime();
      List<SourceRecord<Reading>> live = new ArrayList<>();
      await("the live records")
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                live.addAll(source.poll(Duration.ofMillis(100)));
                return !live.isEmpty();
              });

      assertThat(live).hasSize(5);
      assertThat(Duration.ofNanos(System.nanoTime() - produced))
          .as("live input is batched: the batch timeout after its first record")
          .isGreaterThanOrEqualTo(liveTimeout);
    }
  }

  /**
   * Defect 3 of issue 11, the loss: with {@code latest} and no committed offsets in either group,
   * "latest" was taken after the first poll timed out, so the records produced between the trigger
   * and then were never read. Now latest is the end as of the trigger: records timestamped after
   * the trigger (B) and records appended after the source opened, whatever their timestamps (C),
   * are read; the backlog from before the trigger (A) is not.
   */
  @Test
  void latestWithNoCommittedOffsets_readsEverythingProducedAfterTheTrigger() throws Exception {
    String topic = "takeover-latest";
    List<Produced> before = topicWithRecords(topic, 100); // A: old event times, before the trigger
    Instant trigger = Instant.now();
    List<Produced> afterTrigger =
        Harness.produce(
            KAFKA.bootstrapServers(), topic, records(trigger.toEpochMilli() + 1, 40)); // B
    KafkaSourceSettings settings =
        Harness.settings(KAFKA.bootstrapServers(), topic, "fb-takeover-latest")
            .autoOffsetReset(KafkaSourceSettings.OffsetReset.LATEST)
            .primaryGroupId("no-such-primary")
            .batchSize(1_000)
            .batchTimeout(Duration.ofMillis(500))
            .build();

    try (KafkaBatchSource source =
        KafkaBatchSource.builder(settings, Harness.SPEC).activatedAt(trigger).build()) {
      source.open(IGNORE);
      List<Produced> afterOpen =
          Harness.produce(
              KAFKA.bootstrapServers(), topic, records(T0 + 1_000, 40)); // C: old timestamps
      Set<String> read = new HashSet<>();
      await("the records produced after the trigger")
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                source
                    .poll(Duration.ofMillis(200))
                    .forEach(r -> read.add(r.partition() + "@" + r.offset()));
                return read.size() >= afterTrigger.size() + afterOpen.size();
              });

      Set<String> expected = new HashSet<>();
      afterTrigger.forEach(p -> expected.add(p.partition() + "@" + p.offset()));
      afterOpen.forEach(p -> expected.add(p.partition() + "@" + p.offset()));
      assertThat(read).isEqualTo(expected);
      assertThat(read)
          .as("nothing of the backlog before the trigger")
          .doesNotContainAnyElementsOf(
              before.stream()
                  .map(p -> p.partition() + "@" + p.offset())
                  .collect(Collectors.toSet()));
    }
  }

  /**
   * Defect 4 of issue 11: a drained batch was committed only when the next poll returned, up to a
   * batch timeout later, so a crash in that gap re-read the whole backlog. With a 30 s batch
   * timeout and a 500 ms commit interval, the read position reaches the end of the topic in the
   * committed metadata while the loop is still waiting for the next batch.
   */
  @Test
  void drainedBacklog_committedWithinTheCommitInterval_notWhenTheNextBatchTimesOut()
      throws Exception {
    String topic = "takeover-commit";
    List<Produced> produced = topicWithRecords(topic, 500);
    KafkaSourceSettings settings =
        Harness.settings(KAFKA.bootstrapServers(), topic, "fb-takeover-commit")
            .batchSize(1_000)
            .batchTimeout(SEED_BATCH_TIMEOUT)
            .build();
    RecordingSink sink = new RecordingSink();
    KafkaBatchSource source = KafkaBatchSource.builder(settings, Harness.SPEC).build();

    try (RunningLoop loop = new RunningLoop(source, sink, Duration.ofMillis(500))) {
      await("windows written").atMost(Duration.ofSeconds(60)).until(() -> sink.size() > 0);
      long written = System.nanoTime();
      await("the committed read position at the end of every partition")
          .atMost(SEED_BATCH_TIMEOUT.minusSeconds(10))
          .until(() -> readThroughAtEnd(topic, "fb-takeover-commit", produced));
      Duration took = Duration.ofNanos(System.nanoTime() - written);

      assertThat(took).isLessThan(SEED_BATCH_TIMEOUT.dividedBy(2));
    }
  }

  private static boolean readThroughAtEnd(String topic, String group, List<Produced> produced)
      throws Exception {
    Map<Integer, OffsetAndMetadata> committed = committed(KAFKA.broker().admin(), group, topic);
    Map<Integer, Long> ends =
        produced.stream()
            .collect(Collectors.toMap(Produced::partition, p -> p.offset() + 1, Math::max));
    for (Map.Entry<Integer, Long> e : ends.entrySet()) {
      OffsetAndMetadata oam = committed.get(e.getKey());
      Optional<Checkpoint> c = oam == null ? Optional.empty() : CommitMetadata.parse(oam);
      if (c.isEmpty() || c.get().readThrough() < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** {@code n} records of one key, one per 100 ms from {@code t0}. */
  private static List<Outgoing> records(long t0, int n) {
    return Harness.nurseRecords(11, 1, n, t0, 100);
  }
}
