package io.fallback.contract;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.function.Supplier;

/** Runs a call with a time bound, failing the test with what was expected. */
final class Bounded {

  private Bounded() {}

  static <T> T call(Duration bound, String what, Supplier<T> call) {
    return assertTimeoutPreemptively(
        bound, call::get, () -> what + " did not return within " + bound);
  }

  /** Closes an implementation that holds resources (a client); a failure to close fails. */
  static void closeIfCloseable(Object implementation) {
    if (implementation instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException("close() of " + implementation + " failed", e);
      }
    }
  }

  /** The result of a call that may throw: either a value or the exception. */
  record Outcome<T>(T value, RuntimeException error) {
    static <T> Outcome<T> of(Supplier<T> call) {
      try {
        return new Outcome<>(call.get(), null);
      } catch (RuntimeException e) {
        return new Outcome<>(null, e);
      }
    }
  }
}
