package io.fallback.launcher;

import io.fallback.core.FallbackListener;
import io.fallback.core.Health;
import io.fallback.core.mode.Cause;
import io.fallback.core.mode.CheckVerdict;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Observation;
import io.fallback.core.mode.Transition;
import io.fallback.core.supervisor.FallbackActivity;
import io.fallback.kafka.GroupBacklog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Core events as Micrometer meters, scraped at {@code GET /metrics}; the README's metrics reference
 * lists every one with its HELP text ({@code MetricsReferenceTest} keeps it true).
 *
 * <p>Conventions: label values are the lower-case form of the words {@code /status} shows (modes,
 * transition causes, stages); every counter series is present from the start at 0; a value that is
 * not known is absent, never a sentinel such as -1 ({@code fallback_primary_latency_seconds}
 * without latency evidence, the backlog gauges while Kafka does not answer). Nothing here makes a
 * remote call while scraped: the backlog arrives from a sampler ({@link #backlogSampled}), the
 * check's values with the check ({@link #checkCompleted}).
 *
 * <p>Thread-safe.
 */
final class MetricsListener implements FallbackListener {

  /** The values of the {@code stage} tag of {@code fallback_errors_total}. */
  static final List<String> ERROR_STAGES =
      List.of("activation", "loop", "probe", "check", "open", "poll", "process", "write", "commit");

  /** Timers' histogram range: a batch's model calls or write, retries included. */
  private static final Duration TIMER_MIN = Duration.ofMillis(1);

  private static final Duration TIMER_MAX = Duration.ofMinutes(5);

  private final MeterRegistry registry;
  private final InstantSource clock;
  private final Counter recordsIn;
  private final Counter windows;
  private final Counter points;
  private final Counter skipped;
  private final Timer process;
  private final Timer write;
  private final Map<String, Counter> errors = new ConcurrentHashMap<>();
  private final Map<String, Counter> batchFailures = new ConcurrentHashMap<>();
  private final Counter probesHealthy;
  private final Counter probesUnhealthy;
  private final MultiGauge backlogRecords;
  private final MultiGauge commitLag;
  private volatile double primaryLatencySeconds;
  private volatile double primaryHealthy;
  private volatile Instant backlogSampledAt;
  private Gauge primaryLatency;
  private Gauge primaryHealth;
  private Gauge backlogAge;

  MetricsListener(MeterRegistry registry, InstantSource clock) {
    this.registry = registry;
    this.clock = clock;
    recordsIn =
        Counter.builder("fallback_records_in")
            .description(
                "records read from Kafka by the fallback (its drain rate is the rate of this counter)")
            .register(registry);
    windows =
        Counter.builder("fallback_windows_emitted")
            .description("completed windows handed to the model service")
            .register(registry);
    points =
        Counter.builder("fallback_points_written")
            .description("points acknowledged by InfluxDB")
            .register(registry);
    skipped =
        Counter.builder("fallback_records_skipped")
            .description("records of windows already written (by the primary, or before a restart)")
            .register(registry);
    probesHealthy = healthProbes("healthy");
    probesUnhealthy = healthProbes("unhealthy");
    process = timer("fallback_process", "model-service calls of one batch, retries included");
    write = timer("fallback_write", "InfluxDB write of one batch, retries included");
    for (Mode from : Mode.values()) {
      for (Mode to : Mode.values()) {
        for (Cause cause : Cause.values()) {
          if (from != to && possible(to, cause)) {
            transitions(lower(from), lower(to), lower(cause));
          }
        }
      }
    }
    for (Stage stage : Stage.values()) {
      batchFailure(lower(stage));
    }
    ERROR_STAGES.forEach(
        this::error); // registered at 0, so an alert on an increase sees the first error
    backlogRecords =
        MultiGauge.builder("fallback_backlog_records")
            .description(
                "the fallback group's backlog by state: unread = end offset - read through; open_windows = read"
                    + " but not committed because their windows are still open; absent while Kafka does not"
                    + " answer")
            .register(registry);
    commitLag =
        MultiGauge.builder("fallback_commit_lag_records")
            .description(
                "end offset - committed offset of the fallback group (unread + open_windows); absent while"
                    + " Kafka does not answer")
            .register(registry);
  }

  /**
   * The transitions {@code ModeStateMachine} makes: to fallback on latency, health or by hand; back
   * on recovery or by hand.
   */
  private static boolean possible(Mode to, Cause cause) {
    return switch (cause) {
      case MANUAL -> true;
      case LATENCY, UNHEALTHY -> to == Mode.FALLBACK;
      case RECOVERED -> to == Mode.PRIMARY;
    };
  }

  private Counter healthProbes(String result) {
    return Counter.builder("fallback_health_probes")
        .tag("result", result)
        .description(
            "health-only probes of the fast confirmation (monitoring.health_check_interval_seconds), by"
                + " verdict; stay at 0 when it is off")
        .register(registry);
  }

  static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  private Timer timer(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .minimumExpectedValue(TIMER_MIN)
        .maximumExpectedValue(TIMER_MAX)
        .register(registry);
  }

  private Counter transitions(String from, String to, String cause) {
    return Counter.builder("fallback_transitions")
        .tags("from", from, "to", to, "cause", cause)
        .description("mode changes by from, to and cause (latency, unhealthy, recovered, manual)")
        .register(registry);
  }

  private Counter error(String stage) {
    return perStage(
        errors,
        "fallback_errors",
        "failures, each also logged once: activation, loop, probe, check, or a held batch's stage",
        stage);
  }

  private Counter batchFailure(String stage) {
    return perStage(
        batchFailures,
        "fallback_batch_failures",
        "failed attempts of a held batch by stage (open, poll, process, write, commit); the batch is retried",
        stage);
  }

  /** The counter {@code name{stage}}, registered on first use and kept in {@code counters}. */
  private Counter perStage(
      Map<String, Counter> counters, String name, String description, String stage) {
    return counters.computeIfAbsent(
        stage,
        s -> Counter.builder(name).tag("stage", s).description(description).register(registry));
  }

  /**
   * Registers the mode state set {@code fallback_mode{mode}} and the check counters {@code
   * fallback_violations} and {@code fallback_recoveries}.
   *
   * @param state the supervisor's current state; must answer at once
   */
  void watchMode(Supplier<ModeState> state) {
    for (Mode mode : Mode.values()) {
      Gauge.builder("fallback_mode", state, s -> s.get().mode() == mode ? 1 : 0)
          .tag("mode", lower(mode))
          .description(
              "1 for the current mode (primary: the primary processes; fallback: this processor does), 0 for the other")
          .strongReference(true)
          .register(registry);
    }
    Gauge.builder("fallback_violations", state, s -> s.get().violations())
        .description(
            "consecutive violating checks in primary mode (fallback after monitoring.consecutive_violations)")
        .strongReference(true)
        .register(registry);
    Gauge.builder("fallback_recoveries", state, s -> s.get().recoveries())
        .description(
            "consecutive recovered checks in fallback mode (primary after monitoring.consecutive_recoveries)")
        .strongReference(true)
        .register(registry);
  }

  /**
   * Registers {@code fallback_loop_state{state}}.
   *
   * @param loop the loop runner's status; must answer at once
   */
  void watchLoop(Supplier<FallbackActivity.Status> loop) {
    for (FallbackActivity.State state : FallbackActivity.State.values()) {
      Gauge.builder("fallback_loop_state", loop, l -> l.get().state() == state ? 1 : 0)
          .tag("state", lower(state))
          .description(
              "1 for the fallback loop's current state (running, failing, stopped, not_started), 0 for the others")
          .strongReference(true)
          .register(registry);
    }
  }

  /**
   * Updates the backlog gauges from a sample: {@code fallback_backlog_records{state}} and {@code
   * fallback_commit_lag_records} when the counts are known, absent otherwise, and {@code
   * fallback_backlog_sample_age_seconds} from the first successful sample on.
   *
   * @param sample the sampler's latest sample
   */
  synchronized void backlogSampled(Backlog.Sample sample) {
    if (sample.counts().isPresent()) {
      GroupBacklog.Counts c = sample.counts().get();
      backlogRecords.register(
          List.of(
              MultiGauge.Row.of(Tags.of("state", "unread"), c.unread()),
              MultiGauge.Row.of(Tags.of("state", "open_windows"), c.openWindows())),
          true);
      commitLag.register(List.of(MultiGauge.Row.of(Tags.empty(), c.commitLag())), true);
    } else {
      backlogRecords.register(List.of(), true);
      commitLag.register(List.of(), true);
    }
    sample.sampledAt().ifPresent(at -> backlogSampledAt = at);
    if (backlogAge == null && backlogSampledAt != null) {
      backlogAge =
          Gauge.builder(
                  "fallback_backlog_sample_age_seconds",
                  this,
                  m -> m.secondsSince(m.backlogSampledAt))
              .description(
                  "seconds since the backlog was last read from Kafka (sampled every check interval, at most"
                      + " 15 s; grows while Kafka does not answer)")
              .strongReference(true)
              .register(registry);
    }
  }

  private double secondsSince(Instant at) {
    return at == null
        ? Double.NaN
        : Math.max(0, Duration.between(at, clock.instant()).toMillis() / 1000.0);
  }

  /**
   * Records what the check was based on: {@code fallback_primary_latency_seconds} (absent when the
   * check had no latency evidence) and {@code fallback_primary_healthy}.
   */
  @Override
  public synchronized void checkCompleted(
      Observation observation, CheckVerdict verdict, ModeState state) {
    primaryHealthy = observation.health().isHealthy() ? 1 : 0;
    if (primaryHealth == null) {
      primaryHealth =
          Gauge.builder("fallback_primary_healthy", this, m -> m.primaryHealthy)
              .description(
                  "the health probe's verdict at the last check: 1 healthy, 0 unhealthy (absent before the first check)")
              .strongReference(true)
              .register(registry);
    }
    if (observation.latency().isPresent()) {
      primaryLatencySeconds = observation.latency().get().toMillis() / 1000.0;
      if (primaryLatency == null) {
        primaryLatency =
            Gauge.builder("fallback_primary_latency_seconds", this, m -> m.primaryLatencySeconds)
                .description(
                    "the primary's processing latency at the last check, as the mode decision used it; absent"
                        + " when that check had no latency evidence")
                .strongReference(true)
                .register(registry);
      }
    } else if (primaryLatency != null) {
      registry.remove(primaryLatency);
      primaryLatency = null;
    }
  }

  /** Counts a health-only probe and records its verdict in {@code fallback_primary_healthy}. */
  @Override
  public synchronized void healthProbed(
      Instant at, Health health, CheckVerdict verdict, ModeState state) {
    (health.isHealthy() ? probesHealthy : probesUnhealthy).increment();
    primaryHealthy = health.isHealthy() ? 1 : 0;
  }

  @Override
  public void transitioned(Transition t) {
    transitions(lower(t.from()), lower(t.to()), lower(t.cause())).increment();
  }

  @Override
  public void checkFailed(Throwable error) {
    error("check").increment();
  }

  @Override
  public void probeFailed(String probe, Throwable error) {
    error("probe").increment();
  }

  @Override
  public void activationFailed(Throwable error, int attempt, Duration retryIn) {
    error("activation").increment();
  }

  @Override
  public void fallbackFailed(Throwable error, int attempt, Duration retryIn) {
    error("loop").increment();
  }

  @Override
  public void fallbackStopped(Throwable failure) {
    if (failure != null) {
      error("loop").increment();
    }
  }

  @Override
  public void batchCollected(int records, Duration took) {
    recordsIn.increment(records);
  }

  @Override
  public void batchProcessed(int windowCount, int outputs, Duration took) {
    windows.increment(windowCount);
    process.record(took);
  }

  @Override
  public void batchWritten(int outputs, Duration took) {
    points.increment(outputs);
    write.record(took);
  }

  @Override
  public void batchFailed(Stage stage, Throwable cause, int attempt, Duration retryIn) {
    batchFailure(lower(stage)).increment();
    error(lower(stage)).increment();
  }

  @Override
  public void recordsSkipped(int records) {
    skipped.increment(records);
  }
}
