package io.fallback.core.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.Checkpoint;
import io.fallback.core.FallbackListener;
import io.fallback.core.Sink;
import io.fallback.core.SourceRecord;
import io.fallback.core.supervisor.ManualScheduler;
import io.fallback.core.testing.ForwardingBatchSource;
import io.fallback.core.testing.InMemoryBatchSource;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.core.window.WindowStage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The loop on one thread, driven step by step with an in-memory source and sinks that fail on
 * demand. No threads, no sleeps: waits advance a virtual clock.
 */
class FallbackLoopTest {

  private static final WindowSpec SPEC =
      new WindowSpec(Duration.ofSeconds(5), Duration.ZERO, List.of("A"));
  private static final long T = 1_700_000_000_000L;

  private final ManualScheduler clock = new ManualScheduler(Instant.ofEpochMilli(T));
  private final InMemoryBatchSource.Log<Reading> log = new InMemoryBatchSource.Log<>(1);
  private final RecordingSink sink = new RecordingSink();
  private final List<String> events = new ArrayList<>();

  /** Written windows by key@start; fails while {@code failures > 0}. */
  static final class RecordingSink implements Sink<WindowResult> {
    final Map<String, WindowResult> written = new HashMap<>();
    final AtomicInteger calls = new AtomicInteger();
    int failures;

    @Override
    public void write(List<WindowResult> outputs) {
      calls.incrementAndGet();
      if (failures > 0) {
        failures--;
        throw new IllegalStateException("InfluxDB down");
      }
      outputs.forEach(w -> written.put(w.key() + "@" + w.start(), w));
    }
  }

  /** The pipeline depth of the test; stage tasks run at once on the loop thread (deterministic). */
  private int depth;

  private FallbackLoop<WindowResult> newLoop(
      io.fallback.core.BatchSource<Reading> source,
      WindowStage stage,
      io.fallback.core.BatchProcessor<WindowResult, WindowResult> processor,
      Sink<WindowResult> sink,
      FallbackListener listener,
      java.time.InstantSource clock,
      LoopSettings settings) {
    return new FallbackLoop<>(
        source,
        stage,
        processor,
        sink,
        listener,
        clock,
        settings.withPipelineDepth(depth),
        Runnable::run);
  }

  private FallbackLoop<WindowResult> loop(InMemoryBatchSource<Reading> source) {
    FallbackListener listener =
        new FallbackListener() {
          @Override
          public void batchFailed(Stage stage, Throwable cause, int attempt, Duration retryIn) {
            events.add(stage + " failed " + attempt + " retry in " + retryIn.toSeconds() + "s");
          }

          @Override
          public void committed(Map<Integer, Checkpoint> checkpoints) {
            events.add("committed " + checkpoints.get(0).offset());
          }
        };
    return newLoop(
        source,
        new WindowStage(SPEC),
        windows -> windows,
        sink,
        listener,
        clock,
        new LoopSettings(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(4)));
  }

  private InMemoryBatchSource<Reading> source() {
    return new InMemoryBatchSource<>(log, 100, clock::advance);
  }

  /** One record per second for key n1, values = seconds, so windows are [0..5), [5..10), ... */
  private void produce(int fromSecond, int toSecond) {
    for (int s = fromSecond; s < toSecond; s++) {
      log.append(0, new Reading("n1", T + s * 1000L, new float[] {s}));
    }
  }

  @ParameterizedTest(name = "pipeline depth {0}")
  @ValueSource(ints = {0, 1, 3})
  void failingSink_leavesBatchUncommitted_thenCommitsAfterRecovery(int depth) {
    this.depth = depth;
    produce(0, 12); // windows [0,5) and [5,10) complete
    sink.failures = 3;
    InMemoryBatchSource<Reading> source = source();
    FallbackLoop<WindowResult> loop = loop(source);
    runUntil(loop, () -> sink.written.size() == 2);

    assertThat(sink.calls).hasValue(4);
    assertThat(events)
        .containsSubsequence(
            "WRITE failed 1 retry in 1s",
            "WRITE failed 2 retry in 2s",
            "WRITE failed 3 retry in 4s");
    // no commit happened before the successful write
    int firstCommit = indexOfPrefix(events, "committed");
    int lastFailure = events.lastIndexOf("WRITE failed 3 retry in 4s");
    assertThat(firstCommit).isGreaterThan(lastFailure);
    assertThat(log.committed().get(0).offset()).isEqualTo(10); // window [10,15) still open
    assertThat(log.committed().get(0).emittedThrough()).isEqualTo(T + 10_000);
  }

  @ParameterizedTest(name = "pipeline depth {0}")
  @ValueSource(ints = {0, 1, 3})
  void stopWhileSinkFails_abandonsBatch_commitsNothing_andRestartWritesEverything(int depth) {
    this.depth = depth;
    produce(0, 12);
    sink.failures = Integer.MAX_VALUE;
    InMemoryBatchSource<Reading> first = source();
    FallbackLoop<WindowResult> loop = loop(first);
    runUntil(loop, () -> sink.calls.get() >= 2);

    assertThat(log.commitHistory()).isEmpty();
    assertThat(first.isClosed()).isTrue();

    sink.failures = 0;
    FallbackLoop<WindowResult> second = loop(source());
    runUntil(second, () -> sink.written.size() == 2);

    assertThat(sink.written).containsOnlyKeys("n1@" + T, "n1@" + (T + 5000));
    assertThat(sink.written.get("n1@" + T).mean(0)).isEqualTo(2f); // (0+1+2+3+4)/5
  }

  @ParameterizedTest(name = "pipeline depth {0}")
  @ValueSource(ints = {0, 1, 3})
  void processorFailure_retriesSameWindows_andNeverReaddsRecords(int depth) {
    this.depth = depth;
    produce(0, 7);
    List<List<WindowResult>> seen = new ArrayList<>();
    AtomicInteger failures = new AtomicInteger(2);
    FallbackLoop<WindowResult> loop =
        newLoop(
            source(),
            new WindowStage(SPEC),
            windows -> {
              seen.add(List.copyOf(windows));
              if (failures.getAndDecrement() > 0) {
                throw new IllegalStateException("model service down");
              }
              return windows;
            },
            sink,
            FallbackListener.NONE,
            clock,
            new LoopSettings(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(4)));

    runUntil(loop, () -> sink.written.size() == 1);

    assertThat(seen).hasSize(3).allSatisfy(batch -> assertThat(batch).isEqualTo(seen.get(0)));
    assertThat(seen.get(0)).singleElement().satisfies(w -> assertThat(w.count()).isEqualTo(5));
  }

  @ParameterizedTest(name = "pipeline depth {0}")
  @ValueSource(ints = {0, 1, 3})
  void processedButUnwrittenBatch_isRewrittenWithoutProcessingAgain(int depth) {
    this.depth = depth;
    produce(0, 7);
    AtomicInteger processed = new AtomicInteger();
    sink.failures = 2;
    FallbackLoop<WindowResult> loop =
        newLoop(
            source(),
            new WindowStage(SPEC),
            windows -> {
              processed.incrementAndGet();
              return windows;
            },
            sink,
            FallbackListener.NONE,
            clock,
            LoopSettings.ofDefaults());

    runUntil(loop, () -> sink.written.size() == 1);

    assertThat(processed).hasValue(1);
    assertThat(sink.calls).hasValue(3);
  }

  @ParameterizedTest(name = "pipeline depth {0}")
  @ValueSource(ints = {0, 1, 3})
  void lateRecord_isDeadLettered_andStillCommittedPast(int depth) {
    this.depth = depth;
    produce(0, 12);
    log.append(0, new Reading("n1", T + 1000, new float[] {99})); // window [0,5) fired long ago
    produce(12, 13);

    runUntil(
        loop(source()), () -> !log.deadLetters().isEmpty() && sink.written.containsKey("n1@" + T));

    assertThat(log.deadLetters())
        .singleElement()
        .satisfies(r -> assertThat(r.offset()).isEqualTo(12));
    assertThat(sink.written.get("n1@" + T).mean(0)).isEqualTo(2f);
  }

  @ParameterizedTest(name = "pipeline depth {0}")
  @ValueSource(ints = {0, 1, 3})
  void crashAfterCommit_restartReemitsNoWindowAndLosesNone(int depth) {
    this.depth = depth;
    produce(0, 12);
    runUntil(loop(source()), () -> sink.written.size() == 2);
    Map<String, WindowResult> firstRun = Map.copyOf(sink.written);
    sink.written.clear();

    produce(12, 21); // completes [10,15) and [15,20) needs 20 -> fires at ts 20
    runUntil(loop(source()), () -> sink.written.size() == 2);

    assertThat(firstRun).containsOnlyKeys("n1@" + T, "n1@" + (T + 5000));
    assertThat(sink.written).containsOnlyKeys("n1@" + (T + 10_000), "n1@" + (T + 15_000));
    assertThat(sink.written.get("n1@" + (T + 10_000)).count()).isEqualTo(5);
  }

  /**
   * Issue 11, defect 4: a drained batch was committed only when the next poll returned, up to a
   * batch timeout later. Here the source, like Kafka's, collects until a 30 s batch timeout when
   * nothing arrives; the loop must bound its poll by the commit interval and commit on time.
   */
  @ParameterizedTest(name = "pipeline depth {0}")
  @ValueSource(ints = {0, 2})
  void drainedBatch_committedWithinCommitInterval_notWhenTheNextPollTimesOut(int depth) {
    this.depth = depth;
    produce(0, 17); // windows [0,5), [5,10), [10,15) complete
    List<Duration> waits = new ArrayList<>();
    List<Long> commitTimes = new ArrayList<>();
    Duration batchTimeout = Duration.ofSeconds(30);
    InMemoryBatchSource<Reading> memory = source();
    ForwardingBatchSource<Reading> source =
        new ForwardingBatchSource<>(memory) {
          int polls;
          List<SourceRecord<Reading>> all;

          @Override
          public List<SourceRecord<Reading>> poll() {
            return poll(batchTimeout);
          }

          @Override
          public List<SourceRecord<Reading>> poll(Duration maxWait) {
            waits.add(maxWait);
            polls++;
            if (polls == 1) {
              // a drain: two full batches at once (12 records, then 5)
              all = memory.poll();
              return all.subList(0, 12);
            }
            if (polls == 2) {
              return all.subList(12, all.size());
            }
            clock.advance(maxWait.compareTo(batchTimeout) < 0 ? maxWait : batchTimeout);
            return List.of();
          }

          @Override
          public void commit(Map<Integer, Checkpoint> checkpoints) {
            commitTimes.add(clock.millis() - T);
            super.commit(checkpoints);
          }
        };
    FallbackLoop<WindowResult> loop =
        newLoop(
            source,
            new WindowStage(SPEC),
            windows -> windows,
            sink,
            FallbackListener.NONE,
            clock,
            new LoopSettings(Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(4)));

    runUntil(loop, () -> commitTimes.size() >= 2);

    if (depth == 0) {
      assertThat(commitTimes.get(0)).as("first commit, at once after the first write").isZero();
    } else {
      // pipelined: the write's result is applied after the next (short) poll
      assertThat(commitTimes.get(0)).as("first commit, soon after the first write").isLessThan(100);
    }
    assertThat(commitTimes.get(1))
        .as("second commit: within the 5 s commit interval, not after a 30 s batch timeout")
        .isLessThanOrEqualTo(5_000);
    assertThat(waits.subList(1, waits.size()))
        .allSatisfy(w -> assertThat(w).isLessThanOrEqualTo(Duration.ofSeconds(5)));
  }

  @ParameterizedTest(name = "pipeline depth {0}")
  @ValueSource(ints = {0, 1, 3})
  void partitionRevokedBeforeItsWindowsAreWritten_theyAreNotWritten_theOthersAre(int depth) {
    this.depth = depth;
    InMemoryBatchSource.Log<Reading> two = new InMemoryBatchSource.Log<>(2);
    for (int s = 0; s < 12; s++) {
      two.append(0, new Reading("p0", T + s * 1000L, new float[] {s}));
      two.append(1, new Reading("p1", T + s * 1000L, new float[] {s}));
    }
    sink.failures = 1; // the first write fails: the processed batch waits, and meanwhile...
    // ...partition 0 goes to another instance, as in a rebalance
    RevokingZero source = new RevokingZero(two, () -> sink.calls.get() > 0);
    List<Integer> processed = new ArrayList<>();
    FallbackLoop<WindowResult> loop =
        newLoop(
            source,
            new WindowStage(SPEC),
            windows -> {
              processed.add(windows.size());
              return windows;
            },
            sink,
            FallbackListener.NONE,
            clock,
            new LoopSettings(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(4)));

    runUntil(loop, () -> sink.written.size() == 2);

    assertThat(source.revoked).isTrue();
    assertThat(sink.written).containsOnlyKeys("p1@" + T, "p1@" + (T + 5000));
    assertThat(processed).as("processed again without partition 0").containsExactly(4, 2);
    assertThat(two.committed()).doesNotContainKey(0).containsKey(1);
  }

  @ParameterizedTest(name = "pipeline depth {0}")
  @ValueSource(ints = {0, 1, 3})
  void partitionRevoked_whatWasWrittenOfItIsCommittedAtOnce_notAtTheNextInterval(int depth) {
    this.depth = depth;
    InMemoryBatchSource.Log<Reading> two = new InMemoryBatchSource.Log<>(2);
    for (int s = 0; s < 6; s++) {
      two.append(0, new Reading("p0", T + s * 1000L, new float[] {s}));
      two.append(1, new Reading("p1", T + s * 1000L, new float[] {s}));
    }
    Sink<WindowResult> appending =
        outputs -> {
          sink.write(outputs);
          if (sink.calls.get() == 1) { // more input for partition 0 only, after the first write
            for (int s = 6; s < 12; s++) {
              two.append(0, new Reading("p0", T + s * 1000L, new float[] {s}));
            }
          }
        };
    RevokingZero source = new RevokingZero(two, () -> sink.calls.get() >= 2);
    FallbackLoop<WindowResult> loop =
        newLoop(
            source,
            new WindowStage(SPEC),
            windows -> windows,
            appending,
            FallbackListener.NONE,
            clock,
            // an hour between commits: only the first and the revocation's commit happen
            new LoopSettings(Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofSeconds(4)));

    runUntil(loop, () -> source.revoked);

    assertThat(sink.written).containsKeys("p0@" + T, "p0@" + (T + 5000), "p1@" + T);
    assertThat(two.committed().get(0).emittedThrough())
        .as("partition 0 committed through its second window at the revocation")
        .isEqualTo(T + 10_000);
    assertThat(two.commitHistory())
        .as("partition 0 alone, at the revocation, an hour before the next commit was due")
        .anyMatch(
            c -> c.size() == 1 && c.containsKey(0) && c.get(0).emittedThrough() == T + 10_000);
  }

  /**
   * An in-memory source that revokes partition 0 once, as a rebalance would, at the first poll or
   * hold (both on the loop thread, as Kafka's rebalance callbacks) after {@code when} holds.
   */
  private final class RevokingZero extends ForwardingBatchSource<Reading> {
    private final java.util.function.BooleanSupplier when;
    private io.fallback.core.PartitionListener partitions;
    boolean revoked;

    RevokingZero(InMemoryBatchSource.Log<Reading> log, java.util.function.BooleanSupplier when) {
      super(new InMemoryBatchSource<>(log, 100, clock::advance));
      this.when = when;
    }

    @Override
    public void open(io.fallback.core.PartitionListener listener) {
      partitions = listener;
      super.open(listener);
    }

    @Override
    public List<SourceRecord<Reading>> poll(Duration maxWait) {
      maybeRevoke();
      return super.poll(maxWait);
    }

    @Override
    public void hold(Duration duration) {
      maybeRevoke();
      super.hold(duration);
    }

    private void maybeRevoke() {
      if (!revoked && when.getAsBoolean()) {
        revoked = true;
        partitions.revoked(0);
      }
    }
  }

  /**
   * Runs {@code loop} on the calling thread until {@code done} holds. The in-memory source waits by
   * advancing the virtual clock (empty poll, held batch), and a task on that clock checks {@code
   * done} and stops the loop.
   */
  private void runUntil(FallbackLoop<?> loop, java.util.function.BooleanSupplier done) {
    int[] guard = {0};
    Runnable check =
        () -> {
          if (done.getAsBoolean() || ++guard[0] > 10_000) {
            loop.requestStop();
          }
        };
    watcher = check;
    loop.run();
    watcher = null;
    assertThat(guard[0])
        .as("loop made progress before the guard tripped")
        .isLessThanOrEqualTo(10_000);
  }

  private Runnable watcher;

  {
    clock.scheduleAtFixedRate(
        () -> {
          if (watcher != null) {
            watcher.run();
          }
        },
        Duration.ZERO,
        Duration.ofMillis(100));
  }

  private static int indexOfPrefix(List<String> list, String prefix) {
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i).startsWith(prefix)) {
        return i;
      }
    }
    return -1;
  }
}
