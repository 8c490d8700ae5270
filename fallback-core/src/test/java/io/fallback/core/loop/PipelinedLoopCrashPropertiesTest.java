package io.fallback.core.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.Checkpoint;
import io.fallback.core.FallbackListener;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The pipelined loop crashed at random points of every stage boundary (poll, windowing, a process
 * or write attempt starting, a write before or after the server kept it, a commit before or after
 * it is durable, a dead letter), with random transient failures, then restarted from its last
 * commit: the windows written over all runs are exactly those of one uninterrupted serial run, with
 * equal contents; a window written and acknowledged before a commit is never written again; the
 * late records dead-lettered are the same.
 *
 * <p>Single-threaded and in virtual time: stage tasks go to a manual executor and run, in random
 * order, from inside the source's poll and hold (where a real loop thread waits); the source waits
 * by advancing a {@link ManualScheduler}.
 */
class PipelinedLoopCrashPropertiesTest {

  private static final WindowSpec SPEC =
      new WindowSpec(Duration.ofSeconds(5), Duration.ofSeconds(2), List.of("A"));
  private static final long T0 = 1_700_000_000_000L;

  /** The abrupt end of a process: nothing after it runs. */
  static final class Crash extends Error {
    private static final long serialVersionUID = 1L;

    Crash(String where) {
      super("crash at " + where, null, false, false);
    }
  }

  /** Two partitions, keys per partition, bounded disorder and some late records. */
  private static InMemoryBatchSource.Log<Reading> log(long seed, int n) {
    Random random = new Random(seed);
    InMemoryBatchSource.Log<Reading> log = new InMemoryBatchSource.Log<>(2);
    long[] clock = {T0, T0};
    for (int i = 0; i < n; i++) {
      int p = random.nextInt(2);
      clock[p] += random.nextInt(400);
      long ts = clock[p] - random.nextInt(random.nextInt(10) == 0 ? 6000 : 1500);
      String key = "k" + (p * 3 + random.nextInt(3));
      log.append(p, new Reading(key, ts, new float[] {random.nextInt(1000) / 10f}));
    }
    return log;
  }

  /** What one "process" of the fallback does to the outside world, across its restarts. */
  private static final class World {
    final Map<String, WindowResult> written = new HashMap<>();
    final Set<String> acknowledged = new HashSet<>();
    final Set<String> committedWindows = new HashSet<>();
    final List<String> violations = new ArrayList<>();

    void write(List<WindowResult> windows) {
      for (WindowResult w : windows) {
        String id = w.key() + "@" + w.start();
        WindowResult before = written.put(id, w);
        if (before != null && !before.equals(w)) {
          violations.add(id + " rewritten with other contents: " + before + " then " + w);
        }
        if (committedWindows.contains(id)) {
          violations.add(id + " was committed, then written again");
        }
      }
    }

    void acknowledge(List<WindowResult> windows) {
      windows.forEach(w -> acknowledged.add(w.key() + "@" + w.start()));
    }

    void committed() {
      committedWindows.addAll(acknowledged);
    }
  }

  /** One run of the loop: crashes at event {@code crashAt} (never when negative). */
  private static final class Run {
    final Random random;
    final int crashAt;
    final double failureRate;
    final ManualScheduler clock = new ManualScheduler(Instant.ofEpochMilli(T0));
    final List<Runnable> tasks = new ArrayList<>();
    int events;
    final List<List<WindowResult>> processed = new ArrayList<>();
    int acknowledgedBatches;
    int emptyPolls;

    Run(Random random, int crashAt, double failureRate) {
      this.random = random;
      this.crashAt = crashAt;
      this.failureRate = failureRate;
    }

    void event(String where) {
      if (events++ == crashAt) {
        throw new Crash(where);
      }
    }

    void maybeFail(String what) {
      if (random.nextDouble() < failureRate) {
        throw new IllegalStateException(what + " down");
      }
    }

    /** Runs some queued stage tasks in random order; at least one when {@code progress}. */
    void runTasks(boolean progress) {
      int n = tasks.isEmpty() ? 0 : random.nextInt(tasks.size() + 1);
      if (progress && n == 0 && !tasks.isEmpty()) {
        n = 1;
      }
      for (int i = 0; i < n && !tasks.isEmpty(); i++) {
        Runnable task = tasks.remove(random.nextInt(tasks.size()));
        event("stage task start");
        task.run();
      }
    }

    Executor executor() {
      return tasks::add;
    }
  }

  private static FallbackLoop<WindowResult> loop(
      InMemoryBatchSource.Log<Reading> log,
      World world,
      Run run,
      int batchSize,
      int depth,
      BooleanSupplier done) {
    // what this run saw acknowledged; a crash forgets it (only the commits stay)
    world.acknowledged.clear();
    InMemoryBatchSource<Reading> memory =
        new InMemoryBatchSource<>(log, batchSize, run.clock::advance);
    FallbackLoop<?>[] self = new FallbackLoop<?>[1];
    ForwardingBatchSource<Reading> source =
        new ForwardingBatchSource<>(memory) {
          @Override
          public List<SourceRecord<Reading>> poll(Duration maxWait) {
            run.event("poll");
            run.runTasks(false);
            if (done.getAsBoolean()) {
              self[0].requestStop();
            }
            List<SourceRecord<Reading>> records = super.poll();
            if (records.isEmpty()) {
              run.emptyPolls++;
            }
            return records;
          }

          @Override
          public void hold(Duration duration) {
            run.event("hold");
            run.runTasks(true);
            if (done.getAsBoolean()) {
              self[0].requestStop();
            }
            super.hold(duration);
          }

          @Override
          public void commit(Map<Integer, Checkpoint> checkpoints) {
            run.event("commit, before");
            super.commit(checkpoints);
            world.committed();
            run.event("commit, after");
          }

          @Override
          public void deadLetter(SourceRecord<Reading> record, String reason) {
            run.event("dead letter");
            super.deadLetter(record, reason);
          }
        };
    FallbackLoop<WindowResult> loop =
        new FallbackLoop<>(
            source,
            new WindowStage(SPEC),
            windows -> {
              run.event("process");
              if (run.processed.isEmpty()
                  || run.processed.get(run.processed.size() - 1) != windows) {
                run.processed.add(windows);
              }
              run.maybeFail("model service");
              return windows;
            },
            outputs -> {
              run.event("write, before");
              // in order, and a batch not yet acknowledged holds every batch behind it
              int index = indexOf(run.processed, outputs);
              if (index != run.acknowledgedBatches) {
                world.violations.add(
                    "batch "
                        + index
                        + " written after "
                        + run.acknowledgedBatches
                        + " acknowledged");
              }
              run.maybeFail("InfluxDB");
              world.write(outputs);
              run.event("write, kept but not acknowledged");
              run.maybeFail("InfluxDB acknowledgement");
              world.acknowledge(outputs);
              run.acknowledgedBatches++;
            },
            FallbackListener.NONE,
            run.clock,
            new LoopSettings(
                Duration.ofMillis(run.random.nextInt(3) * 500L),
                Duration.ofMillis(100),
                Duration.ofMillis(400),
                depth),
            run.executor());
    self[0] = loop;
    return loop;
  }

  @Property(tries = 200)
  void crashAnywhere_restartFromLastCommit_writesExactlyTheUninterruptedRun(
      @ForAll long seed,
      @ForAll @IntRange(min = 50, max = 400) int n,
      @ForAll @IntRange(min = 1, max = 4) int crashes,
      @ForAll @IntRange(min = 1, max = 4) int depth,
      @ForAll @IntRange(min = 1, max = 60) int batchSize) {
    // the reference: the serial loop, uninterrupted, never failing
    InMemoryBatchSource.Log<Reading> referenceLog = log(seed, n);
    World reference = new World();
    Run referenceRun = new Run(new Random(seed), -1, 0);
    // serial: after an empty poll everything read before it is written
    guarded(
        loop(
            referenceLog,
            reference,
            referenceRun,
            batchSize,
            0,
            () -> referenceRun.emptyPolls >= 3),
        referenceRun);
    Set<Long> referenceLate = lateOffsets(referenceLog);

    InMemoryBatchSource.Log<Reading> log = log(seed, n);
    World world = new World();
    Random random = new Random(seed ^ 0x5DEECE66DL);
    for (int c = 0; c < crashes; c++) {
      Run run = new Run(random, random.nextInt(40 + 4 * n / batchSize), 0.1);
      try {
        loop(log, world, run, batchSize, depth, () -> false).run();
      } catch (Crash expected) {
        // the process died; what it wrote and committed stays
      }
    }
    Run last = new Run(random, -1, 0.1);
    Set<String> expected = reference.written.keySet();
    FallbackLoop<WindowResult> finalLoop =
        loop(
            log,
            world,
            last,
            batchSize,
            depth,
            () ->
                world.written.keySet().containsAll(expected)
                    && lateOffsets(log).containsAll(referenceLate));
    guarded(finalLoop, last);

    assertThat(world.violations).isEmpty();
    assertThat(world.written).isEqualTo(reference.written);
    assertThat(lateOffsets(log)).isEqualTo(referenceLate);
  }

  /** Runs {@code loop} until its done-condition stops it, failing if that never happens. */
  private static void guarded(FallbackLoop<WindowResult> loop, Run run) {
    int[] polls = {0};
    run.clock.scheduleAtFixedRate(
        () -> {
          if (++polls[0] > 200_000) {
            loop.requestStop();
          }
        },
        Duration.ZERO,
        Duration.ofMillis(100));
    loop.run();
    assertThat(polls[0])
        .as("the final run finished before the guard tripped")
        .isLessThanOrEqualTo(200_000);
  }

  private static int indexOf(List<List<WindowResult>> batches, List<WindowResult> batch) {
    for (int i = 0; i < batches.size(); i++) {
      if (batches.get(i) == batch) {
        return i;
      }
    }
    return -1;
  }

  private static Set<Long> lateOffsets(InMemoryBatchSource.Log<Reading> log) {
    Set<Long> out = new HashSet<>();
    for (SourceRecord<Reading> r : log.deadLetters()) {
      out.add(r.partition() * 1_000_000L + r.offset());
    }
    return out;
  }
}
