package io.fallback.core.supervisor;

import static io.fallback.core.internal.Listeners.notifySafely;
import static io.fallback.core.internal.Throwables.rootMessage;

import io.fallback.core.FallbackListener;
import io.fallback.core.Health;
import io.fallback.core.HealthProbe;
import io.fallback.core.LatencySource;
import io.fallback.core.mode.Cause;
import io.fallback.core.mode.Decision;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeOverride;
import io.fallback.core.mode.ModePolicy;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.ModeStateMachine;
import io.fallback.core.mode.Observation;
import io.fallback.core.mode.Step;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the checks, feeds the {@link ModeStateMachine}, and starts and stops the fallback.
 *
 * <p>Every {@code checkInterval} it takes one check: the latency source and the health probe are
 * called on the probe executor, and each is bounded by {@code probeTimeout} through a timer on the
 * scheduler: a health probe that has not answered counts as unhealthy ("probe timed out"), a
 * latency read that has not answered (or failed) as no evidence. A probe still hanging from an
 * earlier check is not called again (the check waits for it, up to the timeout), so hung probes
 * cannot pile up threads. A probe or latency source that throws (anything, an {@link Error}
 * included) is reported ({@link FallbackListener#probeFailed}) and counts as unhealthy or no
 * evidence.
 *
 * <p>A check that finds a health probe in flight takes that probe's answer instead of calling the
 * probe again (a hung probe then times out for the check as well).
 *
 * <p>With fast confirmation on ({@link ModePolicy#healthConfirmations()} above 0 and a {@code
 * healthCheckInterval}), the health probe is also called on its own, every health check interval
 * between the checks, and each reading goes to {@link ModeStateMachine#observeHealth}: a primary
 * that is plainly down is confirmed by a few cheap probes instead of waiting for the latency rule's
 * checks. A health probe still in flight (from a check or an earlier probe) is not called again:
 * that tick is skipped; a probe whose answer a check took is counted once, as the check's. Each
 * probe is bounded by {@code probeTimeout} and counts as unhealthy when it has not answered.
 *
 * <p>Failures are reported, never swallowed: a check that cannot be taken is reported as {@link
 * FallbackListener#checkFailed} and checks go on. While the mode is fallback, an activity that
 * ended on its own ({@link FallbackActivity.State#STOPPED}) is started again at the next check; one
 * that is {@link FallbackActivity.State#FAILING} retries on its own backoff and is left alone, so a
 * failing activation does not turn into a restart (and a {@code Starting Dask fallback
 * processor...} line) at every check.
 *
 * <p>Clock, scheduler and probe executor are injected, so tests run in virtual time with {@link
 * ManualScheduler} and a direct executor. The supervisor never shuts down what it was given.
 *
 * <p>This class is thread-safe.
 */
public final class FallbackSupervisor implements AutoCloseable {

  private final ModeStateMachine machine;
  private final LatencySource latencySource;
  private final HealthProbe healthProbe;
  private final FallbackActivity activity;
  private final FallbackListener listener;
  private final InstantSource clock;
  private final Scheduler scheduler;
  private final Executor probeExecutor;
  private final Duration checkInterval;
  private final Duration probeTimeout;
  private final Optional<Duration> healthCheckInterval;
  private final ModeAuthority authority;

  private ModeState state;
  private Observation lastObservation;
  private Scheduler.Cancellable schedule;
  private Scheduler.Cancellable healthSchedule;
  private CompletableFuture<Optional<Duration>> latencyInFlight;
  private CompletableFuture<Health> healthInFlight;
  private CompletableFuture<Health> claimedByCheck;
  private int startFailures;
  private long adoptedEpoch;
  private boolean closed;

  private FallbackSupervisor(Builder b) {
    this.machine = new ModeStateMachine(Objects.requireNonNull(b.policy, "policy"));
    this.latencySource = Objects.requireNonNull(b.latencySource, "latencySource");
    this.healthProbe = Objects.requireNonNull(b.healthProbe, "healthProbe");
    this.activity = Objects.requireNonNull(b.activity, "activity");
    this.listener = Objects.requireNonNull(b.listener, "listener");
    this.clock = Objects.requireNonNull(b.clock, "clock");
    this.scheduler = Objects.requireNonNull(b.scheduler, "scheduler");
    this.probeExecutor = Objects.requireNonNull(b.probeExecutor, "probeExecutor");
    this.checkInterval = Objects.requireNonNull(b.checkInterval, "checkInterval");
    this.probeTimeout = Objects.requireNonNull(b.probeTimeout, "probeTimeout");
    if (checkInterval.isNegative() || checkInterval.isZero()) {
      throw new IllegalArgumentException(
          "monitoring.check_interval_seconds must be > 0, but was "
              + checkInterval.toMillis() / 1000.0);
    }
    if (probeTimeout.isNegative() || probeTimeout.isZero()) {
      throw new IllegalArgumentException(
          "monitoring.probe_timeout_seconds must be > 0, but was "
              + probeTimeout.toMillis() / 1000.0);
    }
    this.healthCheckInterval = Optional.ofNullable(b.healthCheckInterval);
    this.authority = b.authority;
    healthCheckInterval.ifPresent(
        interval -> {
          if (interval.isNegative()
              || interval.isZero()
              || interval.compareTo(checkInterval) >= 0) {
            throw new IllegalArgumentException(
                "monitoring.health_check_interval_seconds must be > 0 and < "
                    + "monitoring.check_interval_seconds ("
                    + checkInterval.toMillis() / 1000.0
                    + "), but was "
                    + interval.toMillis() / 1000.0);
          }
          if (!machine.policy().confirmsHealthFast()) {
            throw new IllegalArgumentException(
                "monitoring.health_check_interval_seconds needs monitoring.health_confirmations"
                    + " >= 1, but it was 0");
          }
        });
    this.state = ModeState.initial(clock.instant());
  }

  /**
   * A builder; every component is required except the listener.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Schedules the checks: the first one at once, then every check interval.
   *
   * @throws IllegalStateException if already started or closed
   */
  public synchronized void start() {
    if (schedule != null || closed) {
      throw new IllegalStateException("supervisor already started or closed");
    }
    notifySafely(listener::monitorStarted);
    schedule = scheduler.scheduleAtFixedRate(this::checkSafely, Duration.ZERO, checkInterval);
    healthCheckInterval.ifPresent(
        interval ->
            healthSchedule = scheduler.scheduleAtFixedRate(this::probeSafely, interval, interval));
  }

  /**
   * The health check interval of the fast confirmation, when it is on.
   *
   * @return the interval between health-only probes
   */
  public Optional<Duration> healthCheckInterval() {
    return healthCheckInterval;
  }

  /**
   * The current state.
   *
   * @return the state
   */
  public synchronized ModeState state() {
    return state;
  }

  /**
   * The last evaluated check, if any.
   *
   * @return the observation
   */
  public synchronized Optional<Observation> lastObservation() {
    return Optional.ofNullable(lastObservation);
  }

  /**
   * Applies an operator's override at once.
   *
   * @param override FORCE_FALLBACK, FORCE_PRIMARY or AUTO
   * @return the state after the override
   */
  public synchronized ModeState override(ModeOverride override) {
    Step step = machine.override(state, override, clock.instant());
    if (authority != null && !(authority.deciding() && published(step))) {
      // a follower, or a decider just fenced: the decider publishes it
      authority.request(override);
      return state;
    }
    apply(step);
    return state;
  }

  /**
   * Takes a decision of the group this instance belongs to (see {@link ModeAuthority}): the mode
   * and override switch as decided, counters start again, and the fallback starts or stops. A
   * decision with an epoch not above the newest taken is ignored, so a late delivery never undoes a
   * newer one.
   *
   * @param epoch the decision's epoch
   * @param mode the decided mode
   * @param override the override in force
   * @param cause why the decider switched
   * @param detail the decider's observations
   * @return true when taken, false when not newer (or closed)
   */
  public synchronized boolean adopt(
      long epoch, Mode mode, ModeOverride override, Cause cause, String detail) {
    if (closed || epoch <= adoptedEpoch) {
      return false;
    }
    adoptedEpoch = epoch;
    apply(machine.adopt(state, mode, override, cause, detail, clock.instant()));
    return true;
  }

  /**
   * Publishes the current mode as a decision without a switch: what a newly elected decider does
   * first, so that the group's epochs continue under it. Does nothing without an authority or while
   * this instance does not decide.
   *
   * @return the epoch published, empty when nothing was published
   */
  public synchronized OptionalLong restate() {
    if (closed || authority == null || !authority.deciding()) {
      return OptionalLong.empty();
    }
    OptionalLong epoch = authority.publish(state, Optional.empty());
    epoch.ifPresent(e -> adoptedEpoch = Math.max(adoptedEpoch, e));
    return epoch;
  }

  /**
   * The epoch of the newest group decision this supervisor took or published; 0 without a group.
   *
   * @return the epoch
   */
  public synchronized long adoptedEpoch() {
    return adoptedEpoch;
  }

  /**
   * Stops scheduling checks and stops the fallback if it runs. Does not wait for the loop; whoever
   * owns the activity waits for it (for example {@link LoopRunner#close(Duration)}). Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (schedule != null) {
      schedule.cancel();
    }
    if (healthSchedule != null) {
      healthSchedule.cancel();
    }
    if (state.mode() == Mode.FALLBACK || activityStarted()) {
      notifySafely(listener::fallbackStopping);
      activity.stop();
    }
  }

  private void checkSafely() {
    try {
      check();
    } catch (Throwable e) {
      // a task that throws under a fixed-rate schedule is never run again: report and keep checking
      notifySafely(() -> listener.checkFailed(e));
    }
  }

  /** Starts one check; it is evaluated when both readings are in or at the timeout. */
  private void check() {
    Instant at = clock.instant();
    CompletableFuture<Optional<Duration>> latency;
    CompletableFuture<Health> health;
    synchronized (this) {
      if (closed) {
        return;
      }
      latency =
          inFlight(latencyInFlight)
              ? new CompletableFuture<>()
              : CompletableFuture.supplyAsync(latencySource::currentLatency, probeExecutor)
                  .exceptionally(
                      e -> {
                        probeFailed(latencySource.name(), e);
                        return Optional.empty();
                      });
      if (inFlight(healthInFlight)) {
        // a probe of the fast confirmation (or a hung one) is answering: the check takes its answer
        // (or times out with it) and that probe is not counted a second time on its own
        health = healthInFlight;
        claimedByCheck = health;
      } else {
        health = healthCall();
      }
      if (!inFlight(latencyInFlight)) {
        latencyInFlight = latency;
      }
      if (!inFlight(healthInFlight)) {
        healthInFlight = health;
      }
    }
    AtomicBoolean evaluated = new AtomicBoolean();
    Scheduler.Cancellable timeout =
        scheduler.schedule(() -> evaluateSafely(at, latency, health, evaluated), probeTimeout);
    CompletableFuture.allOf(latency, health)
        .whenComplete(
            (ignored, error) -> {
              timeout.cancel();
              evaluateSafely(at, latency, health, evaluated);
            });
  }

  private void probeSafely() {
    try {
      probeHealth();
    } catch (Throwable e) {
      notifySafely(() -> listener.checkFailed(e));
    }
  }

  /**
   * One health-only probe of the fast confirmation, evaluated when it answers or at the timeout.
   */
  private void probeHealth() {
    Instant at = clock.instant();
    CompletableFuture<Health> health;
    synchronized (this) {
      if (closed || inFlight(healthInFlight)) {
        return;
      }
      health = healthCall();
      healthInFlight = health;
    }
    AtomicBoolean evaluated = new AtomicBoolean();
    Runnable evaluate =
        () -> {
          try {
            evaluateProbe(at, health, evaluated);
          } catch (Throwable e) {
            notifySafely(() -> listener.checkFailed(e));
          }
        };
    Scheduler.Cancellable timeout = scheduler.schedule(evaluate, probeTimeout);
    health.whenComplete(
        (ignored, error) -> {
          timeout.cancel();
          evaluate.run();
        });
  }

  private void evaluateProbe(Instant at, CompletableFuture<Health> health, AtomicBoolean once) {
    if (!once.compareAndSet(false, true)) {
      return;
    }
    Health h = answered(health);
    synchronized (this) {
      if (closed || claimedByCheck == health) {
        return; // the check that took this answer counts it
      }
      Step step = machine.observeHealth(state, at, h);
      ModeState after = step.state();
      notifySafely(() -> listener.healthProbed(at, h, step.verdict(), after));
      applyOwn(step);
    }
  }

  /** Calls the health probe on the probe executor; one that throws reads as unhealthy. */
  private CompletableFuture<Health> healthCall() {
    return CompletableFuture.supplyAsync(healthProbe::check, probeExecutor)
        .exceptionally(
            e -> {
              probeFailed(healthProbe.name(), e);
              return Health.unhealthy("probe failed: " + reason(e));
            });
  }

  /** The probe's answer, or unhealthy when it has not answered in time or answered null. */
  private Health answered(CompletableFuture<Health> health) {
    Health h =
        health.getNow(
            Health.unhealthy(
                healthProbe.name() + " timed out after " + probeTimeout.toMillis() / 1000.0 + "s"));
    return h == null ? Health.unhealthy(healthProbe.name() + " returned null") : h;
  }

  private void probeFailed(String probe, Throwable e) {
    Throwable cause = unwrap(e);
    notifySafely(() -> listener.probeFailed(probe, cause));
  }

  /**
   * Evaluates a check, reporting instead of throwing: it runs in a timer task or a probe's
   * callback.
   */
  private void evaluateSafely(
      Instant at,
      CompletableFuture<Optional<Duration>> latency,
      CompletableFuture<Health> health,
      AtomicBoolean evaluated) {
    try {
      evaluate(at, latency, health, evaluated);
    } catch (Throwable e) {
      notifySafely(() -> listener.checkFailed(e));
    }
  }

  private void evaluate(
      Instant at,
      CompletableFuture<Optional<Duration>> latency,
      CompletableFuture<Health> health,
      AtomicBoolean evaluated) {
    if (!evaluated.compareAndSet(false, true)) {
      return;
    }
    Optional<Duration> l = latency.getNow(Optional.empty());
    Health h = answered(health);
    if (l == null) {
      l = Optional.empty();
    }
    Observation observation = new Observation(at, l, h);
    synchronized (this) {
      if (closed) {
        return;
      }
      lastObservation = observation;
      Step step = machine.observe(state, observation);
      ModeState after = step.state();
      notifySafely(() -> listener.checkCompleted(observation, step.verdict(), after));
      applyOwn(step);
      if (state.mode() == Mode.FALLBACK && step.decision() == Decision.NONE && !activityStarted()) {
        if (startFailures == 0) {
          // the activity ended on its own while fallback is still wanted: a new run
          notifySafely(listener::fallbackStarting);
        }
        startActivity();
      }
    }
  }

  /**
   * Whether the activity was started and not stopped: running, or failing with a retry of its own
   * pending. Caller holds the lock.
   */
  private boolean activityStarted() {
    FallbackActivity.State s = activity.status().state();
    return s == FallbackActivity.State.RUNNING || s == FallbackActivity.State.FAILING;
  }

  /**
   * Starts the activity. One whose {@code start()} throws (against its contract) is reported as a
   * failed activation and started again at the next check. Caller holds the lock.
   */
  private void startActivity() {
    try {
      activity.start();
      startFailures = 0;
    } catch (Throwable e) {
      int attempt = ++startFailures;
      notifySafely(() -> listener.activationFailed(e, attempt, checkInterval));
    }
  }

  /**
   * Applies a step of this instance's own rules. In a group, a switch takes effect only on the
   * decider and once published; elsewhere only the counters move. Caller holds the lock.
   */
  private void applyOwn(Step step) {
    if (authority == null) {
      apply(step);
    } else if (step.transition().isEmpty()) {
      state = step.state();
    } else if (authority.deciding() && published(step)) {
      apply(step);
    }
  }

  /** Publishes a step through the authority; records its epoch. Caller holds the lock. */
  private boolean published(Step step) {
    OptionalLong epoch = authority.publish(step.state(), step.transition());
    epoch.ifPresent(e -> adoptedEpoch = Math.max(adoptedEpoch, e));
    return epoch.isPresent();
  }

  /** Applies a step's state and decision. Caller holds the lock. */
  private void apply(Step step) {
    state = step.state();
    step.transition().ifPresent(t -> notifySafely(() -> listener.transitioned(t)));
    if (step.decision() == Decision.START_FALLBACK) {
      startFailures = 0;
      notifySafely(listener::fallbackStarting);
      startActivity();
    } else if (step.decision() == Decision.STOP_FALLBACK) {
      startFailures = 0;
      notifySafely(listener::fallbackStopping);
      activity.stop();
    }
  }

  private static boolean inFlight(CompletableFuture<?> f) {
    return f != null && !f.isDone();
  }

  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * The reason shown for a probe that threw: the root cause's message for an exception; the error
   * itself, type included, for an {@link Error} (a bare "org/apache/avro/SchemaParseException" says
   * nothing without "NoClassDefFoundError").
   */
  private static String reason(Throwable e) {
    Throwable top = unwrap(e);
    if (!(top instanceof Exception)) {
      return top.toString();
    }
    return rootMessage(top);
  }

  /** Builds a {@link FallbackSupervisor}. Not thread-safe. */
  public static final class Builder {
    private ModePolicy policy = ModePolicy.ofDefaults();
    private LatencySource latencySource;
    private HealthProbe healthProbe;
    private FallbackActivity activity;
    private FallbackListener listener = FallbackListener.NONE;
    private InstantSource clock;
    private Scheduler scheduler;
    private Executor probeExecutor;
    private Duration checkInterval = Duration.ofSeconds(60);
    private Duration probeTimeout = Duration.ofSeconds(10);
    private Duration healthCheckInterval;
    private ModeAuthority authority;

    private Builder() {}

    /**
     * Makes this supervisor one of a group of instances that share the work: its own rules take
     * effect only while it decides, and it follows the group's decisions through {@link
     * FallbackSupervisor#adopt}.
     *
     * @param authority the group's decider election and decision log; null for a lone instance (the
     *     default)
     * @return this
     */
    public Builder authority(ModeAuthority authority) {
      this.authority = authority;
      return this;
    }

    /**
     * @param policy the mode rules @return this
     */
    public Builder policy(ModePolicy policy) {
      this.policy = policy;
      return this;
    }

    /**
     * @param source the primary's latency @return this
     */
    public Builder latencySource(LatencySource source) {
      this.latencySource = source;
      return this;
    }

    /**
     * @param probe the primary's health @return this
     */
    public Builder healthProbe(HealthProbe probe) {
      this.healthProbe = probe;
      return this;
    }

    /**
     * @param activity what fallback mode runs @return this
     */
    public Builder activity(FallbackActivity activity) {
      this.activity = activity;
      return this;
    }

    /**
     * @param listener receives events @return this
     */
    public Builder listener(FallbackListener listener) {
      this.listener = listener;
      return this;
    }

    /**
     * @param clock the one clock @return this
     */
    public Builder clock(InstantSource clock) {
      this.clock = clock;
      return this;
    }

    /**
     * @param scheduler runs checks and timeouts; not shut down by the supervisor @return this
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /**
     * @param executor runs probe calls; not shut down by the supervisor @return this
     */
    public Builder probeExecutor(Executor executor) {
      this.probeExecutor = executor;
      return this;
    }

    /**
     * @param interval time between checks ({@code monitoring.check_interval_seconds}) @return this
     */
    public Builder checkInterval(Duration interval) {
      this.checkInterval = interval;
      return this;
    }

    /**
     * @param timeout bound of each probe call ({@code monitoring.probe_timeout_seconds}) @return
     *     this
     */
    public Builder probeTimeout(Duration timeout) {
      this.probeTimeout = timeout;
      return this;
    }

    /**
     * Turns on the health-only probes of the fast confirmation; the policy's {@link
     * ModePolicy#healthConfirmations()} must be at least 1.
     *
     * @param interval time between health-only probes ({@code
     *     monitoring.health_check_interval_seconds}), shorter than the check interval; null for off
     *     (the default)
     * @return this
     */
    public Builder healthCheckInterval(Duration interval) {
      this.healthCheckInterval = interval;
      return this;
    }

    /**
     * Builds the supervisor (not started).
     *
     * @return the supervisor
     * @throws NullPointerException if a required component is missing
     * @throws IllegalArgumentException for a non-positive interval or timeout
     */
    public FallbackSupervisor build() {
      return new FallbackSupervisor(this);
    }
  }
}
