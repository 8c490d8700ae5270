package io.fallback.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DrillReportTest {

  private static final DrillReport.Timings CANCEL =
      new DrillReport.Timings(
          "cancel",
          Duration.ofMillis(4_000),
          Duration.ofMillis(8_100),
          2_560,
          Duration.ofMillis(3_800),
          Duration.ofSeconds(4),
          24,
          Duration.ofMillis(420),
          Duration.ofMillis(1_730));

  @Test
  void allChecksPassing_passes_andRendersTablesAndTimeline() {
    DrillReport report =
        new DrillReport(
            "title",
            List.of(
                DrillReport.Check.equal("missing windows (due, no point)", 0, 0),
                DrillReport.Check.info("overlap (both sources, equal values)", "3", "reported")),
            List.of(CANCEL),
            List.of("+   1.0 s  something"),
            List.of(),
            Duration.ofSeconds(80),
            null);

    assertThat(report.passed()).isTrue();
    assertThat(report.value("missing windows (due, no point)")).isEqualTo("0");
    assertThat(report.render())
        .contains("RESULT: PASS", "2,560 rec in 3.8 s = 674/s", "something", "0.4 s", "1.7 s");
    assertThat(report.markdown())
        .contains(
            "| missing windows (due, no point) | 0 | 0 | PASS |",
            "**Result: PASS**",
            "| 24 | 0.4 s | 1.7 s |");
  }

  @Test
  void missedGoal_isShownButDoesNotFail_whileAFailedBoundFails() {
    DrillReport goalMissed =
        new DrillReport(
            "t",
            List.of(
                DrillReport.Check.that(
                    "cancel: trigger -> first batch read", "1.4 s", "< 5.0 s", true),
                DrillReport.Check.goal(
                    "cancel: trigger -> first batch read (goal)",
                    "1.4 s",
                    "< 1.0 s (DESIGN §9)",
                    false)),
            List.of(),
            List.of(),
            List.of(),
            Duration.ZERO,
            null);
    DrillReport boundFailed =
        new DrillReport(
            "t",
            List.of(
                DrillReport.Check.that(
                    "cancel: trigger -> first batch read", "31.0 s", "< 5.0 s", false)),
            List.of(),
            List.of(),
            List.of(),
            Duration.ZERO,
            null);

    assertThat(goalMissed.passed()).isTrue();
    assertThat(goalMissed.render()).contains("GOAL MISSED", "RESULT: PASS");
    assertThat(goalMissed.markdown()).contains("| < 1.0 s (DESIGN §9) | **goal missed** |");
    assertThat(boundFailed.passed()).isFalse();
  }

  @Test
  void activation_ofStatus_isParsedLeniently() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();

    ModeWatcher.Activation full =
        ModeWatcher.Activation.parse(
            json.readTree(
                "{\"started_at\":\"2025-01-01T00:00:00Z\","
                    + "\"first_batch_at\":\"2025-01-01T00:00:00.300Z\",\"first_write_at\":null,\"records_read\":12,"
                    + "\"points_written\":0,\"loop\":\"failing\",\"last_error\":{\"stage\":\"process\",\"message\":\"503\","
                    + "\"at\":\"2025-01-01T00:00:01Z\"}}"));

    assertThat(full.toFirstBatch()).isEqualTo(Duration.ofMillis(300));
    assertThat(full.toFirstWrite()).isNull();
    assertThat(full.loop()).isEqualTo("failing");
    assertThat(full.lastError()).isEqualTo("process: 503");
    assertThat(ModeWatcher.Activation.parse(null)).isNull();
    assertThat(ModeWatcher.Activation.parse(json.readTree("null"))).isNull();
  }

  @Test
  void shadowSection_ofStatus_isParsed_absentIsNull() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();

    ModeWatcher.ShadowStatus shadow =
        ModeWatcher.ShadowStatus.parse(
            json.readTree(
                "{\"loop\":\"running\",\"sample_every\":1,\"compared\":4,\"equal\":0,"
                    + "\"differing\":4,\"missing\":0,\"confirmed_unscored\":2,\"own\":1,"
                    + "\"over_budget\":2,\"pending\":3,\"oldest_pending_at\":null,"
                    + "\"differing_ratio\":1.0,\"missing_ratio\":0.0,\"alerting\":true,"
                    + "\"first_differences\":[{\"key\":\"15\",\"window_start\":\"2025-01-01T00:00:00Z\","
                    + "\"window_end\":\"2025-01-01T00:00:10Z\",\"fields\":[\"HR: fallback=1.0"
                    + " primary=2.0\",\"EDA: fallback=3.0 primary=4.0\"]}]}"));

    assertThat(shadow.counts()).isEqualTo("4 / 0 / 4 / 0");
    assertThat(shadow.confirmed()).isEqualTo(2);
    assertThat(shadow.overBudget()).isEqualTo(2);
    assertThat(shadow.alerting()).isTrue();
    assertThat(shadow.firstDifferences())
        .containsExactly(
            "15 [2025-01-01T00:00:00Z, 2025-01-01T00:00:10Z) HR: fallback=1.0 primary=2.0;"
                + " EDA: fallback=3.0 primary=4.0");
    assertThat(ModeWatcher.ShadowStatus.parse(null)).isNull();
    assertThat(ModeWatcher.ShadowStatus.parse(json.readTree("null"))).isNull();
  }

  @Test
  void oneFailingCheck_orAnEarlyStop_fails() {
    DrillReport failing =
        new DrillReport(
            "t",
            List.of(DrillReport.Check.equal("missing", 2, 0)),
            List.of(),
            List.of(),
            List.of("missing x"),
            Duration.ZERO,
            null);
    DrillReport stopped =
        new DrillReport(
            "t",
            List.of(DrillReport.Check.equal("missing", 0, 0)),
            List.of(),
            List.of(),
            List.of(),
            Duration.ZERO,
            "no hand-back within 60.0 s");

    assertThat(failing.passed()).isFalse();
    assertThat(failing.render()).contains("FAIL", "missing x");
    assertThat(stopped.passed()).isFalse();
    assertThat(stopped.markdown()).contains("stopped early: no hand-back");
  }

  @Test
  void options_adjustTheDemoSettings() {
    DrillSettings ci = DrillSettings.parse("--ci", "--seed=9", "--no-replay", "--report=/tmp/r.md");
    DrillSettings demo = DrillSettings.parse("--nurses=3");
    DrillSettings lean =
        DrillSettings.parse("--ci", "--no-shadow", "--no-fast-path", "--no-shadow-mode");

    assertThat(ci.nurses()).isEqualTo(4);
    assertThat(ci.seed()).isEqualTo(9);
    assertThat(ci.replay()).isFalse();
    assertThat(ci.fastPath()).isTrue();
    assertThat(ci.shadowMode()).isTrue();
    assertThat(ci.scenarioCount()).isEqualTo(3);
    assertThat(lean.replay()).isFalse();
    assertThat(lean.fastPath()).isFalse();
    assertThat(lean.shadowMode()).isFalse();
    assertThat(lean.scenarioCount()).isEqualTo(2);
    assertThat(ci.report()).isEqualTo(Path.of("/tmp/r.md"));
    assertThat(demo.nurses()).isEqualTo(3);
    assertThat(demo.inputRate()).isEqualTo(96);
    assertThatThrownBy(() -> DrillSettings.parse("--fast"))
        .hasMessageContaining("unknown option '--fast'");
  }
}
