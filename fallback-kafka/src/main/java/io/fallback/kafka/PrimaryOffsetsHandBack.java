package io.fallback.kafka;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hand-back of {@code handoff.advance_primary_offsets: true}: when the fallback stops, if the
 * primary group has no active member (Flink's {@code KafkaSource} uses {@code assign()}, so it has
 * none), its committed offsets are moved forward to the fallback group's where those are ahead, so
 * a primary that restarts from committed offsets does not redo the fallback's work. With active
 * members it refuses and logs a WARN with their count. Only the partitions this instance owned are
 * moved (several instances in one group each hand back their own).
 *
 * <p>Stateless; thread-safe.
 */
final class PrimaryOffsetsHandBack {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBatchSource.class);

  private PrimaryOffsetsHandBack() {}

  /**
   * Moves the primary group's offsets; each admin request bounded by {@code timeout}.
   *
   * @throws RuntimeException if Kafka cannot be asked or refuses the change
   */
  static void run(Admin admin, KafkaSourceSettings settings, Set<Integer> owned, Duration timeout) {
    String primary = settings.primaryGroupId();
    int members;
    try {
      ConsumerGroupDescription group =
          KafkaCalls.await(
              admin.describeConsumerGroups(List.of(primary)).describedGroups().get(primary),
              timeout);
      members = group.members().size();
    } catch (GroupIdNotFoundException e) {
      members = 0;
    }
    if (members > 0) {
      LOG.warn(
          "hand-back: primary group {} has {} active member(s); not moving its committed offsets",
          primary,
          members);
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> ours =
        KafkaCalls.await(
            admin.listConsumerGroupOffsets(settings.groupId()).partitionsToOffsetAndMetadata(),
            timeout);
    Map<TopicPartition, OffsetAndMetadata> theirs;
    try {
      theirs =
          KafkaCalls.await(
              admin.listConsumerGroupOffsets(primary).partitionsToOffsetAndMetadata(), timeout);
    } catch (GroupIdNotFoundException e) {
      theirs = Map.of();
    }
    Map<TopicPartition, OffsetAndMetadata> advance = toAdvance(settings.topic(), ours, theirs);
    // only the partitions this instance read: with several instances in the group, each hands back
    // its own, before leaving the group, so no instance moves a partition to an older offset that
    // another instance has since committed past
    advance.keySet().removeIf(tp -> !owned.contains(tp.partition()));
    if (advance.isEmpty()) {
      LOG.info(
          "hand-back: primary group {} is at or ahead of the fallback's offsets; nothing to move",
          primary);
      return;
    }
    KafkaCalls.await(admin.alterConsumerGroupOffsets(primary, advance).all(), timeout);
    LOG.info(
        "hand-back: advanced the committed offsets of primary group {} ({})",
        primary,
        describe(advance, theirs));
  }

  /**
   * The partitions of {@code topic} where our committed offset is ahead of the primary's (or the
   * primary has none), with our offset and no metadata, in partition order.
   */
  static Map<TopicPartition, OffsetAndMetadata> toAdvance(
      String topic,
      Map<TopicPartition, OffsetAndMetadata> ours,
      Map<TopicPartition, OffsetAndMetadata> theirs) {
    Map<Integer, OffsetAndMetadata> mine = new TreeMap<>();
    ours.forEach(
        (tp, oam) -> {
          if (oam != null && tp.topic().equals(topic)) {
            mine.put(tp.partition(), oam);
          }
        });
    Map<TopicPartition, OffsetAndMetadata> advance = new LinkedHashMap<>();
    for (Map.Entry<Integer, OffsetAndMetadata> e : mine.entrySet()) {
      TopicPartition tp = new TopicPartition(topic, e.getKey());
      OffsetAndMetadata current = theirs.get(tp);
      if (current == null || e.getValue().offset() > current.offset()) {
        advance.put(tp, new OffsetAndMetadata(e.getValue().offset()));
      }
    }
    return advance;
  }

  private static String describe(
      Map<TopicPartition, OffsetAndMetadata> advance,
      Map<TopicPartition, OffsetAndMetadata> theirs) {
    StringBuilder moved = new StringBuilder();
    advance.forEach(
        (tp, oam) -> {
          OffsetAndMetadata before = theirs.get(tp);
          moved
              .append(moved.length() == 0 ? "" : ", ")
              .append("partition ")
              .append(tp.partition())
              .append(": ")
              .append(before == null ? "none" : Long.toString(before.offset()))
              .append(" -> ")
              .append(oam.offset());
        });
    return moved.toString();
  }
}
