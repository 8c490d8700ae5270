package io.fallback.core.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.core.Health;
import io.fallback.core.mode.Cause;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeOverride;
import io.fallback.core.mode.ModeState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Once an instance of a group takes a decision that stops the fallback, it writes nothing more. */
class ModeFencedSinkTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void writesInFallback_refusesOnceTheModeIsPrimary_writingNothing() {
    List<List<String>> written = new ArrayList<>();
    AtomicReference<ModeState> state =
        new AtomicReference<>(
            new ModeState(Mode.FALLBACK, ModeOverride.AUTO, T0, 0, 0, List.of(), Optional.empty()));
    ModeFencedSink<String> sink = new ModeFencedSink<>(written::add, state::get);

    sink.write(List.of("a"));
    state.set(ModeState.initial(T0));

    assertThatThrownBy(() -> sink.write(List.of("b")))
        .isInstanceOf(ModeFencedSink.NotFallback.class)
        .hasMessageContaining("the mode is PRIMARY");
    assertThat(written).containsExactly(List.of("a"));
  }

  @Test
  void followerTakingPrimary_fencesItsSupervisorsSink() {
    ManualScheduler time = new ManualScheduler(T0);
    GroupFollowingSupervisorTest.InMemoryAuthority authority =
        new GroupFollowingSupervisorTest.InMemoryAuthority();
    FallbackSupervisor supervisor =
        FallbackSupervisor.builder()
            .latencySource(() -> Optional.of(Duration.ZERO))
            .healthProbe(() -> Health.healthy("ok"))
            .activity(new FallbackSupervisorTest.FakeActivity())
            .clock(time)
            .scheduler(time)
            .probeExecutor(Runnable::run)
            .authority(authority)
            .build();
    List<List<Integer>> written = new ArrayList<>();
    ModeFencedSink<Integer> sink = new ModeFencedSink<>(written::add, supervisor::state);
    supervisor.adopt(1, Mode.FALLBACK, ModeOverride.AUTO, Cause.LATENCY, "3 checks");
    sink.write(List.of(1));

    supervisor.adopt(2, Mode.PRIMARY, ModeOverride.AUTO, Cause.RECOVERED, "caught up");

    assertThatThrownBy(() -> sink.write(List.of(2))).isInstanceOf(ModeFencedSink.NotFallback.class);
    assertThat(written).containsExactly(List.of(1));
  }
}
