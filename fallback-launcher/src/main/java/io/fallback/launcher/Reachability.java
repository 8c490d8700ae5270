package io.fallback.launcher;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the launcher says about one remote dependency (Kafka, InfluxDB, the Flink REST API, the
 * model service) that cannot be reached: one WARN line when it becomes unreachable, then at most
 * one line per interval while it stays so, and one INFO line when it answers again.
 *
 * <pre>
 * Kafka at 127.0.0.1:9092 unreachable: connection refused (latency kafka_lag: no evidence)
 * Kafka at 127.0.0.1:9092 unreachable for 30 s: connection refused (latency kafka_lag: no evidence; backlog unknown; 4 failures since the last line)
 * Kafka at 127.0.0.1:9092 reachable again after 47 s
 * </pre>
 *
 * <p>The reads that go through a dependency report here ({@link Dependency}); this class only
 * decides what to say and when. The interval is checked when the next failure arrives, not by a
 * timer, so tests drive it with a fake clock. Client libraries' own repeated warnings ({@code
 * org.apache.kafka}) are held back by the Logback configuration; this line replaces them.
 *
 * <p>Thread-safe: reports arrive from probe threads, the backlog sampler and the fallback loop.
 */
final class Reachability {

  /** The least time between two "unreachable" lines of one dependency. */
  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);

  private static final Logger LOG = LoggerFactory.getLogger(Reachability.class);

  private final String dependency;
  private final InstantSource clock;
  private final Duration interval;

  private Instant unreachableSince;
  private Instant lastLine;
  private int failuresSinceLine;
  private final Set<String> effectsSinceLine = new LinkedHashSet<>();

  /**
   * A reporter for one dependency.
   *
   * @param dependency what and where, as the lines name it, for example {@code Kafka at
   *     127.0.0.1:9092}
   * @param clock the application's clock
   * @param interval the least time between two "unreachable" lines, positive
   * @throws IllegalArgumentException if the interval is not positive
   */
  Reachability(String dependency, InstantSource clock, Duration interval) {
    this.dependency = Objects.requireNonNull(dependency, "dependency");
    this.clock = Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be > 0, but was " + interval);
    }
    this.interval = interval;
  }

  /**
   * @return what and where, for example {@code Kafka at 127.0.0.1:9092}
   */
  String dependency() {
    return dependency;
  }

  /**
   * A read could not reach the dependency. Logs at once when it was reachable before; otherwise
   * counts the failure and logs when the interval since the last line has passed.
   *
   * @param reason why, in a few words, for example {@code connection refused}
   * @param effect what the failure means for the launcher, for example {@code latency kafka_lag: no
   *     evidence}
   */
  synchronized void unreachable(String reason, String effect) {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(effect, "effect");
    Instant now = clock.instant();
    if (unreachableSince == null) {
      unreachableSince = now;
      lastLine = now;
      failuresSinceLine = 0;
      effectsSinceLine.clear();
      LOG.warn("{} unreachable: {} ({})", dependency, reason, effect);
      return;
    }
    failuresSinceLine++;
    effectsSinceLine.add(effect);
    if (Duration.between(lastLine, now).compareTo(interval) >= 0) {
      LOG.warn(
          "{} unreachable for {} s: {} ({}; {} failure{} since the last line)",
          dependency,
          Duration.between(unreachableSince, now).toSeconds(),
          reason,
          String.join("; ", effectsSinceLine),
          failuresSinceLine,
          failuresSinceLine == 1 ? "" : "s");
      lastLine = now;
      failuresSinceLine = 0;
      effectsSinceLine.clear();
    }
  }

  /** A read reached the dependency. Logs once when it had been reported unreachable. */
  synchronized void reachable() {
    if (unreachableSince == null) {
      return;
    }
    long seconds = Duration.between(unreachableSince, clock.instant()).toSeconds();
    LOG.info("{} reachable again after {} s", dependency, seconds);
    unreachableSince = null;
    lastLine = null;
    failuresSinceLine = 0;
    effectsSinceLine.clear();
  }

  /**
   * @return whether the last report was a failure
   */
  synchronized boolean isUnreachable() {
    return unreachableSince != null;
  }
}
