package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The shadow's model-call budget grants a whole batch period's calls to one batch. */
class ShadowBudgetTest {

  private static int granted(BooleanSupplier budget, int asked) {
    int n = 0;
    for (int i = 0; i < asked; i++) {
      if (budget.getAsBoolean()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void twentyPerSecond_with30sBatches_grants600CallsToABatchAskingAtOnce() {
    assertThat(granted(ShadowMode.budget(20, Duration.ofSeconds(30)), 1_000)).isEqualTo(600);
  }

  @Test
  void shortBatches_getAtLeastOneSecondsWorth() {
    assertThat(granted(ShadowMode.budget(20, Duration.ofMillis(200)), 100)).isEqualTo(20);
  }

  @Test
  void zero_meansNoLimit() {
    assertThat(granted(ShadowMode.budget(0, Duration.ofSeconds(30)), 100_000)).isEqualTo(100_000);
  }
}
