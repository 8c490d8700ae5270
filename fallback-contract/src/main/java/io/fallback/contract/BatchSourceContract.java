package io.fallback.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.BatchSource;
import io.fallback.core.Checkpoint;
import io.fallback.core.PartitionListener;
import io.fallback.core.SourceRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The {@link BatchSource} contract, run against the input the source reads. Extend it and supply
 * the factory methods. The input must be empty and unread by the source's group at the start of
 * each test (for Kafka: a new topic and group per test, created in a {@code @BeforeEach}).
 *
 * <ul>
 *   <li>After a commit, a new source over the same input resumes at the committed offset: not
 *       before (duplicates) and not after (loss), and reports the commit as the partition's
 *       restored checkpoint.
 *   <li>{@code close} without a commit commits nothing: a new source reads everything again.
 *   <li>{@code hold} keeps the partitions (no revocation) and loses nothing: after it, reading goes
 *       on at the next offset.
 * </ul>
 *
 * <p>Instances are created per test by JUnit; not thread-safe.
 *
 * @param <I> the decoded record type
 */
public abstract class BatchSourceContract<I> {

  /** Creates the contract; subclasses are JUnit test classes. */
  protected BatchSourceContract() {}

  /**
   * A new, unopened source over the input under test. Sources created by one test share the input
   * and the committed positions (a new source models a restart).
   *
   * @return the source
   */
  protected abstract BatchSource<I> createSource();

  /**
   * Appends records the source can decode to the input, all on {@link #partition()}, in order.
   *
   * @param count how many, {@code >= 1}
   */
  protected abstract void appendRecords(int count);

  /**
   * The partition {@link #appendRecords} writes to (default 0).
   *
   * @return the partition
   */
  protected int partition() {
    return 0;
  }

  /**
   * How long a test waits for records to arrive (default 30 s).
   *
   * @return the bound
   */
  protected Duration readTimeout() {
    return Duration.ofSeconds(30);
  }

  /**
   * How long {@code hold} is called for (default 1 s). A Kafka test sets {@code
   * max.poll.interval.ms} below it, so that a hold that merely slept would lose the group.
   *
   * @return the hold
   */
  protected Duration holdDuration() {
    return Duration.ofSeconds(1);
  }

  /** Commit, restart: the new source starts exactly at the commit. */
  @Test
  void committedThenRestarted_resumesAtTheCommittedOffset() {
    appendRecords(10);
    long base;
    try (BatchSource<I> first = createSource()) {
      first.open(new Partitions());
      List<Long> read = read(first, 10);
      base = read.get(0);
      first.commit(Map.of(partition(), new Checkpoint(base + 4, Checkpoint.NONE, base + 4)));
    }

    Partitions partitions = new Partitions();
    List<Long> again;
    try (BatchSource<I> second = createSource()) {
      second.open(partitions);
      again = read(second, 6);
    }

    assertThat(again)
        .as("offsets read after restarting at the commit (offset %d)", base + 4)
        .containsExactlyElementsOf(offsets(base + 4, 6));
    assertThat(partitions.restored.get(partition()))
        .as("restored checkpoint of partition %d", partition())
        .hasValueSatisfying(c -> assertThat(c.offset()).isEqualTo(base + 4));
  }

  /** Close without commit: nothing read counts as done. */
  @Test
  void closedWithoutCommit_restartReadsEverythingAgain() {
    appendRecords(5);
    List<Long> read;
    try (BatchSource<I> first = createSource()) {
      first.open(new Partitions());
      read = read(first, 5);
    }

    List<Long> again;
    try (BatchSource<I> second = createSource()) {
      second.open(new Partitions());
      again = read(second, 5);
    }

    assertThat(again)
        .as("offsets read again after a close without commit (close must commit nothing)")
        .containsExactlyElementsOf(read);
  }

  /** Hold is backpressure, not a pause that costs the partitions or skips records. */
  @Test
  void held_keepsPartitionsAndLosesNothing() {
    appendRecords(4);
    Partitions partitions = new Partitions();
    List<Long> before;
    List<Long> after;
    try (BatchSource<I> source = createSource()) {
      source.open(partitions);
      before = read(source, 4);

      source.hold(holdDuration());
      appendRecords(4);
      after = read(source, 4);
    }

    assertThat(after)
        .as("offsets read after hold(%s)", holdDuration())
        .containsExactlyElementsOf(offsets(before.get(0) + 4, 4));
    assertThat(partitions.revoked).as("partitions revoked during the test").isEmpty();
  }

  /**
   * Polls until {@code count} records of {@link #partition()} were read or {@link #readTimeout()}
   * passed; fails with what arrived.
   */
  private List<Long> read(BatchSource<I> source, int count) {
    List<Long> offsets = new ArrayList<>();
    Instant deadline = Instant.now().plus(readTimeout());
    while (offsets.size() < count && Instant.now().isBefore(deadline)) {
      for (SourceRecord<I> r : source.poll(Duration.ofMillis(200))) {
        if (r.partition() == partition()) {
          offsets.add(r.offset());
        }
      }
    }
    assertThat(offsets)
        .as("records of partition %d read within %s", partition(), readTimeout())
        .hasSizeGreaterThanOrEqualTo(count);
    return offsets.subList(0, count);
  }

  private static List<Long> offsets(long from, int count) {
    return LongStream.range(from, from + count).boxed().toList();
  }

  /** Records what the source reports about its partitions. */
  private static final class Partitions implements PartitionListener {
    final Map<Integer, Optional<Checkpoint>> restored = new HashMap<>();
    final List<Integer> revoked = new ArrayList<>();

    @Override
    public void assigned(int partition, Optional<Checkpoint> checkpoint) {
      restored.put(partition, checkpoint);
    }

    @Override
    public void revoked(int partition) {
      revoked.add(partition);
    }
  }
}
