package io.fallback.core.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.fallback.core.Checkpoint;
import io.fallback.core.PrimaryProgress.WindowId;
import io.fallback.core.window.WindowStage.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WindowStageTest {

  private static final WindowSpec SPEC =
      new WindowSpec(Duration.ofSeconds(5), Duration.ofSeconds(5), List.of("A", "B"));

  private final WindowStage stage = new WindowStage(SPEC);

  private static Reading r(String key, long ts, float a, float b) {
    return new Reading(key, ts, new float[] {a, b});
  }

  /** Flink's TimeWindow.getWindowStartWithOffset(timestamp, 0, size), written out independently. */
  private static long flinkStart(long timestamp, long size) {
    long remainder = timestamp % size;
    return remainder < 0 ? timestamp - (remainder + size) : timestamp - remainder;
  }

  @ParameterizedTest
  @CsvSource({
    "0",
    "1",
    "4999",
    "5000",
    "5001",
    "-1",
    "-5000",
    "-5001",
    "1767225600123",
    "1767225604999"
  })
  void windowStart_matchesFlinkTumblingEventTimeWindows(long ts) {
    assertThat(SPEC.windowStart(ts)).isEqualTo(flinkStart(ts, 5000));
  }

  @Test
  void means_areFloatOfDoubleSumOverCount() {
    stage.assigned(0, Optional.empty());
    float[] a = {0.1f, 0.2f, 0.7f};
    for (int i = 0; i < a.length; i++) {
      stage.add(0, i, r("n1", 1000 + i, a[i], 100f + i));
    }

    stage.add(0, 3, r("n1", 10_000, 0f, 0f)); // watermark passes end of [0, 5000)

    List<WindowResult> fired = stage.drainFired();
    assertThat(fired).hasSize(1);
    WindowResult w = fired.get(0);
    double sum = (double) 0.1f + (double) 0.2f + (double) 0.7f;
    assertThat(w.mean(0)).isEqualTo((float) (sum / 3));
    assertThat(w.mean(1)).isEqualTo((float) ((100.0 + 101.0 + 102.0) / 3));
    assertThat(w.count()).isEqualTo(3);
    assertThat(w.start()).isZero();
    assertThat(w.end()).isEqualTo(5000);
    assertThat(w.pointTime()).isEqualTo(4999);
  }

  @Test
  void firedWindows_carryTheirSourcePartition() {
    stage.assigned(0, Optional.empty());
    stage.assigned(3, Optional.empty());
    stage.add(0, 0, r("a", 1000, 1, 1));
    stage.add(3, 0, r("b", 1000, 1, 1));

    stage.add(0, 1, r("a", 10_000, 1, 1));
    stage.add(3, 1, r("b", 10_000, 1, 1));

    assertThat(stage.drainFired())
        .extracting(WindowResult::key, WindowResult::partition)
        .containsExactlyInAnyOrder(tuple("a", 0), tuple("b", 3));
  }

  @Test
  void window_firesExactlyWhenWatermarkReachesEndMinusOne() {
    stage.assigned(0, Optional.empty());
    stage.add(0, 0, r("n1", 4000, 1, 1));

    stage.add(0, 1, r("n1", 9999, 1, 1)); // watermark 4998 < 4999
    assertThat(stage.drainFired()).isEmpty();

    stage.add(0, 2, r("n1", 10_000, 1, 1)); // watermark 4999 = end - 1
    assertThat(stage.drainFired()).extracting(WindowResult::start).containsExactly(0L);
  }

  @Test
  void outOfOrderRecordWithinBound_isAccepted_laterOneIsLate() {
    stage.assigned(0, Optional.empty());
    stage.add(0, 0, r("n1", 7000, 1, 1));

    assertThat(stage.add(0, 1, r("n1", 4000, 3, 3))).isEqualTo(Outcome.ACCEPTED);
    stage.add(0, 2, r("n1", 10_000, 0, 0));
    assertThat(stage.drainFired())
        .singleElement()
        .satisfies(w -> assertThat(w.mean(0)).isEqualTo(3f));
    assertThat(stage.add(0, 3, r("n1", 4500, 9, 9))).isEqualTo(Outcome.LATE);
  }

  @Test
  void partitionsHaveTheirOwnWatermark() {
    stage.assigned(0, Optional.empty());
    stage.assigned(1, Optional.empty());
    stage.add(0, 0, r("n1", 1000, 1, 1));
    stage.add(1, 0, r("n2", 1000, 1, 1));

    stage.add(1, 1, r("n2", 20_000, 1, 1));

    assertThat(stage.drainFired()).extracting(WindowResult::key).containsExactly("n2");
  }

  @Test
  void checkpoint_pointsAtOldestRecordStillInAnOpenWindow() {
    stage.assigned(0, Optional.empty());
    stage.add(0, 0, r("n1", 1000, 1, 1));
    stage.add(0, 1, r("n2", 6000, 1, 1));
    stage.add(0, 2, r("n1", 7000, 1, 1));
    stage.add(0, 3, r("n1", 10_500, 1, 1)); // fires [0,5000): n1 offset 0
    stage.drainFired();

    Checkpoint c = stage.checkpoints().get(0);

    assertThat(c.offset()).isEqualTo(1); // n2's window [5000,10000) holds offset 1
    assertThat(c.emittedThrough()).isEqualTo(5000);
    assertThat(c.readThrough()).isEqualTo(4);
  }

  @Test
  void restart_skipsRecordsOfWrittenWindows_andRebuildsOpenOnes() {
    WindowStage restarted = new WindowStage(SPEC);
    restarted.assigned(0, Optional.of(new Checkpoint(1, 5000, 4)));

    assertThat(restarted.add(0, 1, r("n2", 6000, 1, 1))).isEqualTo(Outcome.ACCEPTED);
    assertThat(restarted.add(0, 2, r("n1", 4900, 1, 1))).isEqualTo(Outcome.SKIPPED);
    assertThat(restarted.add(0, 5, r("n1", 4900, 1, 1)))
        .as("new record, window written")
        .isEqualTo(Outcome.LATE);
    assertThat(restarted.checkpoints().get(0)).isEqualTo(new Checkpoint(1, 5000, 6));
  }

  @Test
  void untouchedRestoredPartition_keepsItsCheckpoint() {
    Checkpoint restored = new Checkpoint(7, 5000, 9);
    stage.assigned(0, Optional.of(restored));
    stage.assigned(1, Optional.empty());

    assertThat(stage.checkpoints()).isEqualTo(Map.of(0, restored));
  }

  @Test
  void skippedWindows_areDroppedButCountAsEmitted() {
    stage.assigned(0, Optional.empty());
    stage.skipWindows(Set.of(new WindowId("n1", 0)));
    stage.add(0, 0, r("n1", 1000, 1, 1));
    stage.add(0, 1, r("n2", 1000, 1, 1));

    stage.add(0, 2, r("n2", 10_000, 1, 1));

    assertThat(stage.drainFired()).extracting(WindowResult::key).containsExactly("n2");
    assertThat(stage.skippedWindows()).isEqualTo(1);
    assertThat(stage.checkpoints().get(0).emittedThrough()).isEqualTo(5000);
  }

  @Test
  void revokedPartition_dropsItsWindows() {
    stage.assigned(0, Optional.empty());
    stage.add(0, 0, r("n1", 1000, 1, 1));

    stage.revoked(0);

    assertThat(stage.openWindows()).isZero();
    assertThat(stage.checkpoints()).isEmpty();
    assertThatThrownBy(() -> stage.add(0, 1, r("n1", 1000, 1, 1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("partition 0 is not assigned");
  }

  @Test
  void spec_rejectsBadValues_namingTheKey() {
    assertThatThrownBy(() -> new WindowSpec(Duration.ZERO, Duration.ZERO, List.of("A")))
        .hasMessageContaining("processing.window_seconds must be > 0");
    assertThatThrownBy(
            () -> new WindowSpec(Duration.ofSeconds(5), Duration.ofSeconds(-1), List.of("A")))
        .hasMessageContaining("processing.max_out_of_orderness_seconds must be >= 0");
  }
}
