package io.fallback.kafka;

import static io.fallback.kafka.Harness.byId;
import static io.fallback.kafka.Harness.committed;
import static io.fallback.kafka.Harness.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fallback.core.Checkpoint;
import io.fallback.core.PrimaryProgress;
import io.fallback.core.PrimaryProgress.WindowId;
import io.fallback.core.window.WindowResult;
import io.fallback.kafka.Harness.Outgoing;
import io.fallback.kafka.Harness.Produced;
import io.fallback.kafka.Harness.RecordingSink;
import io.fallback.kafka.Harness.RunningLoop;
import io.fallback.kafka.Harness.SpySource;
import io.fallback.testkit.KafkaBrokerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** KafkaBatchSource with the real core loop against a real in-JVM broker. */
@SuppressWarnings("try") // try-with-resources stops the loop thread
class KafkaBatchSourceIT {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  /** Recent, so that broker retention never deletes the test data; aligned to a window. */
  private static final long T0 = (System.currentTimeMillis() - 3_600_000L) / 5_000 * 5_000;

  private static String bootstrap() {
    return KAFKA.bootstrapServers();
  }

  private static Admin admin() {
    return KAFKA.broker().admin();
  }

  private static List<Produced> topicWithRecords(String topic, long seed) throws Exception {
    KAFKA.broker().createTopic(topic, 2, Map.of("retention.ms", "-1"));
    return Harness.produce(bootstrap(), topic, Harness.nurseRecords(seed, 6, 1200, T0, 100));
  }

  private static KafkaBatchSource source(KafkaSourceSettings settings) {
    return KafkaBatchSource.builder(settings, Harness.SPEC)
        .apiTimeout(Duration.ofSeconds(20))
        .build();
  }

  @Test
  void sinkFailsForAWhile_nothingCommittedThenEveryWindowWrittenExactlyOnce() throws Exception {
    String topic = "sink-fails";
    List<Produced> produced = topicWithRecords(topic, 1);
    List<WindowResult> reference = Harness.reference(produced);
    RecordingSink sink = new RecordingSink();
    sink.failing = true;
    KafkaBatchSource source = source(Harness.settings(bootstrap(), topic, "fb-sink-fails").build());

    try (RunningLoop loop = new RunningLoop(source, sink, Duration.ofMillis(100))) {
      await("the sink was tried several times")
          .atMost(Duration.ofSeconds(60))
          .until(() -> sink.attempts.get() >= 4);
      // while the sink fails, no position beyond the first record of a partition may be committed
      for (OffsetAndMetadata oam : committed(admin(), "fb-sink-fails", topic).values()) {
        assertThat(oam.offset()).as("committed while the sink fails").isZero();
      }
      assertThat(sink.written()).isEmpty();

      sink.failing = false;

      await("every reference window written")
          .atMost(Duration.ofSeconds(60))
          .until(() -> sink.size() >= reference.size());
      await("offsets committed after the writes")
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  committed(admin(), "fb-sink-fails", topic).values().stream()
                      .allMatch(o -> o.offset() > 0));
    }

    assertThat(sink.written()).containsExactlyInAnyOrderElementsOf(reference);
    assertThat(reference).hasSizeGreaterThan(100);
    assertThat(source.recordsDecoded()).isGreaterThanOrEqualTo(produced.size());
    assertThat(source.deadLettered()).isEmpty();
  }

  @Test
  void consumerKilledMidStream_restartWritesEveryWindowWithoutRewritingCommittedOnes()
      throws Exception {
    String topic = "killed";
    String group = "fb-killed";
    List<Produced> produced = topicWithRecords(topic, 2);
    List<WindowResult> reference = Harness.reference(produced);
    Map<WindowId, WindowResult> expected = byId(reference);

    RecordingSink sink1 = new RecordingSink();
    SpySource first =
        new SpySource(
            source(Harness.settings(bootstrap(), topic, group).batchSize(300).build()), sink1);
    first.commitsAllowed = 6;
    first.windowsAfterLastCommit = 12;
    try (RunningLoop loop = new RunningLoop(first, sink1, Duration.ZERO)) {
      await("the first run wrote windows after its last commit")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> first.commitsAllowed <= 0 && sink1.size() >= first.sinkSizeAtLastCommit + 12);
    }
    List<WindowResult> beforeKill = sink1.written();
    List<WindowResult> committedBeforeKill = beforeKill.subList(0, first.sinkSizeAtLastCommit);
    assertThat(committedBeforeKill).isNotEmpty();
    assertThat(beforeKill.size()).isLessThan(reference.size());

    RecordingSink sink2 = new RecordingSink();
    SpySource second =
        new SpySource(source(Harness.settings(bootstrap(), topic, group).build()), sink2);
    try (RunningLoop loop = new RunningLoop(second, sink2, Duration.ofMillis(100))) {
      await("every window written across both runs")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                Set<WindowId> all = new HashSet<>();
                beforeKill.forEach(w -> all.add(id(w)));
                sink2.written().forEach(w -> all.add(id(w)));
                return all.containsAll(expected.keySet());
              });
    }

    List<WindowResult> all = new ArrayList<>(beforeKill);
    all.addAll(sink2.written());
    for (WindowResult w : all) {
      assertThat(w).as("written window equals the reference").isEqualTo(expected.get(id(w)));
    }
    Set<WindowId> rewritten = sink2.written().stream().map(Harness::id).collect(Collectors.toSet());
    rewritten.retainAll(committedBeforeKill.stream().map(Harness::id).collect(Collectors.toSet()));
    assertThat(rewritten).as("windows committed before the kill, written again").isEmpty();
    assertThat(second.restored.values()).anyMatch(Optional::isPresent);
    assertThat(sink2.written().stream().map(Harness::id).distinct().count())
        .as("no duplicates within the second run")
        .isEqualTo(sink2.size());
  }

  @Test
  void secondInstanceJoinsWhileTheFirstHolds_partitionsMoveWithoutLossOrConflict()
      throws Exception {
    String topic = "rebalance";
    String group = "fb-rebalance";
    List<Produced> produced = topicWithRecords(topic, 6);
    Map<WindowId, WindowResult> expected = byId(Harness.reference(produced));
    RecordingSink sinkA = new RecordingSink();
    RecordingSink sinkB = new RecordingSink();
    sinkA.failing = true;
    SpySource a = new SpySource(source(Harness.settings(bootstrap(), topic, group).build()), sinkA);
    SpySource b = new SpySource(source(Harness.settings(bootstrap(), topic, group).build()), sinkB);

    try (RunningLoop loopA = new RunningLoop(a, sinkA, Duration.ofMillis(100))) {
      await("the first instance holds a batch")
          .atMost(Duration.ofSeconds(60))
          .until(() -> sinkA.attempts.get() >= 2);
      try (RunningLoop loopB = new RunningLoop(b, sinkB, Duration.ofMillis(100))) {
        await("the second instance got a partition")
            .atMost(Duration.ofSeconds(60))
            .until(() -> !b.restored.isEmpty());
        sinkA.failing = false;

        await("every window written by one of the two")
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> {
                  Set<WindowId> all = new HashSet<>();
                  sinkA.written().forEach(w -> all.add(id(w)));
                  sinkB.written().forEach(w -> all.add(id(w)));
                  return all.containsAll(expected.keySet());
                });
      }
    }

    List<WindowResult> all = new ArrayList<>(sinkA.written());
    all.addAll(sinkB.written());
    for (WindowResult w : all) {
      assertThat(w).as("written window equals the reference").isEqualTo(expected.get(id(w)));
    }
    assertThat(sinkB.written()).isNotEmpty();
  }

  @Test
  void badRecords_deadLetteredWithReasonsAndGoodRecordsUnaffected() throws Exception {
    String topic = "bad-records";
    KAFKA.broker().createTopic(topic, 2, Map.of("retention.ms", "-1"));
    List<Outgoing> good = Harness.nurseRecords(4, 4, 600, T0, 100);
    List<Outgoing> all = new ArrayList<>(good);
    byte[] valid = NurseRecords.encode(NurseRecords.deterministic("1", T0));
    Map<String, List<byte[]>> bad = new HashMap<>();
    bad.put(
        "undecodable",
        List.of(
            new byte[] {(byte) 0xff, (byte) 0xfe, 1, 2, 3},
            Arrays.copyOf(valid, 30),
            "{\"id\":\"1\"}".getBytes(StandardCharsets.UTF_8)));
    GenericRecord noId = NurseRecords.deterministic("1", T0 + 1000);
    noId.put("id", null);
    bad.put("missing-key", List.of(NurseRecords.encode(noId)));
    GenericRecord badTime = NurseRecords.deterministic("2", T0 + 1000);
    badTime.put("datetime", "2024-13-45 99:00:00.000");
    GenericRecord textTime = NurseRecords.deterministic("2", T0 + 1000);
    textTime.put("datetime", "yesterday");
    bad.put("bad-timestamp", List.of(NurseRecords.encode(badTime), NurseRecords.encode(textTime)));
    GenericRecord noTime = NurseRecords.deterministic("3", T0 + 1000);
    noTime.put("datetime", null);
    bad.put("missing-timestamp", List.of(NurseRecords.encode(noTime)));
    int at = 50;
    Map<String, String> reasonByValue = new HashMap<>();
    for (Map.Entry<String, List<byte[]>> e : bad.entrySet()) {
      for (byte[] value : e.getValue()) {
        all.add(at, new Outgoing(Harness.key(at % 4), value, good.get(at).timestamp(), null));
        reasonByValue.put(Arrays.toString(value), e.getKey());
        at += 333;
      }
    }
    List<Produced> produced = Harness.produce(bootstrap(), topic, all);
    List<WindowResult> reference = Harness.reference(produced);
    RecordingSink sink = new RecordingSink();
    KafkaBatchSource source = source(Harness.settings(bootstrap(), topic, "fb-bad").build());

    try (RunningLoop loop = new RunningLoop(source, sink, Duration.ofMillis(100))) {
      await("every reference window written")
          .atMost(Duration.ofSeconds(60))
          .until(() -> sink.size() >= reference.size());
    }

    assertThat(sink.written()).containsExactlyInAnyOrderElementsOf(reference);
    assertThat(source.deadLettered())
        .containsEntry("undecodable", 3L)
        .containsEntry("missing-key", 1L)
        .containsEntry("bad-timestamp", 2L)
        .containsEntry("missing-timestamp", 1L)
        .hasSize(4);
    assertThat(source.recordsDecoded()).isEqualTo(good.size());
    assertThat(source.deadLetterSendFailures()).isZero();
    List<ConsumerRecord<byte[], byte[]>> letters = readAll(topic + ".dlq", 7);
    Map<Long, Produced> byOffsetKey = new HashMap<>();
    produced.forEach(p -> byOffsetKey.put(p.partition() * 1_000_000L + p.offset(), p));
    for (ConsumerRecord<byte[], byte[]> letter : letters) {
      String reason = header(letter, "fallback.reason");
      int partition = Integer.parseInt(header(letter, "fallback.source.partition"));
      long offset = Long.parseLong(header(letter, "fallback.source.offset"));
      Produced original = byOffsetKey.get(partition * 1_000_000L + offset);
      assertThat(original).isNotNull();
      assertThat(original.reading()).as("a good record was dead-lettered").isNull();
      assertThat(letter.value()).isEqualTo(original.value());
      assertThat(letter.key()).isEqualTo(original.key());
      assertThat(reason).isEqualTo(reasonByValue.get(Arrays.toString(original.value())));
      assertThat(header(letter, "fallback.source.topic")).isEqualTo(topic);
      assertThat(header(letter, "fallback.error")).isNotBlank();
    }
  }

  @Test
  void primaryGroupAhead_rewindsSkipsWhatThePrimaryWroteAndCompletesTheRest() throws Exception {
    String topic = "takeover";
    List<Produced> produced = topicWithRecords(topic, 5);
    List<WindowResult> reference = Harness.reference(produced);
    Map<Integer, List<Produced>> byPartition =
        produced.stream().collect(Collectors.groupingBy(Produced::partition));
    // the primary committed two thirds of each partition
    Map<TopicPartition, OffsetAndMetadata> primaryOffsets = new HashMap<>();
    Map<Integer, Long> tP = new HashMap<>();
    Map<Integer, Long> expectedRewind = new HashMap<>();
    long ooo = Harness.SPEC.maxOutOfOrderness().toMillis();
    long size = Harness.SPEC.size().toMillis();
    for (Map.Entry<Integer, List<Produced>> e : byPartition.entrySet()) {
      List<Produced> records = e.getValue();
      records.sort(java.util.Comparator.comparingLong(Produced::offset));
      Produced atP = records.get(records.size() * 2 / 3);
      primaryOffsets.put(Harness.tp(topic, e.getKey()), new OffsetAndMetadata(atP.offset()));
      tP.put(e.getKey(), atP.timestamp());
      long target = atP.timestamp() - size - ooo - 10_000;
      expectedRewind.put(
          e.getKey(),
          records.stream().filter(r -> r.timestamp() >= target).findFirst().orElseThrow().offset());
    }
    commitAs("flink-consumer", primaryOffsets);
    // what the primary wrote: every reference window that closed before its watermark at P
    Set<WindowId> primaryWrote = new HashSet<>();
    Map<String, Integer> partitionOfKey = new HashMap<>();
    produced.forEach(p -> partitionOfKey.put(p.reading().key(), p.partition()));
    for (WindowResult w : reference) {
      if (w.end() <= tP.get(partitionOfKey.get(w.key())) - ooo) {
        primaryWrote.add(id(w));
      }
    }
    AtomicInteger queries = new AtomicInteger();
    PrimaryProgress progress =
        new PrimaryProgress() {
          @Override
          public Map<String, Long> newestPointPerKey() {
            throw new UnsupportedOperationException();
          }

          @Override
          public Set<WindowId> writtenWindows(long fromMillis, long toMillis) {
            queries.incrementAndGet();
            return primaryWrote.stream()
                .filter(
                    w ->
                        w.windowStart() + size - 1 >= fromMillis
                            && w.windowStart() + size - 1 < toMillis)
                .collect(Collectors.toSet());
          }
        };
    RecordingSink sink = new RecordingSink();
    SpySource source =
        new SpySource(
            KafkaBatchSource.builder(
                    Harness.settings(bootstrap(), topic, "fb-takeover").build(), Harness.SPEC)
                .primaryProgress(progress)
                .build(),
            sink);
    List<WindowResult> expectedWrites =
        reference.stream()
            .filter(w -> !primaryWrote.contains(id(w)))
            .filter(w -> w.end() > tP.get(partitionOfKey.get(w.key())) - ooo)
            .toList();

    try (RunningLoop loop = new RunningLoop(source, sink, Duration.ofMillis(100))) {
      await("every window after the primary's written")
          .atMost(Duration.ofSeconds(60))
          .until(() -> sink.size() >= expectedWrites.size());
    }

    assertThat(source.firstOffsets).isEqualTo(expectedRewind);
    for (Map.Entry<Integer, Long> e : expectedRewind.entrySet()) {
      Checkpoint restored = source.restored.get(e.getKey()).orElseThrow();
      assertThat(restored.offset()).isEqualTo(e.getValue());
      assertThat(restored.readThrough())
          .isEqualTo(primaryOffsets.get(Harness.tp(topic, e.getKey())).offset());
    }
    assertThat(queries.get()).isEqualTo(2);
    assertThat(sink.written()).noneMatch(w -> primaryWrote.contains(id(w)));
    assertThat(sink.written()).containsExactlyInAnyOrderElementsOf(expectedWrites);
    assertThat(expectedWrites).hasSizeGreaterThan(20);
  }

  /**
   * Shadow mode's take-over: the group's own offsets trail the primary by the batch the shadow had
   * not acknowledged, part of whose windows the primary wrote; the primary's group committed
   * further. With own offsets preferred, the fallback resumes from its own offsets (no rewind) and
   * skips the windows the primary wrote since.
   */
  @Test
  void ownOffsetsPreferred_resumeThere_andSkipWhatThePrimaryWroteAfterThem() throws Exception {
    String topic = "shadow-takeover";
    String group = "fb-shadow-takeover";
    List<Produced> produced = topicWithRecords(topic, 9);
    Map<WindowId, WindowResult> expected = byId(Harness.reference(produced));
    RecordingSink sink1 = new RecordingSink();
    SpySource shadow =
        new SpySource(
            source(Harness.settings(bootstrap(), topic, group).batchSize(300).build()), sink1);
    shadow.commitsAllowed = 6;
    shadow.windowsAfterLastCommit = 12;
    try (RunningLoop loop = new RunningLoop(shadow, sink1, Duration.ZERO)) {
      await("windows after the last commit")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> shadow.commitsAllowed <= 0 && sink1.size() >= shadow.sinkSizeAtLastCommit + 12);
    }
    List<WindowResult> committed = sink1.written().subList(0, shadow.sinkSizeAtLastCommit);
    Set<WindowId> primaryWrote =
        sink1.written().subList(shadow.sinkSizeAtLastCommit, sink1.size()).stream()
            .map(Harness::id)
            .collect(Collectors.toSet());
    Map<Integer, OffsetAndMetadata> own = Harness.committed(admin(), group, topic);
    Map<TopicPartition, OffsetAndMetadata> primaryOffsets = new HashMap<>();
    own.forEach(
        (p, o) -> primaryOffsets.put(Harness.tp(topic, p), new OffsetAndMetadata(o.offset() + 50)));
    commitAs("flink-consumer", primaryOffsets);
    long size = Harness.SPEC.size().toMillis();
    PrimaryProgress progress =
        new PrimaryProgress() {
          @Override
          public Map<String, Long> newestPointPerKey() {
            throw new UnsupportedOperationException();
          }

          @Override
          public Set<WindowId> writtenWindows(long fromMillis, long toMillis) {
            return primaryWrote.stream()
                .filter(
                    w ->
                        w.windowStart() + size - 1 >= fromMillis
                            && w.windowStart() + size - 1 < toMillis)
                .collect(Collectors.toSet());
          }
        };

    RecordingSink sink2 = new RecordingSink();
    SpySource fallback =
        new SpySource(
            KafkaBatchSource.builder(
                    Harness.settings(bootstrap(), topic, group).build(), Harness.SPEC)
                .primaryProgress(progress)
                .preferOwnOffsets(true)
                .build(),
            sink2);
    try (RunningLoop loop = new RunningLoop(fallback, sink2, Duration.ofMillis(100))) {
      await("every window written by the shadow's commits, the primary or the fallback")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                Set<WindowId> all = new HashSet<>(primaryWrote);
                committed.forEach(w -> all.add(id(w)));
                sink2.written().forEach(w -> all.add(id(w)));
                return all.containsAll(expected.keySet());
              });
    }

    Map<Integer, Long> ownOffsets = new HashMap<>();
    own.forEach((p, o) -> ownOffsets.put(p, o.offset()));
    assertThat(ownOffsets).isNotEmpty();
    assertThat(fallback.firstOffsets)
        .as("resumed from own offsets, no rewind to the primary's")
        .containsAllEntriesOf(ownOffsets);
    Set<WindowId> again = sink2.written().stream().map(Harness::id).collect(Collectors.toSet());
    again.retainAll(primaryWrote);
    assertThat(again).as("windows the primary wrote, written again").isEmpty();
    assertThat(primaryWrote).hasSizeGreaterThanOrEqualTo(12);
    for (WindowResult w : sink2.written()) {
      assertThat(w).isEqualTo(expected.get(id(w)));
    }
  }

  @Test
  void handBackEnabled_movesTheEmptyPrimaryGroupToTheFallbacksOffsets() throws Exception {
    String topic = "hand-back";
    List<Produced> produced = topicWithRecords(topic, 7);
    List<WindowResult> reference = Harness.reference(produced);
    commitAs(
        "flink-hb",
        Map.of(
            Harness.tp(topic, 0),
            new OffsetAndMetadata(0),
            Harness.tp(topic, 1),
            new OffsetAndMetadata(0)));
    RecordingSink sink = new RecordingSink();
    KafkaBatchSource source =
        source(
            Harness.settings(bootstrap(), topic, "fb-hb")
                .primaryGroupId("flink-hb")
                .advancePrimaryOffsets(true)
                .build());

    try (RunningLoop loop = new RunningLoop(source, sink, Duration.ofMillis(100))) {
      await("every reference window written")
          .atMost(Duration.ofSeconds(60))
          .until(() -> sink.size() >= reference.size());
    }

    Map<Integer, OffsetAndMetadata> ours = committed(admin(), "fb-hb", topic);
    Map<Integer, OffsetAndMetadata> theirs = committed(admin(), "flink-hb", topic);
    assertThat(ours).hasSize(2);
    for (int p = 0; p < 2; p++) {
      assertThat(ours.get(p).offset()).isPositive();
      assertThat(theirs.get(p).offset()).isEqualTo(ours.get(p).offset());
    }
  }

  @Test
  void handBackWithActivePrimaryMember_refusesToMoveOffsets() throws Exception {
    String topic = "hand-back-busy";
    List<Produced> produced = topicWithRecords(topic, 8);
    List<WindowResult> reference = Harness.reference(produced);
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "flink-busy");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<byte[], byte[]> member =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      member.subscribe(List.of("unrelated-topic-busy"));
      await("the primary member joined")
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(
              () -> {
                member.poll(Duration.ofMillis(100));
                return !admin()
                    .describeConsumerGroups(List.of("flink-busy"))
                    .all()
                    .get()
                    .get("flink-busy")
                    .members()
                    .isEmpty();
              });
      RecordingSink sink = new RecordingSink();
      KafkaBatchSource source =
          source(
              Harness.settings(bootstrap(), topic, "fb-busy")
                  .primaryGroupId("flink-busy")
                  .advancePrimaryOffsets(true)
                  .build());

      try (RunningLoop loop = new RunningLoop(source, sink, Duration.ofMillis(100))) {
        await("every reference window written")
            .atMost(Duration.ofSeconds(60))
            .until(() -> sink.size() >= reference.size());
      }

      assertThat(committed(admin(), "flink-busy", topic)).isEmpty();
    }
  }

  private static void commitAs(String group, Map<TopicPartition, OffsetAndMetadata> offsets) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.assign(offsets.keySet());
      c.commitSync(offsets);
    }
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + topic);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      await("the dead letters of " + topic)
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                return out.size() >= expected;
              });
      c.poll(Duration.ofMillis(300)).forEach(out::add);
    }
    assertThat(out).hasSize(expected);
    return out;
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    assertThat(h).as("header " + name).isNotNull();
    return new String(h.value(), StandardCharsets.UTF_8);
  }
}
