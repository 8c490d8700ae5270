package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.FallbackListener.Stage;
import io.fallback.core.Health;
import io.fallback.core.mode.Cause;
import io.fallback.core.mode.CheckVerdict;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeOverride;
import io.fallback.core.mode.ModePolicy;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.ModeStateMachine;
import io.fallback.core.mode.Observation;
import io.fallback.core.mode.Transition;
import io.fallback.core.supervisor.FallbackActivity;
import io.fallback.core.supervisor.ManualScheduler;
import io.fallback.kafka.GroupBacklog;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code /metrics} follows Prometheus conventions (issue 12, "Endpoint and metrics"). */
class MetricsListenerTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final CheckVerdict OK = new CheckVerdict(CheckVerdict.Kind.OK, 0, 3, "");

  private final ManualScheduler time = new ManualScheduler(T0);
  private final LauncherMetrics meters = new LauncherMetrics(time);
  private final MetricsListener metrics = meters.events();
  private final AtomicReference<ModeState> state = new AtomicReference<>(ModeState.initial(T0));

  @AfterEach
  void close() {
    meters.close();
  }

  private PrometheusScrape scrape() {
    return PrometheusScrape.parse(meters.registry().scrape());
  }

  private static ModeState forcedFallback() {
    return new ModeStateMachine(ModePolicy.ofDefaults())
        .override(ModeState.initial(T0), ModeOverride.FORCE_FALLBACK, T0)
        .state();
  }

  @Test
  void mode_isAStateSetLabelledLowerCase_notAnUnlabelledGauge() {
    metrics.watchMode(state::get);

    PrometheusScrape primary = scrape();
    state.set(forcedFallback());
    PrometheusScrape fallback = scrape();

    assertThat(primary.value("fallback_mode", "mode", "primary")).contains(1.0);
    assertThat(primary.value("fallback_mode", "mode", "fallback")).contains(0.0);
    assertThat(primary.value("fallback_mode")).as("the old unlabelled gauge is gone").isEmpty();
    assertThat(fallback.value("fallback_mode", "mode", "primary")).contains(0.0);
    assertThat(fallback.value("fallback_mode", "mode", "fallback")).contains(1.0);
    assertThat(fallback.value("fallback_violations")).contains(0.0);
    assertThat(fallback.value("fallback_recoveries")).contains(0.0);
  }

  @Test
  void everyCounterSeries_isPresentFromTheStartAtZero() {
    PrometheusScrape scrape = scrape();

    assertThat(scrape.samples("fallback_transitions_total"))
        .extracting(PrometheusScrape.Sample::labels)
        .containsExactlyInAnyOrder(
            Map.of("from", "primary", "to", "fallback", "cause", "latency"),
            Map.of("from", "primary", "to", "fallback", "cause", "unhealthy"),
            Map.of("from", "primary", "to", "fallback", "cause", "manual"),
            Map.of("from", "fallback", "to", "primary", "cause", "recovered"),
            Map.of("from", "fallback", "to", "primary", "cause", "manual"));
    assertThat(scrape.samples("fallback_batch_failures_total"))
        .extracting(s -> s.labels().get("stage"))
        .containsExactlyInAnyOrder("open", "poll", "process", "write", "commit");
    assertThat(scrape.samples("fallback_dead_letters_total"))
        .extracting(s -> s.labels().get("reason"))
        .containsExactlyInAnyOrder(
            "undecodable", "missing-key", "missing-timestamp", "bad-timestamp", "late");
    assertThat(scrape.samples("fallback_errors_total"))
        .extracting(s -> s.labels().get("stage"))
        .containsExactlyInAnyOrderElementsOf(MetricsListener.ERROR_STAGES);
    assertThat(scrape.samples())
        .filteredOn(s -> s.name().startsWith("fallback_") && s.name().endsWith("_total"))
        .isNotEmpty()
        .allSatisfy(s -> assertThat(s.value()).as(s.toString()).isZero());
  }

  @Test
  void transitionAndBatchFailure_areLabelledWithTheLowerCaseWordsOfStatus() {
    Transition manual =
        new Transition(
            Mode.PRIMARY, Mode.FALLBACK, Cause.MANUAL, T0, List.of(), "manual FORCE_FALLBACK");

    metrics.transitioned(manual);
    metrics.batchFailed(
        Stage.WRITE, new IllegalStateException("InfluxDB down"), 1, Duration.ofSeconds(1));
    PrometheusScrape scrape = scrape();

    assertThat(
            scrape.value(
                "fallback_transitions_total",
                "cause",
                "manual",
                "from",
                "primary",
                "to",
                "fallback"))
        .contains(1.0);
    assertThat(scrape.value("fallback_batch_failures_total", "stage", "write")).contains(1.0);
    assertThat(scrape.value("fallback_errors_total", "stage", "write")).contains(1.0);
    assertThat(scrape.samples())
        .filteredOn(s -> s.name().startsWith("fallback_"))
        .allSatisfy(
            s ->
                s.labels()
                    .forEach(
                        (k, v) -> {
                          if (!k.equals("le")) { // a histogram bucket's bound, +Inf included
                            assertThat(v).as(s.toString()).isLowerCase();
                          }
                        }));
  }

  @Test
  void primaryLatency_isWhatTheLastCheckUsed_andAbsentWhenItHadNoEvidence() {
    metrics.checkCompleted(
        new Observation(
            T0, Optional.of(Duration.ofMillis(312_450)), Health.unhealthy("job CANCELED")),
        new CheckVerdict(CheckVerdict.Kind.VIOLATION, 1, 3, "job CANCELED"),
        state.get());
    PrometheusScrape late = scrape();
    metrics.checkCompleted(Observation.noEvidence(T0.plusSeconds(30)), OK, state.get());
    PrometheusScrape noEvidence = scrape();
    metrics.checkCompleted(
        Observation.healthy(T0.plusSeconds(60), Duration.ofMillis(2_340)), OK, state.get());
    PrometheusScrape again = scrape();

    assertThat(late.value("fallback_primary_latency_seconds")).contains(312.45);
    assertThat(late.value("fallback_primary_healthy")).contains(0.0);
    assertThat(noEvidence.families()).doesNotContainKey("fallback_primary_latency_seconds");
    assertThat(noEvidence.value("fallback_primary_healthy")).contains(1.0);
    assertThat(again.value("fallback_primary_latency_seconds")).contains(2.34);
  }

  @Test
  void beforeTheFirstCheck_primaryLatencyAndHealthAreAbsent_notZero() {
    PrometheusScrape scrape = scrape();

    assertThat(scrape.families())
        .doesNotContainKeys("fallback_primary_latency_seconds", "fallback_primary_healthy");
  }

  @Test
  void backlogGauges_whileKafkaDoesNotAnswer_areAbsentNotMinusOne_andTheSampleAgeGrows() {
    PrometheusScrape before = scrape();
    metrics.backlogSampled(
        new Backlog.Sample(
            Optional.of(new GroupBacklog.Counts(40_000, 984, 40_984)), Optional.of(T0)));
    time.advance(Duration.ofSeconds(2));
    PrometheusScrape known = scrape();
    time.advance(Duration.ofSeconds(28));
    metrics.backlogSampled(new Backlog.Sample(Optional.empty(), Optional.of(T0)));
    PrometheusScrape unknown = scrape();
    metrics.backlogSampled(
        new Backlog.Sample(
            Optional.of(new GroupBacklog.Counts(0, 12, 12)), Optional.of(time.instant())));
    PrometheusScrape back = scrape();

    assertThat(before.families())
        .doesNotContainKeys(
            "fallback_backlog_records",
            "fallback_commit_lag_records",
            "fallback_backlog_sample_age_seconds");
    assertThat(known.value("fallback_backlog_records", "state", "unread")).contains(40_000.0);
    assertThat(known.value("fallback_backlog_records", "state", "open_windows")).contains(984.0);
    assertThat(known.value("fallback_commit_lag_records")).contains(40_984.0);
    assertThat(known.value("fallback_backlog_sample_age_seconds")).contains(2.0);
    assertThat(unknown.samples("fallback_backlog_records")).isEmpty();
    assertThat(unknown.samples("fallback_commit_lag_records")).isEmpty();
    assertThat(unknown.value("fallback_backlog_sample_age_seconds")).contains(30.0);
    assertThat(unknown.samples()).noneMatch(s -> s.name().startsWith("fallback_") && s.value() < 0);
    assertThat(back.value("fallback_backlog_records", "state", "unread")).contains(0.0);
    assertThat(back.value("fallback_commit_lag_records")).contains(12.0);
    assertThat(back.value("fallback_backlog_sample_age_seconds")).contains(0.0);
  }

  @Test
  void everyMetric_hasHelpText() {
    metrics.watchMode(state::get);
    metrics.watchLoop(
        () ->
            new FallbackActivity.Status(
                FallbackActivity.State.RUNNING, 0, Optional.empty(), Optional.empty()));
    metrics.checkCompleted(Observation.healthy(T0, Duration.ofSeconds(2)), OK, state.get());
    metrics.backlogSampled(
        new Backlog.Sample(Optional.of(new GroupBacklog.Counts(1, 2, 3)), Optional.of(T0)));

    PrometheusScrape scrape = scrape();

    assertThat(scrape.families().values())
        .hasSizeGreaterThan(30)
        .allSatisfy(f -> assertThat(f.help()).as("HELP of " + f.name()).isNotBlank());
  }

  @Test
  void jvmAndProcessMetrics_comeFromMicrometersBinders() {
    PrometheusScrape scrape = scrape();

    assertThat(scrape.families())
        .containsKeys(
            "jvm_memory_used_bytes", // JvmMemoryMetrics
            "jvm_gc_memory_allocated_bytes_total", // JvmGcMetrics
            "jvm_threads_live_threads", // JvmThreadMetrics
            "jvm_classes_loaded_classes", // ClassLoaderMetrics
            "system_cpu_count", // ProcessorMetrics
            "process_uptime_seconds", // UptimeMetrics
            "process_files_open_files"); // FileDescriptorMetrics
  }

  @Test
  void timers_haveHistogramBuckets_soP99CanBeQueried() {
    metrics.batchWritten(15, Duration.ofMillis(40));
    metrics.batchProcessed(15, 15, Duration.ofMillis(1200));

    PrometheusScrape scrape = scrape();

    for (String timer : List.of("fallback_write_seconds", "fallback_process_seconds")) {
      assertThat(scrape.families().get(timer).type()).isEqualTo("histogram");
      assertThat(scrape.samples(timer + "_bucket"))
          .as(timer + " buckets")
          .hasSizeGreaterThan(10)
          .anySatisfy(b -> assertThat(b.labels()).containsEntry("le", "+Inf"));
      assertThat(scrape.value(timer + "_count")).contains(1.0);
    }
  }
}
