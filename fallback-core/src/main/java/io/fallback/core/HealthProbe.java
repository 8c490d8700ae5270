package io.fallback.core;

/**
 * Tells whether the primary processor is up and processing.
 *
 * <p>Contract: return {@link Health#healthy(String)} only when the primary is processing; every
 * other answer, including an exception, counts as {@link Health.Status#UNHEALTHY}. The supervisor
 * bounds each call with a timeout, and a call that does not return in time counts as unhealthy with
 * the reason "probe timed out". The reason string ends up in transition events and logs, so it
 * should say what was wrong ("job nurse-stress is CANCELED"), not only that something was.
 *
 * <p>Called from one supervisor thread at a time, possibly a different thread on each call.
 */
@FunctionalInterface
public interface HealthProbe {

  /**
   * Checks the primary once.
   *
   * @return the health, never {@code null}
   * @throws RuntimeException on failure; counted as unhealthy with the exception's message
   */
  Health check();

  /**
   * A short name used in logs and events, for example {@code flink_rest}.
   *
   * @return the name of this probe
   */
  default String name() {
    return getClass().getSimpleName();
  }
}
