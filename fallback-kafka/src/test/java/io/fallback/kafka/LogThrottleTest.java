package io.fallback.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LogThrottleTest {

  private static final long S = 1_000_000_000L;
  private final LogThrottle throttle = new LogThrottle(Duration.ofSeconds(10));

  @Test
  void firstOccurrence_isLogged_repeatsWithinTheInterval_areCountedAndSummarisedNextTime() {
    assertThat(throttle.occurred("late", 100 * S)).isEqualTo(OptionalLong.of(0));
    assertThat(throttle.occurred("late", 101 * S)).isEmpty();
    assertThat(throttle.occurred("late", 109 * S)).isEmpty();

    assertThat(throttle.occurred("late", 110 * S)).isEqualTo(OptionalLong.of(2));
    assertThat(throttle.occurred("late", 111 * S)).isEmpty();
  }

  @Test
  void keys_areThrottledApart() {
    assertThat(throttle.occurred("late", 5 * S)).isPresent();

    assertThat(throttle.occurred("undecodable", 6 * S)).isEqualTo(OptionalLong.of(0));
    assertThat(throttle.occurred("late", 6 * S)).isEmpty();
  }
}
