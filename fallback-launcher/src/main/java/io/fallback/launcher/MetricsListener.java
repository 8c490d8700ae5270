package io.fallback.launcher;

import io.fallback.kafka.GroupBacklog;
import io.fallback.core.FallbackListener;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.Transition;
import io.fallback.core.supervisor.FallbackActivity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Core events as Micrometer meters, scraped at {@code GET /metrics}. Thread-safe.
 *
 * <ul>
 *   <li>{@code fallback_mode} gauge: 1 in fallback, 0 in primary</li>
 *   <li>{@code fallback_transitions_total{from,to,cause}}</li>
 *   <li>{@code fallback_records_in_total}, {@code fallback_windows_emitted_total},
 *       {@code fallback_points_written_total}, {@code fallback_records_skipped_total}</li>
 *   <li>{@code fallback_batch_failures_total{stage}} (stage upper-case: OPEN, POLL, PROCESS, WRITE, COMMIT)</li>
 *   <li>{@code fallback_errors_total{stage}}: every failure, wherever it happened, stage lower-case
 *       ({@link #ERROR_STAGES}): {@code activation} (building the loop threw), {@code loop} (the loop
 *       threw), {@code probe} (a health probe or latency source threw), {@code check} (a check could not
 *       be taken), and the held-batch stages {@code open}, {@code poll}, {@code process}, {@code write},
 *       {@code commit}</li>
 *   <li>{@code fallback_process_seconds} (model calls of a batch), {@code fallback_write_seconds}</li>
 *   <li>{@code fallback_loop_state{state}}: 1 for the loop's current state ({@code running},
 *       {@code failing}, {@code stopped}, {@code not_started}), 0 for the others
 *       ({@link #watchLoop})</li>
 *   <li>{@code fallback_backlog_records{state="unread"}}, {@code {state="open_windows"}} and
 *       {@code fallback_commit_lag_records} = end offset minus committed offset, their sum
 *       ({@link #watchBacklog}); -1 while Kafka does not answer</li>
 * </ul>
 */
final class MetricsListener implements FallbackListener {

  /** The values of the {@code stage} tag of {@code fallback_errors_total}. */
  static final List<String> ERROR_STAGES =
      List.of("activation", "loop", "probe", "check", "open", "poll", "process", "write", "commit");

  private final MeterRegistry registry;
  private final AtomicInteger mode = new AtomicInteger();
  private final Counter recordsIn;
  private final Counter windows;
  private final Counter points;
  private final Counter skipped;
  private final Timer process;
  private final Timer write;
  private final Map<String, Counter> errors = new ConcurrentHashMap<>();

  MetricsListener(MeterRegistry registry) {
    this.registry = registry;
    registry.gauge("fallback_mode", mode);
    recordsIn = Counter.builder("fallback_records_in").description("records polled").register(registry);
    windows = Counter.builder("fallback_windows_emitted").description("completed windows processed").register(registry);
    points = Counter.builder("fallback_points_written").description("points acknowledged by InfluxDB").register(registry);
    skipped = Counter.builder("fallback_records_skipped").description("records of windows already written").register(registry);
    process = Timer.builder("fallback_process").description("model calls of one batch").register(registry);
    write = Timer.builder("fallback_write").description("InfluxDB write of one batch").register(registry);
    ERROR_STAGES.forEach(this::error); // registered at 0, so an alert on an increase sees the first error
  }

  private Counter error(String stage) {
    return errors.computeIfAbsent(
        stage,
        s ->
            Counter.builder("fallback_errors")
                .tag("stage", s)
                .description("failures, each also logged once: activation, loop, probe, check, or a held batch's stage")
                .register(registry));
  }

  /**
   * Registers {@code fallback_loop_state{state}}.
   *
   * @param loop the loop runner's status
   */
  void watchLoop(Supplier<FallbackActivity.Status> loop) {
    for (FallbackActivity.State state : FallbackActivity.State.values()) {
      Gauge.builder("fallback_loop_state", loop, l -> l.get().state() == state ? 1 : 0)
          .tag("state", state.name().toLowerCase(Locale.ROOT))
          .description("1 for the fallback loop's current state")
          .strongReference(true)
          .register(registry);
    }
  }

  /**
   * Registers {@code fallback_backlog_records{state}} and {@code fallback_commit_lag_records}. One scrape
   * queries Kafka at most once ({@link KafkaBacklog#MAX_AGE}).
   *
   * @param backlog where the counts come from
   */
  void watchBacklog(StatusServer.Backlog backlog) {
    gauge(backlog, "fallback_backlog_records", "unread", "records not read yet (end offset - read through)",
        GroupBacklog.Counts::unread);
    gauge(backlog, "fallback_backlog_records", "open_windows",
        "records read but not committed because their windows are still open (read through - committed)",
        GroupBacklog.Counts::openWindows);
    Gauge.builder("fallback_commit_lag_records", backlog, b -> value(b.counts(), GroupBacklog.Counts::commitLag))
        .description("end offset - committed offset of the fallback group: unread + open_windows")
        .strongReference(true)
        .register(registry);
  }

  private void gauge(
      StatusServer.Backlog backlog, String name, String state, String description, ToLongFunction<GroupBacklog.Counts> f) {
    Gauge.builder(name, backlog, b -> value(b.counts(), f))
        .tag("state", state)
        .description(description)
        .strongReference(true)
        .register(registry);
  }

  private static double value(Optional<GroupBacklog.Counts> counts, ToLongFunction<GroupBacklog.Counts> f) {
    return counts.map(c -> (double) f.applyAsLong(c)).orElse(-1.0);
  }

  @Override
  public void transitioned(Transition t) {
    mode.set(t.to() == Mode.FALLBACK ? 1 : 0);
    registry
        .counter("fallback_transitions", "from", t.from().name(), "to", t.to().name(), "cause", t.cause().name())
        .increment();
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
    registry.counter("fallback_batch_failures", "stage", stage.name()).increment();
    error(stage.name().toLowerCase(Locale.ROOT)).increment();
  }

  @Override
  public void recordsSkipped(int records) {
    skipped.increment(records);
  }
}
