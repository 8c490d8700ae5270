package io.fallback.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.SourceRecord;
import io.fallback.core.window.Reading;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The batch a source collects across polls, in made-up time. */
class BatchCollectorTest {

  private static final long SECOND = 1_000_000_000L;
  private static final ReadingDecoder DECODER =
      (value, ts) -> new Reading(new String(value, StandardCharsets.UTF_8), ts, new float[] {1f});

  private final BatchCollector batch =
      new BatchCollector(3, 30 * SECOND, DECODER, null, partition -> partition != 9);

  private static ConsumerRecord<byte[], byte[]> record(int partition, long offset) {
    return new ConsumerRecord<>(
        "t", partition, offset, null, ("n" + partition).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void fullBatch_isReady_andRecordsBeyondItWaitForTheNextOne() {
    for (int i = 0; i < 5; i++) {
      batch.offer(record(0, i), 0);
    }

    assertThat(batch.full()).isTrue();
    assertThat(batch.handOver()).extracting(SourceRecord::offset).containsExactly(0L, 1L, 2L);
    batch.takeLeftover(SECOND);
    assertThat(batch.hasLeftover()).isFalse();
    assertThat(batch.handOver()).extracting(SourceRecord::offset).containsExactly(3L, 4L);
  }

  @Test
  void partialBatch_timesOutAfterTheBatchTimeoutFromItsFirstRecord_notFromTheCall() {
    batch.offer(record(0, 0), 10 * SECOND);
    batch.offer(record(0, 1), 25 * SECOND);

    assertThat(batch.timedOut(39 * SECOND)).isFalse();
    assertThat(batch.remainingNanos(25 * SECOND, Long.MAX_VALUE)).isEqualTo(15 * SECOND);
    assertThat(batch.remainingNanos(25 * SECOND, SECOND)).isEqualTo(SECOND);
    assertThat(batch.timedOut(40 * SECOND)).isTrue();
  }

  @Test
  void emptyBatch_neverTimesOut_andWaitsAsLongAsTheCallerAllows() {
    assertThat(batch.timedOut(Long.MAX_VALUE / 2)).isFalse();
    assertThat(batch.remainingNanos(0, 7)).isEqualTo(7);
  }

  @Test
  void revokedPartition_isDroppedFromTheBatchAndTheLeftover() {
    batch.offer(record(0, 0), 0);
    batch.offer(record(1, 0), 0);
    batch.offer(record(0, 1), 0);
    batch.offer(record(1, 1), 0); // leftover

    batch.drop(Set.of(1));
    batch.takeLeftover(0);

    assertThat(batch.handOver()).extracting(SourceRecord::partition).containsExactly(0, 0);
  }

  @Test
  void recordOfAPartitionNotRead_isNotCollected() {
    batch.offer(record(9, 0), 0);

    assertThat(batch.size()).isZero();
  }

  @Test
  void handedRecords_areFoundForDeadLettering_untilTheNextHandOver() {
    batch.offer(record(0, 0), 0);
    batch.offer(record(1, 7), 0);
    List<SourceRecord<Reading>> handed = batch.handOver();

    assertThat(handed).hasSize(2);
    assertThat(batch.findHanded(1, 7)).isNotNull();
    assertThat(batch.findHanded(0, 0).offset()).isZero();
    assertThat(batch.findHanded(1, 8)).isNull();
    batch.handOver();
    assertThat(batch.findHanded(1, 7)).isNull();
  }

  /** A record whose footprint is exactly {@code bytes}: overhead plus a value of the rest. */
  private static ConsumerRecord<byte[], byte[]> sized(int partition, long offset, int bytes) {
    byte[] value = new byte[bytes - BatchCollector.RECORD_OVERHEAD_BYTES];
    return new ConsumerRecord<>("t", partition, offset, null, value);
  }

  @Test
  void byteBudget_endsTheBatchBeforeBatchSize_andTheRestWaitsAsLeftover() {
    int footprint = BatchCollector.RECORD_OVERHEAD_BYTES + 100;
    BatchCollector budgeted =
        new BatchCollector(1000, 3L * footprint, 30 * SECOND, DECODER, null, p -> true);
    for (int i = 0; i < 5; i++) {
      budgeted.offer(sized(0, i, footprint), 0);
    }

    assertThat(budgeted.full()).isTrue();
    assertThat(budgeted.bytesHeld()).isEqualTo(5L * footprint);
    assertThat(budgeted.handOver()).extracting(SourceRecord::offset).containsExactly(0L, 1L, 2L);
    assertThat(budgeted.bytesHeld()).isEqualTo(2L * footprint);
    budgeted.takeLeftover(0);
    assertThat(budgeted.full()).isFalse();
    assertThat(budgeted.handOver()).extracting(SourceRecord::offset).containsExactly(3L, 4L);
    assertThat(budgeted.bytesHeld()).isZero();
  }

  @Test
  void recordLargerThanTheBudget_isABatchOfItsOwn() {
    BatchCollector budgeted = new BatchCollector(1000, 1, 30 * SECOND, DECODER, null, p -> true);

    budgeted.offer(sized(0, 0, BatchCollector.RECORD_OVERHEAD_BYTES + 10), 0);
    budgeted.offer(sized(0, 1, BatchCollector.RECORD_OVERHEAD_BYTES + 10), 0);

    assertThat(budgeted.full()).isTrue();
    assertThat(budgeted.handOver()).extracting(SourceRecord::offset).containsExactly(0L);
  }

  @Test
  void droppedPartition_releasesItsBytes() {
    int footprint = BatchCollector.RECORD_OVERHEAD_BYTES + 50;
    BatchCollector budgeted =
        new BatchCollector(1000, 2L * footprint, 30 * SECOND, DECODER, null, p -> true);
    budgeted.offer(sized(0, 0, footprint), 0);
    budgeted.offer(sized(1, 0, footprint), 0);
    budgeted.offer(sized(1, 1, footprint), 0); // leftover

    budgeted.drop(Set.of(1));

    assertThat(budgeted.bytesHeld()).isEqualTo(footprint);
    assertThat(budgeted.full()).isFalse();
  }
}
