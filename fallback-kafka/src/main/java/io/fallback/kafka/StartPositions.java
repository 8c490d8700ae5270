package io.fallback.kafka;

import static io.fallback.kafka.KafkaCalls.await;
import static io.fallback.kafka.KafkaCalls.retryingWakeup;

import io.fallback.core.Checkpoint;
import io.fallback.core.PrimaryProgress;
import io.fallback.core.PrimaryProgress.WindowId;
import io.fallback.core.window.WindowSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses where each assigned partition starts (DESIGN §5 "Handoff"), and seeks the consumer there.
 *
 * <ol>
 *   <li><b>Own offsets ahead</b>: the fallback group committed, at or beyond the primary group's
 *       offset (or the primary group has none): start there and restore the committed checkpoint.
 *   <li><b>Primary ahead</b>: rewind from the primary's offset P to the first record whose
 *       timestamp is at or after tP − window − out-of-orderness − rewind margin, restore a
 *       checkpoint that counts the window holding that time as emitted, and report the windows the
 *       primary already wrote there.
 *   <li><b>Neither</b>: {@code kafka.auto_offset_reset}. {@code earliest} is the log start; {@code
 *       latest} means the end of the partition <em>at the moment of the trigger</em> (the
 *       activation), not when the assignment arrives: the end offsets taken when the source opened,
 *       or earlier where the first record timestamped at or after the activation comes earlier.
 *       Records produced after the trigger are never skipped.
 * </ol>
 *
 * <p>Used on the source's thread only, from the rebalance callback or a poll.
 */
final class StartPositions {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBatchSource.class);
  private static final int PRIMARY_LOOKUP_ATTEMPTS = 3;

  /** Where a partition starts, and what the loop must know about it. */
  record StartPosition(Optional<Checkpoint> restored, Set<WindowId> alreadyWritten) {}

  private final KafkaSourceSettings settings;
  private final WindowSpec spec;
  private final PrimaryProgress progress;
  private final InstantSource clock;
  private final Duration apiTimeout;
  private final Instant activatedAt;
  private final boolean preferOwnOffsets;
  private final Supplier<Admin> admin;
  private final Supplier<RecordTimestampReader> reader;
  private Map<TopicPartition, Long> endsAtActivation = Map.of();
  private int primaryLookupFailures;

  StartPositions(
      KafkaSourceSettings settings,
      WindowSpec spec,
      PrimaryProgress progress,
      InstantSource clock,
      Duration apiTimeout,
      Instant activatedAt,
      boolean preferOwnOffsets,
      Supplier<Admin> admin,
      Supplier<RecordTimestampReader> reader) {
    this.settings = settings;
    this.spec = spec;
    this.progress = progress;
    this.clock = clock;
    this.apiTimeout = apiTimeout;
    this.activatedAt = activatedAt;
    this.preferOwnOffsets = preferOwnOffsets;
    this.admin = admin;
    this.reader = reader;
  }

  /**
   * With {@code latest}, remembers the end offsets of every partition of the topic now (called when
   * the source opens, right after the trigger). Best effort: on failure, {@code latest} falls back
   * to the first record timestamped at or after the activation.
   */
  void snapshotEnds(Consumer<byte[], byte[]> c) {
    if (settings.autoOffsetReset() != KafkaSourceSettings.OffsetReset.LATEST) {
      return;
    }
    try {
      List<TopicPartition> tps =
          c.partitionsFor(settings.topic(), apiTimeout).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      endsAtActivation = Map.copyOf(c.endOffsets(tps, apiTimeout));
    } catch (RuntimeException e) {
      LOG.warn(
          "cannot read the end offsets of {} at activation ({}); kafka.auto_offset_reset latest will start"
              + " at the first record timestamped at or after {}",
          settings.topic(),
          e.toString(),
          activatedAt);
    }
  }

  /**
   * The primary group's committed offsets on the topic. A failure is retried by the caller; after
   * {@value #PRIMARY_LOOKUP_ATTEMPTS} failures in a row it gives up (WARN) and returns none rather
   * than never starting.
   *
   * @throws KafkaSourceException on a failure that is to be retried
   */
  Map<TopicPartition, OffsetAndMetadata> primaryOffsets() {
    try {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          await(
              admin
                  .get()
                  .listConsumerGroupOffsets(settings.primaryGroupId())
                  .partitionsToOffsetAndMetadata(),
              apiTimeout);
      primaryLookupFailures = 0;
      Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
      offsets.forEach(
          (tp, oam) -> {
            if (oam != null && tp.topic().equals(settings.topic())) {
              out.put(tp, oam);
            }
          });
      return out;
    } catch (GroupIdNotFoundException e) {
      return Map.of();
    } catch (RuntimeException e) {
      primaryLookupFailures++;
      if (primaryLookupFailures < PRIMARY_LOOKUP_ATTEMPTS) {
        throw new KafkaSourceException(
            "cannot read the committed offsets of primary group "
                + settings.primaryGroupId()
                + " (attempt "
                + primaryLookupFailures
                + " of "
                + PRIMARY_LOOKUP_ATTEMPTS
                + ")",
            e);
      }
      LOG.warn(
          "cannot read the committed offsets of primary group {} after {} attempts; starting from the"
              + " fallback group's own offsets or kafka.auto_offset_reset",
          settings.primaryGroupId(),
          primaryLookupFailures,
          e);
      primaryLookupFailures = 0;
      return Map.of();
    }
  }

  /** Seeks {@code tp} to its start and returns what to restore. */
  StartPosition choose(
      Consumer<byte[], byte[]> c,
      TopicPartition tp,
      OffsetAndMetadata own,
      OffsetAndMetadata primary) {
    int p = tp.partition();
    if (own != null && (preferOwnOffsets || primary == null || own.offset() >= primary.offset())) {
      c.seek(tp, own.offset());
      Optional<Checkpoint> restored = CommitMetadata.parse(own);
      LOG.info(
          "partition {}: resuming from own committed offset {}{} ({})",
          p,
          own.offset(),
          primary == null
              ? ", primary group " + settings.primaryGroupId() + " has none"
              : ", primary group "
                  + settings.primaryGroupId()
                  + " at "
                  + primary.offset()
                  + (preferOwnOffsets ? ", own offsets preferred (shadow mode)" : ""),
          restored.map(StartPositions::describe).orElse("no metadata"));
      // windows after our own offset that the primary wrote meanwhile are not written again: in
      // shadow mode the offset trails the primary by the shadow's unacknowledged batch, and after a
      // hand-back the primary writes on from where we stopped
      Set<WindowId> written =
          restored.isPresent() && restored.get().emittedThrough() != Checkpoint.NONE
              ? alreadyWritten(
                  p,
                  restored.get().emittedThrough() - spec.size().toMillis(),
                  clock.millis() + spec.size().toMillis())
              : Set.of();
      return new StartPosition(restored, written);
    }
    if (primary != null) {
      return rewind(c, tp, primary.offset());
    }
    long start;
    String how;
    if (settings.autoOffsetReset() == KafkaSourceSettings.OffsetReset.EARLIEST) {
      start = retryingWakeup(() -> c.beginningOffsets(List.of(tp), apiTimeout)).get(tp);
      how = "the beginning";
    } else {
      start = latestAtActivation(c, tp);
      how = "the end at the trigger (" + activatedAt + ")";
    }
    c.seek(tp, start);
    LOG.info(
        "partition {}: no committed offset in group {} nor in primary group {}, starting at {} offset {}"
            + " (kafka.auto_offset_reset {})",
        p,
        settings.groupId(),
        settings.primaryGroupId(),
        how,
        start,
        settings.autoOffsetReset().clientValue());
    return new StartPosition(Optional.empty(), Set.of());
  }

  /**
   * The end offset at the activation: the snapshot, or the first record at or after it, whichever
   * is first.
   */
  private long latestAtActivation(Consumer<byte[], byte[]> c, TopicPartition tp) {
    long endNow = retryingWakeup(() -> c.endOffsets(List.of(tp), apiTimeout)).get(tp);
    Map<TopicPartition, OffsetAndTimestamp> found =
        retryingWakeup(() -> c.offsetsForTimes(Map.of(tp, activatedAt.toEpochMilli()), apiTimeout));
    OffsetAndTimestamp at = found.get(tp);
    long byTime = at == null ? endNow : at.offset();
    Long snapshot = endsAtActivation.get(tp);
    return snapshot == null ? byTime : Math.min(snapshot, byTime);
  }

  private StartPosition rewind(Consumer<byte[], byte[]> c, TopicPartition tp, long primaryOffset) {
    int p = tp.partition();
    long begin = retryingWakeup(() -> c.beginningOffsets(List.of(tp), apiTimeout)).get(tp);
    long end = retryingWakeup(() -> c.endOffsets(List.of(tp), apiTimeout)).get(tp);
    long from = Math.max(primaryOffset, begin);
    String timeOf;
    OptionalLong ts;
    if (from < end) {
      ts = reader.get().timestampAt(tp, from, apiTimeout);
      timeOf = "record time";
    } else if (end > begin) {
      ts = reader.get().timestampAt(tp, end - 1, apiTimeout);
      timeOf = "at the end; last record time";
    } else {
      ts = OptionalLong.empty();
      timeOf = "empty partition; now";
    }
    long tP;
    if (ts.isPresent()) {
      tP = ts.getAsLong();
    } else {
      if (from < end || end > begin) {
        throw new KafkaSourceException(
            "partition "
                + p
                + ": cannot read the record at offset "
                + from
                + " within "
                + apiTimeout,
            null);
      }
      tP = clock.millis();
    }
    long size = spec.size().toMillis();
    long target =
        tP - size - spec.maxOutOfOrderness().toMillis() - settings.rewindMargin().toMillis();
    Map<TopicPartition, OffsetAndTimestamp> found =
        retryingWakeup(() -> c.offsetsForTimes(Map.of(tp, target), apiTimeout));
    OffsetAndTimestamp at = found.get(tp);
    long rewindTo = at == null ? from : Math.min(at.offset(), from);
    long windowStart = spec.windowStart(target);
    Checkpoint restored = new Checkpoint(rewindTo, windowStart + size, from);
    c.seek(tp, rewindTo);
    LOG.info(
        "partition {}: primary group {} committed {} ({} {}), rewinding to {} for windows from {}",
        p,
        settings.primaryGroupId(),
        primaryOffset,
        timeOf,
        Instant.ofEpochMilli(tP),
        rewindTo,
        Instant.ofEpochMilli(windowStart + size));
    return new StartPosition(Optional.of(restored), alreadyWritten(p, windowStart, tP + size));
  }

  /**
   * The windows the primary wrote with point times in {@code [fromMillis, toMillis)}, which the
   * fallback then does not write again; empty without a progress reader or when it fails.
   */
  private Set<WindowId> alreadyWritten(int p, long fromMillis, long toMillis) {
    if (progress == null) {
      return Set.of();
    }
    try {
      Set<WindowId> written = Set.copyOf(progress.writtenWindows(fromMillis, toMillis));
      LOG.info(
          "partition {}: the primary already wrote {} window(s) with point times in [{}, {}); they are"
              + " not written again",
          p,
          written.size(),
          Instant.ofEpochMilli(fromMillis),
          Instant.ofEpochMilli(toMillis));
      return written;
    } catch (RuntimeException e) {
      LOG.warn(
          "partition {}: cannot read which windows the primary wrote from {}; writing them again"
              + " (identical rewrites are harmless)",
          p,
          Instant.ofEpochMilli(fromMillis),
          e);
      return Set.of();
    }
  }

  /** The committed offsets of our own group for {@code tps}. */
  Map<TopicPartition, OffsetAndMetadata> committed(
      Consumer<byte[], byte[]> c, Collection<TopicPartition> tps) {
    Set<TopicPartition> set = Set.copyOf(tps);
    return retryingWakeup(() -> c.committed(set, apiTimeout));
  }

  private static String describe(Checkpoint c) {
    return "emitted through "
        + (c.emittedThrough() == Checkpoint.NONE
            ? "-"
            : Instant.ofEpochMilli(c.emittedThrough()).toString())
        + ", read through "
        + c.readThrough();
  }
}
