package io.fallback.launcher;

import io.fallback.core.shadow.ShadowComparator.Report;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.InstantSource;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Every meter {@code GET /metrics} exposes, in one registry: the processor's own ({@link
 * MetricsListener}, {@link DeadLetterMetrics}) and the JVM's and the process's through Micrometer's
 * binders (memory, GC, threads, class loading, CPU, uptime, open files). The application and the
 * metrics reference test build it the same way.
 *
 * <p>{@link #close()} closes the GC binder (it listens to JMX notifications) and the registry.
 * Thread-safe.
 */
final class LauncherMetrics implements AutoCloseable {

  private final PrometheusMeterRegistry registry;
  private final MetricsListener events;
  private final DeadLetterMetrics deadLetters;
  private final JvmGcMetrics gc;
  private volatile Supplier<Optional<Report>> shadow = Optional::empty;
  private volatile Supplier<GroupMode> group = () -> null;

  /**
   * Creates the registry and registers every meter that exists from the start.
   *
   * @param clock the application's clock (for sample ages)
   */
  LauncherMetrics(InstantSource clock) {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    gc = new JvmGcMetrics();
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    events = new MetricsListener(registry, clock);
    deadLetters = new DeadLetterMetrics(registry);
    ShadowMetrics.register(registry, () -> shadow.get());
    GroupMode.register(registry, () -> group.get());
  }

  /**
   * Reads the group's meters from this group (they read 0 until then, and when {@code
   * group.enabled} is false).
   *
   * @param group the group, or null
   */
  void watchGroup(Supplier<GroupMode> group) {
    this.group = group;
  }

  /**
   * Reads the shadow's meters from this report (they read 0 until then, and when shadow mode is
   * off).
   *
   * @param report the shadow's report
   */
  void watchShadow(Supplier<Optional<Report>> report) {
    shadow = report;
  }

  /**
   * @return the Prometheus registry that {@code /metrics} scrapes
   */
  PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * @return the listener that turns core events into meters
   */
  MetricsListener events() {
    return events;
  }

  /**
   * @return the dead-letter counters
   */
  DeadLetterMetrics deadLetters() {
    return deadLetters;
  }

  /** Closes the GC binder and the registry. Idempotent. */
  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
