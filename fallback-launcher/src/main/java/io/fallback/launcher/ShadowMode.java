package io.fallback.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.failsafe.RateLimiter;
import io.fallback.core.FallbackListener;
import io.fallback.core.Sink;
import io.fallback.core.loop.FallbackLoop;
import io.fallback.core.loop.LoopSettings;
import io.fallback.core.shadow.ShadowComparator;
import io.fallback.core.shadow.ShadowComparator.Report;
import io.fallback.core.shadow.ShadowProcessor;
import io.fallback.core.shadow.ShadowSampling;
import io.fallback.core.shadow.ShadowSink;
import io.fallback.core.supervisor.FallbackActivity;
import io.fallback.core.supervisor.LoopRunner;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowSpec;
import io.fallback.core.window.WindowStage;
import io.fallback.http.ModelServiceClient;
import io.fallback.http.WindowedModelProcessor;
import io.fallback.influx.InfluxPrimaryProgress;
import io.fallback.influx.InfluxSettings;
import io.fallback.influx.InfluxShadowOutput;
import io.fallback.influx.InfluxSink;
import io.fallback.kafka.KafkaBatchSource;
import io.fallback.kafka.KafkaSourceSettings;
import io.fallback.launcher.config.ShadowConfig;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shadow mode ({@code shadow.enabled}): while the mode is PRIMARY, a second loop runs in the
 * fallback's own consumer group with a {@link ShadowProcessor} (sampled, budgeted model calls) and
 * a {@link ShadowSink} (compares with the primary's points, writes nothing to the primary's
 * measurement, acknowledges a batch only when the primary has written its windows). So the group's
 * committed position trails what the primary has written, and a take-over starts from there: no
 * rewind to the primary's checkpoint, no window skipped.
 *
 * <p>The two loops never consume at the same time: {@link #sequencing()} stops the shadow (and
 * waits for it to leave the group) when the fallback is starting, and starts it again once the
 * fallback has stopped. Thread-safe.
 */
final class ShadowMode implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger("io.fallback.shadow");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

  private final LoopRunner runner;
  private final ShadowComparator comparator;
  private final ShadowConfig config;
  private final List<AutoCloseable> resources;
  private CompletableFuture<Void> stopped = CompletableFuture.completedFuture(null);
  private boolean closed;

  private ShadowMode(
      LoopRunner runner,
      ShadowComparator comparator,
      ShadowConfig config,
      List<AutoCloseable> resources) {
    this.runner = runner;
    this.comparator = comparator;
    this.config = config;
    this.resources = resources;
  }

  /**
   * Wires the shadow loop; it is not started.
   *
   * @param config the {@code shadow} section
   * @param kafka the fallback's source settings (its group is the shadow's)
   * @param spec the windows
   * @param influx where the primary writes (read back) and the side measurement's database
   * @param progress the primary's progress in that InfluxDB, shared with the fallback's source
   * @param model the model client, shared with the fallback
   * @param deadLetters counts the shadow's dead letters with the fallback's
   * @param loopSettings the fallback's loop settings; the shadow re-offers a held batch sooner
   * @param clock the clock
   * @return the shadow mode
   */
  static ShadowMode create(
      ShadowConfig config,
      KafkaSourceSettings kafka,
      WindowSpec spec,
      InfluxSettings influx,
      InfluxPrimaryProgress progress,
      ModelServiceClient model,
      DeadLetterMetrics deadLetters,
      LoopSettings loopSettings,
      InstantSource clock) {
    ShadowComparator comparator =
        new ShadowComparator(
            new ShadowComparator.Settings(
                spec.fieldNames(),
                influx.primaryField(),
                config.grace(),
                config.maxDifferingPercent() / 100.0,
                config.maxMissingPercent() / 100.0,
                config.logDifferences()),
            new ComparatorLog());
    InfluxShadowOutput output = InfluxShadowOutput.of(influx, progress);
    Optional<Sink<ScoredWindow>> side =
        config
            .measurement()
            .map(m -> InfluxSink.of(influx.toBuilder().measurement(m).build(), spec));
    BooleanSupplier budget = budget(config.maxModelCallsPerSecond(), kafka.batchTimeout());
    ShadowSampling sampling = new ShadowSampling(config.sampleEvery());
    WindowedModelProcessor scorer = WindowedModelProcessor.of(model);
    LoopSettings shadowLoop =
        new LoopSettings(
            loopSettings.commitInterval(), Duration.ofMillis(500), Duration.ofSeconds(2));
    FallbackListener events = new ShadowLoopLog();
    ShadowMode[] self = new ShadowMode[1];
    LoopRunner runner =
        LoopRunner.builder(
                () ->
                    new FallbackLoop<>(
                        deadLetters.attach(
                            KafkaBatchSource.builder(kafka, spec)
                                // resume where the shadow left off, not from the primary's
                                // checkpoint (no progress reader: nothing is skipped)
                                .preferOwnOffsets(true)
                                .clock(clock)
                                .build()),
                        new WindowStage(spec),
                        new ShadowProcessor(scorer, sampling, budget, comparator),
                        new ShadowSink(comparator, output, side, clock),
                        new FallbackListener() {
                          @Override
                          public void batchFailed(
                              Stage stage, Throwable error, int attempt, Duration backoff) {
                            events.batchFailed(stage, error, attempt, backoff);
                          }
                        },
                        clock,
                        shadowLoop))
            .listener(
                new FallbackListener() {
                  @Override
                  public void fallbackStopped(Throwable failure) {
                    self[0].loopStopped();
                  }

                  @Override
                  public void fallbackFailed(Throwable error, int attempt, Duration retryIn) {
                    events.fallbackFailed(error, attempt, retryIn);
                  }

                  @Override
                  public void activationFailed(Throwable error, int attempt, Duration retryIn) {
                    events.activationFailed(error, attempt, retryIn);
                  }
                })
            .clock(clock)
            .restartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60))
            .build();
    self[0] =
        new ShadowMode(
            runner, comparator, config, side.map(s -> (AutoCloseable) s).stream().toList());
    return self[0];
  }

  /**
   * The model-call budget: at most {@code perSecond} calls per second on average, granted in bursts
   * of one batch period (the batch timeout, at least 1 s), since a batch asks for all its calls at
   * once: a smooth limiter (permits 1/rate apart) granted about one call per batch, and a 1 s burst
   * only {@code perSecond} calls to a 30 s batch that holds thirty times as many windows.
   */
  static BooleanSupplier budget(int perSecond, Duration batchTimeout) {
    if (perSecond == 0) {
      return () -> true;
    }
    Duration period =
        batchTimeout.compareTo(Duration.ofSeconds(1)) > 0 ? batchTimeout : Duration.ofSeconds(1);
    long permits = Math.max(1, Math.round(perSecond * period.toMillis() / 1000.0));
    RateLimiter<Object> limiter = RateLimiter.burstyBuilder(permits, period).build();
    return limiter::tryAcquirePermit;
  }

  /** Starts the shadow loop (when the mode is PRIMARY). */
  synchronized void start() {
    if (closed) {
      return;
    }
    if (stopped.isDone()) {
      stopped = new CompletableFuture<>();
    }
    LOG.info(
        "Starting shadow: comparing {} windows with the primary's",
        config.sampleEvery() == 1 ? "all" : "one in " + config.sampleEvery() + " of the");
    runner.start();
  }

  /** Stops the shadow loop and waits until it has left the group (bounded). */
  void stopAndWait() {
    CompletableFuture<Void> done;
    synchronized (this) {
      FallbackActivity.State s = runner.status().state();
      if (s == FallbackActivity.State.NOT_STARTED || s == FallbackActivity.State.STOPPED) {
        return;
      }
      done = stopped;
      runner.stop();
    }
    try {
      done.get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info("Shadow stopped; the fallback takes over from its position");
    } catch (TimeoutException e) {
      LOG.warn("Shadow did not stop within {}; the fallback starts anyway", STOP_TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      // never completed exceptionally
    }
  }

  private void loopStopped() {
    CompletableFuture<Void> done;
    synchronized (this) {
      done = stopped;
    }
    done.complete(null);
  }

  /**
   * Stops the shadow while the fallback runs, and starts it again after.
   *
   * @return the listener to add to the supervisor's and fallback loop's listeners
   */
  FallbackListener sequencing() {
    return new FallbackListener() {
      @Override
      public void fallbackStarting() {
        stopAndWait();
      }

      @Override
      public void fallbackStopped(Throwable failure) {
        start();
      }

      @Override
      public void fallbackFailed(Throwable error, int attempt, Duration retryIn) {
        // the fallback retries on its own backoff and still owns the group: no shadow meanwhile
      }
    };
  }

  /**
   * The counts so far.
   *
   * @return the comparator's report
   */
  Report report() {
    return comparator.report();
  }

  /**
   * The {@code shadow} section of {@code /status}.
   *
   * @return the JSON
   */
  JsonNode statusJson() {
    Report r = comparator.report();
    ObjectNode n = JSON.createObjectNode();
    n.put("loop", runner.status().state().name().toLowerCase(Locale.ROOT));
    n.put("sample_every", config.sampleEvery());
    n.put("compared", r.compared());
    n.put("equal", r.equal());
    n.put("differing", r.differing());
    n.put("missing", r.missing());
    n.put("confirmed_unscored", r.confirmed());
    n.put("own", r.own());
    n.put("over_budget", r.overBudget());
    n.put("pending", r.pending());
    n.put("oldest_pending_at", r.oldestPending().map(Instant::toString).orElse(null));
    n.put("differing_ratio", r.differingRatio());
    n.put("missing_ratio", r.missingRatio());
    n.put("alerting", r.alerting());
    ArrayNode diffs = n.putArray("first_differences");
    for (ShadowComparator.Difference d : r.firstDifferences()) {
      ObjectNode o = diffs.addObject();
      o.put("key", d.key());
      o.put("window_start", Instant.ofEpochMilli(d.windowStart()).toString());
      o.put("window_end", Instant.ofEpochMilli(d.windowEnd()).toString());
      d.fields().forEach(o.putArray("fields")::add);
    }
    return n;
  }

  /** Stops the shadow for good (shutdown), waiting for it to commit and leave. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    runner.close(STOP_TIMEOUT);
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception e) {
        LOG.warn("Error closing {}: {}", r, e.toString());
      }
    }
  }

  /** The comparator's events as log lines. */
  private static final class ComparatorLog implements ShadowComparator.Listener {
    @Override
    public void difference(ShadowComparator.Difference d) {
      LOG.warn(
          "Shadow difference: key={} window=[{}, {}) {}",
          d.key(),
          Instant.ofEpochMilli(d.windowStart()),
          Instant.ofEpochMilli(d.windowEnd()),
          String.join("; ", d.fields()));
    }

    @Override
    public void alert(boolean alerting, Report r) {
      String counts =
          String.format(
              Locale.ROOT,
              "%d of %d compared windows differ (%.1f%%), %d missing (%.1f%%)",
              r.differing(),
              r.compared(),
              r.differingRatio() * 100,
              r.missing(),
              r.missingRatio() * 100);
      if (alerting) {
        LOG.warn("Shadow: the fallback would not produce what the primary produces: {}", counts);
      } else {
        LOG.info("Shadow: back within the thresholds: {}", counts);
      }
    }
  }

  /** The shadow loop's failures: a batch waiting for the primary is normal, the rest is logged. */
  private static final class ShadowLoopLog implements FallbackListener {
    @Override
    public void batchFailed(Stage stage, Throwable error, int attempt, Duration backoff) {
      if (error instanceof ShadowSink.PrimaryNotYetWritten) {
        LOG.debug("{}", error.getMessage());
      } else if (attempt == 1 || attempt % 10 == 0) {
        LOG.warn("Shadow batch failed at {} (attempt {}): {}", stage, attempt, error.toString());
      }
    }

    @Override
    public void fallbackFailed(Throwable error, int attempt, Duration retryIn) {
      LOG.warn("Shadow loop failed (attempt {}): {}; retrying in {}", attempt, error, retryIn);
    }

    @Override
    public void activationFailed(Throwable error, int attempt, Duration retryIn) {
      LOG.warn("Shadow failed to start (attempt {}): {}; retrying in {}", attempt, error, retryIn);
    }
  }
}
