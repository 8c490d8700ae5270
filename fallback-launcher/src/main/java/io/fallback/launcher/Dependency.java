package io.fallback.launcher;

import io.fallback.core.Health;
import io.fallback.core.HealthProbe;
import io.fallback.core.LatencySource;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One remote dependency as the launcher sees it through the reads that use it: a read that answers
 * makes it reachable; a read that fails (a latency source with no evidence, an unhealthy or
 * throwing probe, a failed backlog sample) is checked with a TCP dial, and only a dial that fails
 * makes it unreachable, with the dial's reason. So "no committed offset yet" or "job CANCELED" is
 * not reported as a network problem. What is said, and how often, is {@link Reachability}'s.
 *
 * <p>{@link #watch(LatencySource)} and {@link #watch(HealthProbe)} decorate core's interfaces
 * without changing what they answer: core stays free of logging, and the supervisor sees the same
 * readings.
 *
 * <p>Thread-safe. A dial (at most {@link TcpDial#TIMEOUT}) runs on the thread of the read that
 * failed: a probe thread or the backlog sampler, never the supervisor's or the loop's.
 */
final class Dependency {

  private final Reachability reachability;
  private final Supplier<Optional<String>> dial;

  /**
   * A dependency.
   *
   * @param reachability what to report to
   * @param dial dials the dependency: empty when it accepted a connection, else why not
   */
  Dependency(Reachability reachability, Supplier<Optional<String>> dial) {
    this.reachability = Objects.requireNonNull(reachability, "reachability");
    this.dial = Objects.requireNonNull(dial, "dial");
  }

  /**
   * A dependency dialled over TCP.
   *
   * @param what for example {@code Kafka}
   * @param dial its addresses
   * @param clock the application's clock
   * @return the dependency, reporting as {@code <what> at <addresses>}
   */
  static Dependency of(String what, TcpDial dial, InstantSource clock) {
    return new Dependency(
        new Reachability(what + " at " + dial.addresses(), clock, Reachability.DEFAULT_INTERVAL),
        dial::failure);
  }

  /**
   * @return the reporter
   */
  Reachability reachability() {
    return reachability;
  }

  /** A read through this dependency answered. */
  void answered() {
    reachability.reachable();
  }

  /**
   * A read through this dependency failed, or gave nothing without saying why: dial to tell whether
   * the dependency is reachable at all.
   *
   * @param effect what the failure means, for example {@code backlog unknown}
   */
  void readFailed(String effect) {
    Optional<String> failure;
    try {
      failure = dial.get();
    } catch (RuntimeException e) {
      failure = Optional.of(String.valueOf(e));
    }
    if (failure.isPresent()) {
      reachability.unreachable(failure.get(), effect);
    } else {
      reachability.reachable();
    }
  }

  /**
   * A call failed with an error; reported only when its causes say the connection could not be made
   * ({@link TcpDial#connectFailure}). Does not dial, so it is safe on the loop's thread.
   *
   * @param error the call's error
   * @param effect what the failure means, for example {@code fallback batch held}
   */
  void callFailed(Throwable error, String effect) {
    TcpDial.connectFailure(error).ifPresent(reason -> reachability.unreachable(reason, effect));
  }

  /**
   * Decorates a latency source: a reading is an answer; no evidence or an exception is a failed
   * read. The reading, and any exception, pass through unchanged.
   *
   * @param source the source that reads through this dependency; its failures are reported as
   *     {@code latency <name>: no evidence}
   * @return the decorated source, with the same name
   */
  LatencySource watch(LatencySource source) {
    Objects.requireNonNull(source, "source");
    String effect = "latency " + source.name() + ": no evidence";
    return new LatencySource() {
      @Override
      public Optional<Duration> currentLatency() {
        Optional<Duration> reading;
        try {
          reading = source.currentLatency();
        } catch (RuntimeException e) {
          readFailed(effect);
          throw e;
        }
        if (reading == null || reading.isEmpty()) {
          readFailed(effect);
        } else {
          answered();
        }
        return reading;
      }

      @Override
      public String name() {
        return source.name();
      }
    };
  }

  /**
   * Decorates the receiver of backlog samples: a sample with counts is an answer, one without (the
   * query failed) a failed read. The sample is passed on first, so the dial never delays it.
   *
   * @param next receives every sample, as before
   * @return the decorated receiver
   */
  Consumer<Backlog.Sample> watchBacklog(Consumer<Backlog.Sample> next) {
    Objects.requireNonNull(next, "next");
    return sample -> {
      next.accept(sample);
      if (sample.counts().isPresent()) {
        answered();
      } else {
        readFailed("backlog unknown");
      }
    };
  }

  /**
   * Decorates a health probe: healthy is an answer; unhealthy or an exception is a failed read
   * (dialled, so an unhealthy job on a reachable API is not a network problem). The answer, and any
   * exception, pass through unchanged.
   *
   * @param probe the probe that reads through this dependency
   * @return the decorated probe, with the same name
   */
  HealthProbe watch(HealthProbe probe) {
    Objects.requireNonNull(probe, "probe");
    String effect = "health check " + probe.name() + ": unhealthy";
    return new HealthProbe() {
      @Override
      public Health check() {
        Health health;
        try {
          health = probe.check();
        } catch (RuntimeException e) {
          readFailed(effect);
          throw e;
        }
        if (health != null && health.isHealthy()) {
          answered();
        } else {
          readFailed(effect);
        }
        return health;
      }

      @Override
      public String name() {
        return probe.name();
      }
    };
  }
}
