package io.fallback.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.Health;
import io.fallback.core.HealthProbe;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The {@link HealthProbe} contract: a primary that cannot be reached, or that accepts the
 * connection and never answers, is UNHEALTHY with a reason that says what was wrong, within a
 * bounded time. A probe that throws counts as unhealthy with the exception's message (the
 * supervisor's rule), so an exception with a message passes too.
 *
 * <p>Instances are created per test by JUnit; not thread-safe.
 */
public abstract class HealthProbeContract {

  /** Creates the contract; subclasses are JUnit test classes. */
  protected HealthProbeContract() {}

  /**
   * A probe of a primary at {@code uri}, configured as in production except for the address.
   *
   * @param uri {@code http://127.0.0.1:<port>}: a closed port or a server that never answers
   * @return the probe
   */
  protected abstract HealthProbe createProbe(URI uri);

  /**
   * The longest one check may take (default 30 s).
   *
   * @return the bound
   */
  protected Duration callBound() {
    return Duration.ofSeconds(30);
  }

  /** Nothing listens: unhealthy, with a reason. */
  @Test
  void unreachable_unhealthyWithReason() {
    HealthProbe probe = createProbe(URI.create("http://127.0.0.1:" + Ports.closed()));

    String reason = unhealthyReason(probe);

    assertThat(reason).as("reason of an unreachable primary").isNotBlank();
  }

  /** The primary accepts and hangs: unhealthy within the bound, with a reason. */
  @Test
  void silent_unhealthyWithinBound() {
    try (SilentServer silent = SilentServer.start()) {
      HealthProbe probe = createProbe(silent.uri());

      String reason = unhealthyReason(probe);

      assertThat(reason).as("reason of a primary that never answers").isNotBlank();
    }
  }

  /** The probe names itself for logs and events. */
  @Test
  void name_notBlank() {
    HealthProbe probe = createProbe(URI.create("http://127.0.0.1:" + Ports.closed()));
    try {
      assertThat(probe.name()).isNotBlank();
    } finally {
      Bounded.closeIfCloseable(probe);
    }
  }

  private String unhealthyReason(HealthProbe probe) {
    Bounded.Outcome<Health> outcome;
    try {
      outcome = Bounded.call(callBound(), "check()", () -> Bounded.Outcome.of(probe::check));
    } finally {
      Bounded.closeIfCloseable(probe);
    }
    if (outcome.error() != null) {
      return String.valueOf(outcome.error().getMessage());
    }
    assertThat(outcome.value()).as("check() result").isNotNull();
    assertThat(outcome.value().status())
        .as("status, reason %s", outcome.value().reason())
        .isEqualTo(Health.Status.UNHEALTHY);
    return outcome.value().reason();
  }
}
