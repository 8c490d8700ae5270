package io.fallback.core.mode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The one place the rules of the mode thresholds and counts are stated. */
class ModePolicyTest {

  private static final Duration T = Duration.ofSeconds(100);

  @Test
  void resumeThresholdEqualToTheThreshold_isAllowed() {
    ModePolicy policy = new ModePolicy(T, 3, T, 1, Duration.ZERO);

    assertThat(policy.resumeThreshold()).isEqualTo(policy.latencyThreshold());
  }

  @Test
  void resumeThresholdAboveTheThreshold_isRejectedNamingBothKeys() {
    assertThatThrownBy(() -> new ModePolicy(T, 3, Duration.ofSeconds(150), 1, Duration.ZERO))
        .hasMessage(
            "monitoring.resume_threshold_seconds must be <= monitoring.latency_threshold_seconds (100.0s),"
                + " but was 150.0s");
  }

  @Test
  void zeroThreshold_forcesFallback_andAllowsOnlyAZeroResumeThreshold() {
    assertThat(ModePolicy.of(Duration.ZERO, 3).forcesFallback()).isTrue();
    assertThatThrownBy(
            () -> new ModePolicy(Duration.ZERO, 3, Duration.ofSeconds(5), 1, Duration.ZERO))
        .hasMessageContaining(
            "monitoring.resume_threshold_seconds must be <= monitoring.latency_threshold_seconds");
  }

  @Test
  void everyInvalidComponent_isReportedAtOnce_oneLineEach() {
    assertThatThrownBy(() -> new ModePolicy(T, 0, T, 0, Duration.ofSeconds(-1)))
        .hasMessage(
            "monitoring.consecutive_violations must be >= 1, but was 0\n"
                + "monitoring.consecutive_recoveries must be >= 1, but was 0\n"
                + "monitoring.min_fallback_seconds must be >= 0, but was -1.0s");
  }

  @Test
  void negativeThreshold_isNotAlsoReportedAsBelowTheResumeThreshold() {
    assertThatThrownBy(
            () ->
                new ModePolicy(Duration.ofSeconds(-1), 3, Duration.ofSeconds(10), 1, Duration.ZERO))
        .hasMessage("monitoring.latency_threshold_seconds must be >= 0, but was -1.0s");
  }
}
