package io.fallback.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.LatencySource;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The {@link LatencySource} contract: a source that cannot read the primary's latency answers "no
 * evidence" (an empty value, or an exception, which the supervisor counts the same), never a
 * made-up value such as zero, and answers within a bounded time.
 *
 * <p>Instances are created per test by JUnit; not thread-safe.
 */
public abstract class LatencySourceContract {

  /** Creates the contract; subclasses are JUnit test classes. */
  protected LatencySourceContract() {}

  /**
   * A source over a reachable system that holds nothing to measure yet (for example an empty topic
   * the primary never read, a measurement with no point).
   *
   * @return the source
   */
  protected abstract LatencySource createWithoutData();

  /**
   * A source whose system cannot be reached (a closed port).
   *
   * @param closedPort a local port nothing listens on
   * @return the source
   */
  protected abstract LatencySource createUnreachable(int closedPort);

  /**
   * The longest one reading may take (default 30 s; the supervisor's probe timeout bounds it in
   * production, but a source should bound its own I/O).
   *
   * @return the bound
   */
  protected Duration callBound() {
    return Duration.ofSeconds(30);
  }

  /** Nothing to measure is no evidence. */
  @Test
  void nothingToMeasure_noEvidence() {
    LatencySource source = createWithoutData();

    Bounded.Outcome<Optional<Duration>> reading = read(source);

    assertThat(reading.error() != null || reading.value().isEmpty())
        .as("a reading without data must be empty or an exception, but was %s", reading.value())
        .isTrue();
  }

  /** An unreachable system is no evidence, never "caught up". */
  @Test
  void unreachable_noEvidenceWithinBound() {
    LatencySource source = createUnreachable(Ports.closed());

    Bounded.Outcome<Optional<Duration>> reading = read(source);

    assertThat(reading.error() != null || reading.value().isEmpty())
        .as("an unreachable source must answer empty or throw, but answered %s", reading.value())
        .isTrue();
  }

  /** The source names itself for logs and events. */
  @Test
  void name_notBlank() {
    LatencySource source = createWithoutData();
    try {
      assertThat(source.name()).isNotBlank();
    } finally {
      Bounded.closeIfCloseable(source);
    }
  }

  private Bounded.Outcome<Optional<Duration>> read(LatencySource source) {
    try {
      return Bounded.call(
          callBound(), "currentLatency()", () -> Bounded.Outcome.of(source::currentLatency));
    } finally {
      Bounded.closeIfCloseable(source);
    }
  }
}
