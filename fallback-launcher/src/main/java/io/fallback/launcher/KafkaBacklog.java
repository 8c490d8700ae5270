package io.fallback.launcher;

import io.fallback.kafka.GroupBacklog;
import io.fallback.kafka.KafkaSourceSettings;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples how far behind the fallback group is ({@link GroupBacklog}) on its own daemon thread,
 * {@code fallback-backlog}, every {@link #interval(Duration) check interval} (at most {@link
 * #MAX_INTERVAL}), so that neither a scrape of {@code /metrics} nor a {@code GET /status} ever
 * waits for Kafka: they read {@link #latest()}. A query takes up to three admin requests of 5 s
 * each when Kafka does not answer; the next one starts an interval after the previous one ended, so
 * queries never pile up. A failed query makes the counts unknown (empty) until one succeeds again;
 * {@code sampledAt} keeps the time of the last success.
 *
 * <p>The thread is created here and shut down by {@link #close()}. Thread-safe.
 */
final class KafkaBacklog implements AutoCloseable, Backlog {

  /** The longest time between two samples, whatever the check interval. */
  static final Duration MAX_INTERVAL = Duration.ofSeconds(15);

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBacklog.class);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

  private final Supplier<GroupBacklog.Counts> query;
  private final AutoCloseable client;
  private final String description;
  private final InstantSource clock;
  private final Consumer<Sample> onSample;
  private final ScheduledExecutorService thread;
  private volatile Sample latest = Sample.NONE;
  private final AtomicLong queries = new AtomicLong();
  private boolean closed;

  /**
   * Starts sampling at once.
   *
   * @param settings the fallback source's settings (group, topic, client properties)
   * @param clock the application's clock
   * @param interval the time between the end of one query and the start of the next
   * @param onSample receives every sample, on the sampler's thread; must not throw or block
   * @return the running sampler
   */
  static KafkaBacklog start(
      KafkaSourceSettings settings,
      InstantSource clock,
      Duration interval,
      Consumer<Sample> onSample) {
    GroupBacklog backlog = GroupBacklog.of(settings, REQUEST_TIMEOUT);
    return new KafkaBacklog(
        backlog::fetch,
        backlog,
        "group " + settings.groupId() + " on " + settings.topic(),
        clock,
        interval,
        onSample);
  }

  /**
   * The sampling interval for a check interval: the same, at most {@link #MAX_INTERVAL}.
   *
   * @param checkInterval {@code monitoring.check_interval_seconds}
   * @return the interval
   */
  static Duration interval(Duration checkInterval) {
    return checkInterval.compareTo(MAX_INTERVAL) > 0 ? MAX_INTERVAL : checkInterval;
  }

  KafkaBacklog(
      Supplier<GroupBacklog.Counts> query,
      AutoCloseable client,
      String description,
      InstantSource clock,
      Duration interval,
      Consumer<Sample> onSample) {
    this.query = Objects.requireNonNull(query, "query");
    this.client = Objects.requireNonNull(client, "client");
    this.description = Objects.requireNonNull(description, "description");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.onSample = Objects.requireNonNull(onSample, "onSample");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException(
          "backlog sampling interval must be > 0, but was " + interval);
    }
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "fallback-backlog");
              t.setDaemon(true);
              return t;
            });
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.thread = executor;
    thread.scheduleWithFixedDelay(
        this::sampleSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * @return the latest sample, at once
   */
  @Override
  public Sample latest() {
    return latest;
  }

  /**
   * @return how many queries have started (for tests)
   */
  long queries() {
    return queries.get();
  }

  private void sampleSafely() {
    // a task that throws under a fixed-delay schedule is never run again: catch everything
    try {
      queries.incrementAndGet();
      Sample sample;
      try {
        sample = new Sample(Optional.of(query.get()), Optional.of(clock.instant()));
      } catch (RuntimeException e) {
        LOG.debug("backlog of {} unavailable: {}", description, e.toString());
        sample = new Sample(Optional.empty(), latest.sampledAt());
      }
      latest = sample;
      onSample.accept(sample);
    } catch (Throwable e) {
      LOG.warn("backlog sampling of {} failed: {}", description, e.toString());
    }
  }

  /** Stops sampling (interrupting a query in flight), then closes the Kafka client. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    thread.shutdownNow();
    try {
      if (!thread.awaitTermination(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("backlog sampler of {} did not stop within {}", description, REQUEST_TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      client.close();
    } catch (Exception e) {
      LOG.warn("Error closing the backlog client of {}: {}", description, e.toString());
    }
  }
}
