package io.fallback.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DrillReportTest {

  private static final DrillReport.Timings CANCEL = new DrillReport.Timings("cancel", Duration.ofMillis(4_000),
      Duration.ofMillis(8_100), 2_560, Duration.ofMillis(3_800), Duration.ofSeconds(4), 24);

  @Test
  void allChecksPassing_passes_andRendersTablesAndTimeline() {
    DrillReport report = new DrillReport("title", List.of(
        DrillReport.Check.equal("missing windows (due, no point)", 0, 0),
        DrillReport.Check.info("overlap (both sources, equal values)", "3", "reported")),
        List.of(CANCEL), List.of("+   1.0 s  something"), List.of(), Duration.ofSeconds(80), null);

    assertThat(report.passed()).isTrue();
    assertThat(report.value("missing windows (due, no point)")).isEqualTo("0");
    assertThat(report.render()).contains("RESULT: PASS", "2,560 rec in 3.8 s = 674/s", "something");
    assertThat(report.markdown()).contains("| missing windows (due, no point) | 0 | 0 | PASS |", "**Result: PASS**");
  }

  @Test
  void oneFailingCheck_orAnEarlyStop_fails() {
    DrillReport failing = new DrillReport("t", List.of(DrillReport.Check.equal("missing", 2, 0)), List.of(),
        List.of(), List.of("missing x"), Duration.ZERO, null);
    DrillReport stopped = new DrillReport("t", List.of(DrillReport.Check.equal("missing", 0, 0)), List.of(),
        List.of(), List.of(), Duration.ZERO, "no hand-back within 60.0 s");

    assertThat(failing.passed()).isFalse();
    assertThat(failing.render()).contains("FAIL", "missing x");
    assertThat(stopped.passed()).isFalse();
    assertThat(stopped.markdown()).contains("stopped early: no hand-back");
  }

  @Test
  void options_adjustTheDemoSettings() {
    DrillSettings ci = DrillSettings.parse("--ci", "--seed=9", "--no-shadow", "--report=/tmp/r.md");
    DrillSettings demo = DrillSettings.parse("--nurses=3");

    assertThat(ci.nurses()).isEqualTo(4);
    assertThat(ci.seed()).isEqualTo(9);
    assertThat(ci.shadow()).isFalse();
    assertThat(ci.report()).isEqualTo(Path.of("/tmp/r.md"));
    assertThat(demo.nurses()).isEqualTo(3);
    assertThat(demo.inputRate()).isEqualTo(96);
    assertThatThrownBy(() -> DrillSettings.parse("--fast")).hasMessageContaining("unknown option '--fast'");
  }
}
