package io.fallback.core.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.core.shadow.ShadowComparator.PointId;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The shadow's comparison, confirmation and hold rules against an in-memory output. */
class ShadowComparatorTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final List<String> FIELDS = List.of("X", "HR");

  /** The primary's points and ours, as InfluxDB would return them. */
  static final class FakeOutput implements ShadowComparator.Output {
    final Map<PointId, Map<String, Double>> primary = new HashMap<>();
    final Set<PointId> ours = new HashSet<>();

    void primaryWrote(WindowResult w, int stress) {
      primary.put(
          PointId.of(w),
          Map.of(
              "X", (double) w.mean(0), "HR", (double) w.mean(1), "stress_level", (double) stress));
    }

    @Override
    public Map<PointId, Map<String, Double>> primaryPoints(long from, long to) {
      Map<PointId, Map<String, Double>> in = new HashMap<>();
      primary.forEach(
          (id, p) -> {
            if (id.time() >= from && id.time() <= to) {
              in.put(id, p);
            }
          });
      return in;
    }

    @Override
    public Set<PointId> ownPoints(long from, long to) {
      return ours;
    }

    @Override
    public Map<String, Long> newestPrimaryPointPerKey() {
      Map<String, Long> newest = new HashMap<>();
      primary.keySet().forEach(id -> newest.merge(id.key(), id.time(), Math::max));
      return newest;
    }
  }

  private final FakeOutput output = new FakeOutput();
  private final List<ShadowComparator.Difference> logged = new ArrayList<>();
  private final List<Boolean> alerts = new ArrayList<>();
  private final ShadowComparator comparator =
      new ShadowComparator(
          new ShadowComparator.Settings(
              FIELDS, "stress_level", Duration.ofSeconds(30), 0.0, 0.1, 2),
          new ShadowComparator.Listener() {
            @Override
            public void difference(ShadowComparator.Difference d) {
              logged.add(d);
            }

            @Override
            public void alert(boolean alerting, ShadowComparator.Report report) {
              alerts.add(alerting);
            }
          });

  private static WindowResult window(String key, int index, float x, float hr) {
    long start = T0.toEpochMilli() + index * 5_000L;
    return new WindowResult(key, start, start + 5_000, 10, new float[] {x, hr});
  }

  private static ShadowWindow scored(WindowResult w, int stress) {
    return new ShadowWindow(w, OptionalInt.of(stress));
  }

  private static ShadowWindow unscored(WindowResult w) {
    return new ShadowWindow(w, OptionalInt.empty());
  }

  @Test
  void equalPoints_areCountedEqual_differingOnesNameTheFieldsAndBothValues() {
    WindowResult a = window("n1", 0, 1.5f, 80.25f);
    WindowResult b = window("n1", 1, 2.5f, 81.0f);
    output.primaryWrote(a, 1);
    output.primaryWrote(b, 2);
    comparator.offer(List.of(scored(a, 1), scored(window("n1", 1, 2.5f, 99.0f), 0)), T0);

    comparator.settle(output, T0);

    ShadowComparator.Report r = comparator.report();
    assertThat(r.compared()).isEqualTo(2);
    assertThat(r.equal()).isEqualTo(1);
    assertThat(r.differing()).isEqualTo(1);
    assertThat(r.pending()).isZero();
    assertThat(logged)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.key()).isEqualTo("n1");
              assertThat(d.windowStart()).isEqualTo(b.start());
              assertThat(d.fields())
                  .containsExactlyInAnyOrder(
                      "HR: fallback=99.0 primary=81.0", "stress_level: fallback=0 primary=2");
            });
    assertThat(alerts).containsExactly(true);
  }

  @Test
  void aPrimaryFieldTheShadowDoesNotCompute_isADifference() {
    ShadowComparator narrow =
        new ShadowComparator(
            new ShadowComparator.Settings(
                List.of("X"), "stress_level", Duration.ofSeconds(30), 0.0, 0.1, 5),
            new ShadowComparator.Listener() {});
    WindowResult w = window("n1", 0, 1.5f, 80f);
    output.primaryWrote(w, 1);
    narrow.offer(
        List.of(scored(new WindowResult("n1", w.start(), w.end(), 10, new float[] {1.5f}), 1)), T0);

    narrow.settle(output, T0);

    assertThat(narrow.report().firstDifferences())
        .singleElement()
        .satisfies(
            d -> assertThat(d.fields()).containsExactly("HR: fallback=(not computed) primary=80"));
  }

  @Test
  void unscoredWindows_areConfirmedByThePrimarysPoint_notCompared() {
    WindowResult w = window("n1", 0, 1f, 2f);
    output.primaryWrote(w, 3);
    comparator.offer(List.of(unscored(w)), T0);

    comparator.settle(output, T0);

    assertThat(comparator.report().confirmed()).isEqualTo(1);
    assertThat(comparator.report().compared()).isZero();
  }

  @Test
  void aWindowThePrimaryHasNotWritten_staysPending_untilThePrimaryMovesPastItAfterTheGrace() {
    WindowResult late = window("n1", 0, 1f, 2f);
    comparator.offer(List.of(scored(late, 1)), T0);

    comparator.settle(output, T0.plusSeconds(60));
    assertThat(comparator.report().pending()).as("primary wrote nothing: maybe down").isEqualTo(1);

    output.primaryWrote(window("n1", 1, 1f, 2f), 1);
    comparator.settle(output, T0.plusSeconds(10));
    assertThat(comparator.report().pending()).as("within the grace").isEqualTo(1);

    comparator.settle(output, T0.plusSeconds(30));
    assertThat(comparator.report().missing()).isEqualTo(1);
    assertThat(comparator.report().pending()).isZero();
    assertThat(comparator.report().alerting()).isTrue();
  }

  @Test
  void ourOwnPoint_settlesTheWindow_asOwn() {
    WindowResult w = window("n1", 0, 1f, 2f);
    output.ours.add(PointId.of(w));
    comparator.offer(List.of(unscored(w)), T0);

    comparator.settle(output, T0);

    assertThat(comparator.report().own()).isEqualTo(1);
  }

  @Test
  void aBatchOfferedAgainAfterItSettled_isNotCountedTwice() {
    WindowResult w = window("n1", 0, 1f, 2f);
    output.primaryWrote(w, 1);
    comparator.offer(List.of(scored(w, 1)), T0);
    comparator.settle(output, T0);

    comparator.offer(List.of(scored(w, 1)), T0.plusSeconds(1));
    comparator.settle(output, T0.plusSeconds(1));

    assertThat(comparator.report().compared()).isEqualTo(1);
    assertThat(comparator.report().pending()).isZero();
  }

  @Test
  void onlyTheFirstDifferencesAreKeptAndLogged() {
    for (int i = 0; i < 5; i++) {
      WindowResult w = window("n1", i, 1f, 2f);
      output.primaryWrote(w, 1);
      comparator.offer(List.of(scored(w, 2)), T0);
    }
    comparator.settle(output, T0);

    assertThat(comparator.report().differing()).isEqualTo(5);
    assertThat(comparator.report().firstDifferences()).hasSize(2);
    assertThat(logged).hasSize(2);
  }

  @Test
  void sink_refusesABatchUntilThePrimaryWroteIt_thenWritesTheScoredOnesToTheSide() {
    List<ScoredWindow> side = new ArrayList<>();
    ShadowSink sink = new ShadowSink(comparator, output, Optional.of(side::addAll), () -> T0);
    WindowResult a = window("n1", 0, 1f, 2f);
    WindowResult b = window("n1", 1, 1f, 2f);
    List<ShadowWindow> batch = List.of(scored(a, 1), unscored(b));

    assertThatThrownBy(() -> sink.write(batch))
        .isInstanceOf(ShadowSink.PrimaryNotYetWritten.class)
        .hasMessageContaining("2 windows");
    assertThat(side).isEmpty();

    output.primaryWrote(a, 1);
    output.primaryWrote(b, 1);
    sink.write(batch);

    assertThat(side).containsExactly(new ScoredWindow(a, 1));
    assertThat(comparator.report().equal()).isEqualTo(1);
    assertThat(comparator.report().confirmed()).isEqualTo(1);
  }

  @Test
  void processor_scoresOnlySampledWindowsWithinTheBudget() {
    AtomicInteger modelCalls = new AtomicInteger();
    AtomicBoolean budgetLeft = new AtomicBoolean(true);
    ShadowProcessor processor =
        new ShadowProcessor(
            windows -> {
              modelCalls.addAndGet(windows.size());
              return windows.stream().map(w -> new ScoredWindow(w, 7)).toList();
            },
            new ShadowSampling(3),
            budgetLeft::get,
            comparator);
    List<WindowResult> windows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      windows.add(window("n" + (i % 17), i, 1f, 2f));
    }

    List<ShadowWindow> out = processor.process(windows);
    budgetLeft.set(false);
    List<ShadowWindow> overBudget = processor.process(windows);

    long scored = out.stream().filter(ShadowWindow::scored).count();
    assertThat(out).extracting(ShadowWindow::window).containsExactlyElementsOf(windows);
    assertThat(scored).isEqualTo(modelCalls.get()).isBetween(70L, 130L);
    assertThat(overBudget).noneMatch(ShadowWindow::scored);
    assertThat(comparator.report().overBudget()).isEqualTo(scored);
  }

  @Test
  void sampling_everyWindowAtOne_aboutOneInNOtherwise_whateverTheOrder() {
    List<WindowResult> windows = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      windows.add(window("n" + (i % 17), i, 1f, 2f));
    }
    ShadowSampling quarter = new ShadowSampling(4);
    List<WindowResult> forward = windows.stream().filter(quarter::sampled).toList();
    List<WindowResult> backward = new ArrayList<>(windows);
    java.util.Collections.reverse(backward);
    Set<WindowResult> chosenBackward =
        new HashSet<>(backward.stream().filter(new ShadowSampling(4)::sampled).toList());

    assertThat(windows).allMatch(new ShadowSampling(1)::sampled);
    assertThat(forward).hasSizeBetween(70, 130);
    assertThat(chosenBackward).containsExactlyInAnyOrderElementsOf(forward);
    assertThatThrownBy(() -> new ShadowSampling(0)).hasMessageContaining("shadow.sample_every");
  }
}
