package io.fallback.core.window;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.Checkpoint;
import io.fallback.core.window.WindowStage.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Crash anywhere, restart from the last commit: the windows written across all runs are exactly the
 * windows of one uninterrupted run, with equal contents, and a window written before a commit is
 * never written again.
 */
class WindowStageRestartPropertiesTest {

  private static final WindowSpec SPEC =
      new WindowSpec(Duration.ofSeconds(5), Duration.ofSeconds(2), List.of("A"));

  record Rec(int partition, long offset, Reading reading) {}

  /**
   * Two partitions, a few keys, timestamps mostly increasing with bounded disorder and some late
   * ones.
   */
  private static List<List<Reading>> stream(long seed, int n) {
    Random random = new Random(seed);
    List<List<Reading>> partitions = List.of(new ArrayList<>(), new ArrayList<>());
    long[] clock = {1_000_000, 1_000_000};
    for (int i = 0; i < n; i++) {
      int p = random.nextInt(2);
      clock[p] += random.nextInt(400);
      long ts = clock[p] - random.nextInt(random.nextInt(10) == 0 ? 6000 : 1500);
      String key = "k" + (p * 3 + random.nextInt(3));
      partitions.get(p).add(new Reading(key, ts, new float[] {random.nextInt(1000) / 10f}));
    }
    return partitions;
  }

  /** Interleaves the partitions the way a consumer might, deterministic per seed. */
  private static List<Rec> order(
      List<List<Reading>> partitions, Map<Integer, Long> from, long seed) {
    Random random = new Random(seed);
    List<Rec> out = new ArrayList<>();
    long[] pos = {from.getOrDefault(0, 0L), from.getOrDefault(1, 0L)};
    while (pos[0] < partitions.get(0).size() || pos[1] < partitions.get(1).size()) {
      int p = random.nextInt(2);
      if (pos[p] >= partitions.get(p).size()) {
        p = 1 - p;
      }
      out.add(new Rec(p, pos[p], partitions.get(p).get((int) pos[p])));
      pos[p]++;
    }
    return out;
  }

  @Property(tries = 300)
  void crashAndRestart_writesEveryWindowOnce_withEqualContents(
      @ForAll long seed,
      @ForAll @IntRange(min = 50, max = 400) int n,
      @ForAll @IntRange(min = 1, max = 4) int crashes) {
    List<List<Reading>> partitions = stream(seed, n);
    Map<String, WindowResult> reference = new HashMap<>();
    List<Rec> late = new ArrayList<>();
    WindowStage uninterrupted = new WindowStage(SPEC);
    uninterrupted.assigned(0, Optional.empty());
    uninterrupted.assigned(1, Optional.empty());
    for (Rec rec : order(partitions, Map.of(), seed)) {
      if (uninterrupted.add(rec.partition(), rec.offset(), rec.reading()) == Outcome.LATE) {
        late.add(rec);
      }
      for (WindowResult w : uninterrupted.drainFired()) {
        reference.put(w.key() + "@" + w.start(), w);
      }
    }

    Random random = new Random(seed ^ 0x5DEECE66DL);
    Map<Integer, Checkpoint> committed = new HashMap<>();
    Map<String, WindowResult> written = new HashMap<>();
    Map<String, Integer> writtenBeforeCommit = new HashMap<>();
    int run = 0;
    boolean done = false;
    while (!done) {
      WindowStage stage = new WindowStage(SPEC);
      stage.assigned(0, Optional.ofNullable(committed.get(0)));
      stage.assigned(1, Optional.ofNullable(committed.get(1)));
      Map<Integer, Long> from = new HashMap<>();
      committed.forEach((p, c) -> from.put(p, c.offset()));
      List<Rec> records = order(partitions, from, seed + run);
      int crashAt = run < crashes && !records.isEmpty() ? random.nextInt(records.size()) : -1;
      List<String> sinceCommit = new ArrayList<>();
      for (int i = 0; i < records.size(); i++) {
        if (i == crashAt) {
          break;
        }
        Rec rec = records.get(i);
        stage.add(rec.partition(), rec.offset(), rec.reading());
        for (WindowResult w : stage.drainFired()) {
          String id = w.key() + "@" + w.start();
          WindowResult before = written.put(id, w);
          if (before != null) {
            assertThat(w).as("a rewrite of %s must be identical", id).isEqualTo(before);
            assertThat(writtenBeforeCommit)
                .as("%s was committed, then written again", id)
                .doesNotContainKey(id);
          }
          sinceCommit.add(id);
        }
        if (random.nextInt(20) == 0) {
          committed.putAll(stage.checkpoints());
          sinceCommit.forEach(id -> writtenBeforeCommit.put(id, 1));
          sinceCommit.clear();
        }
      }
      if (crashAt < 0) {
        committed.putAll(stage.checkpoints());
        done = true;
      }
      run++;
    }

    assertThat(written).isEqualTo(reference);
  }
}
