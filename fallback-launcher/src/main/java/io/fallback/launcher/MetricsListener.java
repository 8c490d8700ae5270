package io.fallback.launcher;

import io.fallback.core.FallbackListener;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.Transition;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Core events as Micrometer meters, scraped at {@code GET /metrics}. Thread-safe.
 *
 * <ul>
 *   <li>{@code fallback_mode} gauge: 1 in fallback, 0 in primary</li>
 *   <li>{@code fallback_transitions_total{from,to,cause}}</li>
 *   <li>{@code fallback_records_in_total}, {@code fallback_windows_emitted_total},
 *       {@code fallback_points_written_total}, {@code fallback_records_skipped_total}</li>
 *   <li>{@code fallback_batch_failures_total{stage}}</li>
 *   <li>{@code fallback_process_seconds} (model calls of a batch), {@code fallback_write_seconds}</li>
 * </ul>
 */
final class MetricsListener implements FallbackListener {

  private final MeterRegistry registry;
  private final AtomicInteger mode = new AtomicInteger();
  private final Counter recordsIn;
  private final Counter windows;
  private final Counter points;
  private final Counter skipped;
  private final Timer process;
  private final Timer write;

  MetricsListener(MeterRegistry registry) {
    this.registry = registry;
    registry.gauge("fallback_mode", mode);
    recordsIn = Counter.builder("fallback_records_in").description("records polled").register(registry);
    windows = Counter.builder("fallback_windows_emitted").description("completed windows processed").register(registry);
    points = Counter.builder("fallback_points_written").description("points acknowledged by InfluxDB").register(registry);
    skipped = Counter.builder("fallback_records_skipped").description("records of windows already written").register(registry);
    process = Timer.builder("fallback_process").description("model calls of one batch").register(registry);
    write = Timer.builder("fallback_write").description("InfluxDB write of one batch").register(registry);
  }

  @Override
  public void transitioned(Transition t) {
    mode.set(t.to() == Mode.FALLBACK ? 1 : 0);
    registry
        .counter("fallback_transitions", "from", t.from().name(), "to", t.to().name(), "cause", t.cause().name())
        .increment();
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
  }

  @Override
  public void recordsSkipped(int records) {
    skipped.increment(records);
  }
}
