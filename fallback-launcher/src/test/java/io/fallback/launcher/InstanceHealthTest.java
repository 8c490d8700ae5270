package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.mode.Mode;
import io.fallback.core.supervisor.FallbackActivity;
import io.fallback.kafka.GroupBacklog;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The rules of {@code /health/live} and {@code /health/ready}, as pure functions of time. */
class InstanceHealthTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final InstanceHealth HEALTH =
      new InstanceHealth(
          Duration.ofSeconds(30), Duration.ofSeconds(10), InstanceHealth.DEFAULT_PROGRESS_BOUND);
  private static final FallbackActivity.Status RUNNING =
      new FallbackActivity.Status(
          FallbackActivity.State.RUNNING, 0, Optional.empty(), Optional.empty());
  private static final Backlog.Sample UNREAD =
      new Backlog.Sample(
          Optional.of(new GroupBacklog.Counts(40_000, 984, 40_984)), Optional.of(T0));

  private static ActivationTracker.Snapshot events(
      Instant lastCheckAt, Instant startedAt, Instant lastBatchAt) {
    return new ActivationTracker.Snapshot(
        startedAt, lastBatchAt, null, 0, 0, null, null, 0, 0, T0, lastCheckAt, lastBatchAt);
  }

  @Test
  void checksStalled_afterThreeIntervalsAndTheProbeTimeout_liveAndReadyAreDown() {
    Instant lastCheck = T0.plusSeconds(60);

    InstanceHealth.Verdict justInTime =
        HEALTH.live(lastCheck.plusSeconds(100), events(lastCheck, null, null));
    InstanceHealth.Verdict stalled =
        HEALTH.live(lastCheck.plusSeconds(101), events(lastCheck, null, null));
    InstanceHealth.Verdict neverChecked =
        HEALTH.live(T0.plusSeconds(101), events(null, null, null));
    InstanceHealth.Verdict ready =
        HEALTH.ready(
            lastCheck.plusSeconds(101),
            Mode.PRIMARY,
            RUNNING,
            events(lastCheck, null, null),
            UNREAD);

    assertThat(HEALTH.stalledAfter()).isEqualTo(Duration.ofSeconds(100));
    assertThat(justInTime.up()).isTrue();
    assertThat(stalled.up()).isFalse();
    assertThat(stalled.reasons())
        .containsExactly(
            "checks stalled: the last check completed 101 s ago (bound 100 s: 3 check intervals + the probe timeout)");
    assertThat(neverChecked.reasons())
        .containsExactly(
            "checks stalled: no check completed in the 101 s since the start (bound 100 s: 3 check intervals + the probe"
                + " timeout)");
    assertThat(ready.up()).isFalse();
    assertThat(ready.reasons()).isEqualTo(stalled.reasons());
  }

  @Test
  void fallbackLoopFailing_isNotReady_butPrimaryModeIgnoresTheLoop() {
    Instant now = T0.plusSeconds(5);
    FallbackActivity.Status failing =
        new FallbackActivity.Status(
            FallbackActivity.State.FAILING,
            2,
            Optional.of(
                new FallbackActivity.Failure(
                    FallbackActivity.Phase.ACTIVATION,
                    new NoClassDefFoundError("org/apache/avro/Schema"),
                    T0)),
            Optional.of(T0.plusSeconds(8)));

    InstanceHealth.Verdict fallback =
        HEALTH.ready(now, Mode.FALLBACK, failing, events(now, T0, null), UNREAD);
    InstanceHealth.Verdict primary =
        HEALTH.ready(now, Mode.PRIMARY, failing, events(now, null, null), UNREAD);
    InstanceHealth.Verdict live = HEALTH.live(now, events(now, T0, null));

    assertThat(fallback.up()).isFalse();
    assertThat(fallback.reasons())
        .containsExactly(
            "fallback loop failing (activation: java.lang.NoClassDefFoundError: org/apache/avro/Schema), 2 failed"
                + " attempts, next attempt at 2026-01-01T00:00:08Z");
    assertThat(primary.up()).isTrue();
    assertThat(live.up()).as("a failing loop is not a reason to restart the process").isTrue();
  }

  @Test
  void fallbackReadingNothing_whileRecordsAreUnread_isNotReadyAfterTheBound() {
    Instant lastBatch = T0.plusSeconds(10);
    Instant withinBound = lastBatch.plus(InstanceHealth.DEFAULT_PROGRESS_BOUND);
    Instant pastBound = withinBound.plusSeconds(1);

    InstanceHealth.Verdict slow =
        HEALTH.ready(
            withinBound, Mode.FALLBACK, RUNNING, events(withinBound, T0, lastBatch), UNREAD);
    InstanceHealth.Verdict stuck =
        HEALTH.ready(pastBound, Mode.FALLBACK, RUNNING, events(pastBound, T0, lastBatch), UNREAD);
    InstanceHealth.Verdict caughtUp =
        HEALTH.ready(
            pastBound,
            Mode.FALLBACK,
            RUNNING,
            events(pastBound, T0, lastBatch),
            new Backlog.Sample(
                Optional.of(new GroupBacklog.Counts(0, 984, 984)), Optional.of(pastBound)));
    InstanceHealth.Verdict blind =
        HEALTH.ready(
            pastBound,
            Mode.FALLBACK,
            RUNNING,
            events(pastBound, T0, lastBatch),
            new Backlog.Sample(Optional.empty(), Optional.of(T0)));
    InstanceHealth.Verdict primary =
        HEALTH.ready(pastBound, Mode.PRIMARY, RUNNING, events(pastBound, T0, lastBatch), UNREAD);

    assertThat(slow.up()).isTrue();
    assertThat(stuck.up()).isFalse();
    assertThat(stuck.reasons())
        .containsExactly(
            "fallback not progressing: no batch read for 301 s (bound 300 s) while 40000 records are unread");
    assertThat(caughtUp.up()).as("idle because nothing is left to read").isTrue();
    assertThat(blind.reasons())
        .containsExactly(
            "fallback not progressing: no batch read for 301 s (bound 300 s) while the backlog is unknown (Kafka has"
                + " not answered for 311 s)");
    assertThat(primary.up()).isTrue();
  }

  @Test
  void progressBound_isAWiringParameter() {
    InstanceHealth strict =
        new InstanceHealth(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(20));
    Instant now = T0.plusSeconds(21);

    InstanceHealth.Verdict verdict =
        strict.ready(now, Mode.FALLBACK, RUNNING, events(now, T0, null), UNREAD);

    assertThat(verdict.reasons())
        .containsExactly(
            "fallback not progressing: no batch read for 21 s (bound 20 s) while 40000 records are unread");
  }
}
