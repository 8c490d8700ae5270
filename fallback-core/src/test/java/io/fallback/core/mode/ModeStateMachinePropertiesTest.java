package io.fallback.core.mode;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Invariants of the mode rules over random check sequences. */
class ModeStateMachinePropertiesTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Provide
  Arbitrary<List<Integer>> checks() {
    // -1 = unhealthy, -2 = no evidence, otherwise latency in seconds
    return Arbitraries.oneOf(
            Arbitraries.integers().between(0, 600), Arbitraries.of(-1), Arbitraries.of(-2))
        .list()
        .ofMaxSize(200);
  }

  private static Observation observation(int code, Instant at) {
    return switch (code) {
      case -1 -> Observation.unhealthy(at, "down");
      case -2 -> Observation.noEvidence(at);
      default -> Observation.healthy(at, Duration.ofSeconds(code));
    };
  }

  private static boolean violates(int code) {
    return code == -1 || code > 300;
  }

  @Property
  void neverSwitchesToFallbackWithoutNConsecutiveViolations(
      @ForAll("checks") List<Integer> codes, @ForAll @IntRange(min = 1, max = 5) int n) {
    ModeStateMachine m = new ModeStateMachine(ModePolicy.of(Duration.ofSeconds(300), n));
    ModeState s = ModeState.initial(T0);
    int run = 0; // violations since the last reset, ignoring no-evidence checks
    for (int i = 0; i < codes.size(); i++) {
      int code = codes.get(i);
      Mode before = s.mode();
      Step step = m.observe(s, observation(code, T0.plusSeconds(i)));
      if (before == Mode.PRIMARY) {
        if (violates(code)) {
          run++;
        } else if (code != -2) {
          run = 0;
        }
        if (step.state().mode() == Mode.FALLBACK) {
          assertThat(run).isGreaterThanOrEqualTo(n);
          assertThat(step.transition().orElseThrow().observations()).hasSize(n);
        }
      }
      if (step.transition().isPresent()) {
        run = 0;
      }
      s = step.state();
    }
  }

  @Property
  void neverResumesBeforeTheDwell_soAFlappingPrimarySwitchesAtMostOncePerDwell(
      @ForAll("checks") List<Integer> codes,
      @ForAll @IntRange(min = 1, max = 3) int n,
      @ForAll @IntRange(min = 0, max = 120) int dwellSeconds,
      @ForAll @IntRange(min = 1, max = 30) int intervalSeconds) {
    ModeStateMachine m =
        new ModeStateMachine(
            new ModePolicy(
                Duration.ofSeconds(300),
                n,
                Duration.ofSeconds(150),
                1,
                Duration.ofSeconds(dwellSeconds)));
    ModeState s = ModeState.initial(T0);
    Instant lastSwitchToFallback = null;
    for (int i = 0; i < codes.size(); i++) {
      Instant at = T0.plusSeconds((long) intervalSeconds * i);
      Step step = m.observe(s, observation(codes.get(i), at));
      if (step.transition().isPresent()) {
        Transition t = step.transition().get();
        if (t.to() == Mode.FALLBACK) {
          lastSwitchToFallback = t.at();
        } else {
          assertThat(Duration.between(lastSwitchToFallback, t.at()))
              .isGreaterThanOrEqualTo(Duration.ofSeconds(dwellSeconds));
        }
        assertThat(step.state().violations()).isZero();
        assertThat(step.state().recoveries()).isZero();
      }
      s = step.state();
    }
  }

  @Property
  void everyTransitionIsBackedByItsObservations(@ForAll("checks") List<Integer> codes) {
    ModeStateMachine m = new ModeStateMachine(ModePolicy.ofDefaults());
    ModeState s = ModeState.initial(T0);
    for (int i = 0; i < codes.size(); i++) {
      Step step = m.observe(s, observation(codes.get(i), T0.plusSeconds(60L * i)));
      step.transition()
          .ifPresent(
              t -> {
                assertThat(t.observations()).isNotEmpty();
                assertThat(t.observations().get(t.observations().size() - 1).at())
                    .isEqualTo(t.at());
                assertThat(t.cause()).isNotEqualTo(Cause.MANUAL);
              });
      s = step.state();
    }
  }
}
