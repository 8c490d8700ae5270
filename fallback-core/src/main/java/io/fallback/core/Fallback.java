package io.fallback.core;

import io.fallback.core.loop.FallbackLoop;
import io.fallback.core.loop.LoopSettings;
import io.fallback.core.mode.ModeOverride;
import io.fallback.core.mode.ModePolicy;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Observation;
import io.fallback.core.supervisor.FallbackActivity;
import io.fallback.core.supervisor.FallbackSupervisor;
import io.fallback.core.supervisor.LoopRunner;
import io.fallback.core.supervisor.Scheduler;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.core.window.WindowStage;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The front door for embedding: wires a latency source, a health probe, a record source, a
 * processor and a sink into a supervised fallback, without YAML. The launcher ({@code java -jar
 * fallback-launcher.jar run}) builds its fallback through this class too, so there is one wiring
 * path.
 *
 * <pre>{@code
 * Fallback fallback =
 *     Fallback.builder()
 *         .latencySource(lag)                 // how far behind the primary is
 *         .healthProbe(flink)                 // whether the primary runs
 *         .source(() -> kafkaSource())        // a fresh source for each activation
 *         .processor(model)                   // completed windows -> outputs
 *         .sink(influx)                       // outputs -> the destination
 *         .policy(ModePolicy.of(Duration.ofSeconds(30), 3))
 *         .listener(myListener)
 *         .build();
 * fallback.start();
 * ...
 * fallback.close();
 * }</pre>
 *
 * <p>What runs: a {@link FallbackSupervisor} checks the primary every {@link
 * Builder#checkInterval}; when the {@link io.fallback.core.mode.ModeStateMachine} switches to
 * fallback, a {@link LoopRunner} builds a {@link FallbackLoop} from a new source (poll, window,
 * process, write, commit) and keeps it running, with a restart backoff, until the mode is primary
 * again.
 *
 * <p>Ownership: threads this class creates (a scheduler {@code fallback-supervisor}, a probe pool
 * {@code fallback-probe} and the loop thread {@code fallback-loop}) are shut down by {@link
 * #close()}; executors and schedulers passed to the builder are never shut down. The adapters
 * (source, processor, sink, probes) belong to the caller, who closes them after {@link #close()}.
 *
 * <p>This class is thread-safe.
 */
public final class Fallback implements AutoCloseable {

  private static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final FallbackSupervisor supervisor;
  private final LoopRunner runner;
  private final List<ExecutorService> owned;
  private final Duration closeTimeout;
  private boolean started;
  private boolean closed;

  private Fallback(Builder<?> b, FallbackSupervisor supervisor, LoopRunner runner) {
    this.supervisor = supervisor;
    this.runner = runner;
    this.owned = List.copyOf(b.owned);
    this.closeTimeout = b.closeTimeout;
  }

  /**
   * A builder. Set the processor before the sink: the processor fixes the output type.
   *
   * @return a new builder
   */
  public static Builder<Object> builder() {
    return new Builder<>();
  }

  /**
   * Starts the checks: the first at once, then every check interval. The fallback loop starts when
   * the mode first switches to fallback.
   *
   * @throws IllegalStateException if already started or closed
   */
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("the fallback is closed");
    }
    if (started) {
      throw new IllegalStateException("the fallback is already started");
    }
    started = true;
    supervisor.start();
  }

  /**
   * The current mode, its counters and the last transition.
   *
   * @return the state
   */
  public ModeState state() {
    return supervisor.state();
  }

  /**
   * The latest check's observation, if a check completed.
   *
   * @return the observation
   */
  public Optional<Observation> lastObservation() {
    return supervisor.lastObservation();
  }

  /**
   * What the fallback loop is doing (not started, running, failing with a retry pending, stopped).
   *
   * @return the loop's status
   */
  public FallbackActivity.Status loopStatus() {
    return runner.status();
  }

  /**
   * Applies an operator override (force fallback, force primary, back to automatic).
   *
   * @param override the override
   * @return the state after it
   */
  public ModeState override(ModeOverride override) {
    return supervisor.override(override);
  }

  /**
   * The supervisor inside, for callers that need the component itself (the launcher's status
   * endpoint). Do not start or close it: this object does.
   *
   * @return the supervisor
   */
  public FallbackSupervisor supervisor() {
    return supervisor;
  }

  /**
   * Closes with the builder's close timeout (default 30 s). Idempotent.
   *
   * @see #close(Duration)
   */
  @Override
  public void close() {
    close(closeTimeout);
  }

  /**
   * Stops the checks, stops the fallback loop (it finishes or abandons the batch in flight and
   * commits what was written), waits up to {@code timeout} for it, then shuts down the threads this
   * object created. Idempotent: a second call returns true at once.
   *
   * @param timeout how long to wait for the loop
   * @return true if the loop finished within the timeout (a batch still failing at the timeout is
   *     abandoned uncommitted, so a restart reads it again)
   */
  public boolean close(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    synchronized (this) {
      if (closed) {
        return true;
      }
      closed = true;
    }
    supervisor.close();
    boolean finished = runner.close(timeout);
    owned.forEach(ExecutorService::shutdownNow);
    for (ExecutorService e : owned) {
      try {
        e.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return finished;
  }

  /**
   * Builds a {@link Fallback}. Required: {@link #latencySource}, {@link #healthProbe}, {@link
   * #source}, {@link #processor} and {@link #sink}; everything else has a default. Not thread-safe.
   *
   * @param <O> the output type, fixed by {@link #processor}
   */
  public static final class Builder<O> {
    private LatencySource latencySource;
    private HealthProbe healthProbe;
    private Supplier<? extends BatchSource<Reading>> sources;
    private BatchProcessor<WindowResult, ?> processor;
    private Sink<?> sink;
    private WindowSpec windowSpec = WindowSpec.ofDefaults();
    private ModePolicy policy = ModePolicy.ofDefaults();
    private LoopSettings loopSettings = LoopSettings.ofDefaults();
    private Duration checkInterval = Duration.ofSeconds(60);
    private Duration probeTimeout = Duration.ofSeconds(10);
    private Duration initialRestartBackoff = Duration.ofSeconds(1);
    private Duration maxRestartBackoff = Duration.ofSeconds(60);
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private InstantSource clock = InstantSource.system();
    private Scheduler scheduler;
    private Executor probeExecutor;
    private Executor loopExecutor;
    private final List<FallbackListener> listeners = new ArrayList<>();
    private final List<Consumer<FallbackSupervisor.Builder>> supervisorOptions = new ArrayList<>();
    private final List<ExecutorService> owned = new ArrayList<>();

    private Builder() {}

    /**
     * How far behind the primary is (required).
     *
     * @param source the latency source
     * @return this
     */
    public Builder<O> latencySource(LatencySource source) {
      this.latencySource = Objects.requireNonNull(source, "source");
      return this;
    }

    /**
     * Whether the primary is up (required).
     *
     * @param probe the health probe
     * @return this
     */
    public Builder<O> healthProbe(HealthProbe probe) {
      this.healthProbe = Objects.requireNonNull(probe, "probe");
      return this;
    }

    /**
     * Where the fallback reads records (required). Called on the loop thread at each activation and
     * after each failed run: every call must return a new, unopened source. It may throw; that
     * counts as a failed activation and is retried with the restart backoff.
     *
     * @param sources creates a new source
     * @return this
     */
    public Builder<O> source(Supplier<? extends BatchSource<Reading>> sources) {
      this.sources = Objects.requireNonNull(sources, "sources");
      return this;
    }

    /**
     * Turns completed windows into outputs (required). Fixes the output type: call it before {@link
     * #sink}.
     *
     * @param processor the processor
     * @param <T> the output type
     * @return this builder, typed by the processor's output
     */
    @SuppressWarnings("unchecked")
    public <T> Builder<T> processor(BatchProcessor<WindowResult, T> processor) {
      this.processor = Objects.requireNonNull(processor, "processor");
      return (Builder<T>) this;
    }

    /**
     * Where outputs go (required). Shared by every loop; not closed by {@link Fallback}.
     *
     * @param sink the sink
     * @return this
     */
    public Builder<O> sink(Sink<O> sink) {
      this.sink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /**
     * The windows (default {@link WindowSpec#ofDefaults()}).
     *
     * @param spec window size, allowed lateness and field names
     * @return this
     */
    public Builder<O> windowSpec(WindowSpec spec) {
      this.windowSpec = Objects.requireNonNull(spec, "spec");
      return this;
    }

    /**
     * The mode rules (default {@link ModePolicy#ofDefaults()}).
     *
     * @param policy thresholds, consecutive violations, cool-down
     * @return this
     */
    public Builder<O> policy(ModePolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Commit interval and held-batch backoff of the loop (default {@link
     * LoopSettings#ofDefaults()}).
     *
     * @param settings the loop's timing
     * @return this
     */
    public Builder<O> loopSettings(LoopSettings settings) {
      this.loopSettings = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /**
     * Time between checks (default 60 s).
     *
     * @param interval positive
     * @return this
     */
    public Builder<O> checkInterval(Duration interval) {
      this.checkInterval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    /**
     * Bound of each probe and latency call (default 10 s).
     *
     * @param timeout positive
     * @return this
     */
    public Builder<O> probeTimeout(Duration timeout) {
      this.probeTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Backoff between attempts after a failed activation or loop (default 1 s doubling to 60 s).
     *
     * @param initial the first wait, positive
     * @param max the longest wait, {@code >= initial}
     * @return this
     */
    public Builder<O> restartBackoff(Duration initial, Duration max) {
      this.initialRestartBackoff = Objects.requireNonNull(initial, "initial");
      this.maxRestartBackoff = Objects.requireNonNull(max, "max");
      return this;
    }

    /**
     * How long {@link Fallback#close()} waits for the loop (default 30 s).
     *
     * @param timeout positive
     * @return this
     */
    public Builder<O> closeTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("closeTimeout must be > 0, but was " + timeout);
      }
      this.closeTimeout = timeout;
      return this;
    }

    /**
     * The application's one clock (default the system clock).
     *
     * @param clock the clock
     * @return this
     */
    public Builder<O> clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Runs the checks, probe timeouts and loop retry timers (default: an owned single thread,
     * {@code fallback-supervisor}). Not shut down by {@link Fallback}.
     *
     * @param scheduler the scheduler, for example a {@link
     *     io.fallback.core.supervisor.ManualScheduler} in tests
     * @return this
     */
    public Builder<O> scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Runs the probe and latency calls (default: an owned pool of daemon threads, {@code
     * fallback-probe}). Not shut down by {@link Fallback}.
     *
     * @param executor the executor; a direct executor ({@code Runnable::run}) in virtual-time tests
     * @return this
     */
    public Builder<O> probeExecutor(Executor executor) {
      this.probeExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Runs the fallback loop (default: an owned thread, {@code fallback-loop}). The loop occupies
     * its thread until stopped, so this must not be a direct executor on the scheduler's thread.
     * Not shut down by {@link Fallback}.
     *
     * @param executor the executor
     * @return this
     */
    public Builder<O> loopExecutor(Executor executor) {
      this.loopExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Adds a listener (mode changes, checks, batches, failures); listeners are called in the order
     * added. See {@link FallbackListener} for the threads they are called on.
     *
     * @param listener the listener
     * @return this
     */
    public Builder<O> listener(FallbackListener listener) {
      this.listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Sets options of the supervisor that this builder does not name. Applied after this builder's
     * own settings, so an option set here wins.
     *
     * @param option for example {@code b -> b.checkInterval(Duration.ofSeconds(5))}
     * @return this
     */
    public Builder<O> supervisorOption(Consumer<FallbackSupervisor.Builder> option) {
      this.supervisorOptions.add(Objects.requireNonNull(option, "option"));
      return this;
    }

    /**
     * Builds the fallback (not started).
     *
     * @return the fallback
     * @throws NullPointerException if a required component is missing
     * @throws IllegalArgumentException for a bad interval, timeout or backoff
     */
    public Fallback build() {
      Objects.requireNonNull(latencySource, "latencySource");
      Objects.requireNonNull(healthProbe, "healthProbe");
      Objects.requireNonNull(sources, "source");
      Objects.requireNonNull(processor, "processor");
      Objects.requireNonNull(sink, "sink");
      FallbackListener listener = compose(List.copyOf(listeners));
      owned.clear();
      Scheduler timers = scheduler;
      if (timers == null) {
        ScheduledExecutorService thread =
            Executors.newSingleThreadScheduledExecutor(daemon("fallback-supervisor"));
        owned.add(thread);
        timers = Scheduler.of(thread);
      }
      Executor probes = probeExecutor;
      if (probes == null) {
        ExecutorService pool = Executors.newCachedThreadPool(daemon("fallback-probe"));
        owned.add(pool);
        probes = pool;
      }
      LoopRunner.Builder runnerBuilder =
          LoopRunner.builder(loopFactory(listener))
              .listener(listener)
              .clock(clock)
              .restartBackoff(initialRestartBackoff, maxRestartBackoff);
      if (loopExecutor != null) {
        runnerBuilder.executor(loopExecutor, timers);
      }
      LoopRunner runner = runnerBuilder.build();
      FallbackSupervisor.Builder sb =
          FallbackSupervisor.builder()
              .policy(policy)
              .latencySource(latencySource)
              .healthProbe(healthProbe)
              .activity(runner)
              .listener(listener)
              .clock(clock)
              .scheduler(timers)
              .probeExecutor(probes)
              .checkInterval(checkInterval)
              .probeTimeout(probeTimeout);
      supervisorOptions.forEach(o -> o.accept(sb));
      FallbackSupervisor supervisor;
      try {
        supervisor = sb.build();
      } catch (RuntimeException e) {
        runner.close(Duration.ZERO);
        owned.forEach(ExecutorService::shutdownNow);
        throw e;
      }
      return new Fallback(this, supervisor, runner);
    }

    @SuppressWarnings("unchecked")
    private Supplier<FallbackLoop<?>> loopFactory(FallbackListener listener) {
      BatchProcessor<WindowResult, Object> p = (BatchProcessor<WindowResult, Object>) processor;
      Sink<Object> s = (Sink<Object>) sink;
      Supplier<? extends BatchSource<Reading>> src = sources;
      WindowSpec spec = windowSpec;
      InstantSource c = clock;
      LoopSettings settings = loopSettings;
      return () ->
          new FallbackLoop<>(
              Objects.requireNonNull(src.get(), "the source supplier returned null"),
              new WindowStage(spec),
              p,
              s,
              listener,
              c,
              settings);
    }

    private static ThreadFactory daemon(String name) {
      return r -> {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
      };
    }
  }

  /**
   * One listener that forwards every {@link FallbackListener} method, in order, to each of {@code
   * listeners}; one that throws a {@link RuntimeException} does not stop the others. A dynamic
   * proxy, so a method added to the interface later is forwarded too.
   */
  private static FallbackListener compose(List<FallbackListener> listeners) {
    if (listeners.isEmpty()) {
      return FallbackListener.NONE;
    }
    if (listeners.size() == 1) {
      return listeners.get(0);
    }
    InvocationHandler forward =
        (proxy, method, args) -> {
          if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
              case "equals" -> proxy == args[0];
              case "hashCode" -> System.identityHashCode(proxy);
              default -> "FallbackListener" + listeners;
            };
          }
          for (FallbackListener l : listeners) {
            try {
              method.invoke(l, args);
            } catch (InvocationTargetException e) {
              if (e.getCause() instanceof Error err) {
                throw err;
              }
              // a RuntimeException from a listener is dropped (FallbackListener contract)
            }
          }
          return null;
        };
    return (FallbackListener)
        Proxy.newProxyInstance(
            FallbackListener.class.getClassLoader(),
            new Class<?>[] {FallbackListener.class},
            forward);
  }
}
