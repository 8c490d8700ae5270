package io.fallback.core.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.FallbackListener;
import io.fallback.core.Health;
import io.fallback.core.mode.Cause;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeOverride;
import io.fallback.core.mode.ModePolicy;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Transition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A supervisor in a group of instances (DESIGN section 8), in virtual time, with an in-memory
 * authority standing for the Kafka decision log: only the decider's own rules switch the mode, and
 * only once published; followers take the group's decisions, never an older one.
 */
class GroupFollowingSupervisorTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** The group's log as one instance sees it: whether it decides, what it published. */
  static final class InMemoryAuthority implements ModeAuthority {
    boolean deciding;
    boolean fenced;
    long epoch;
    final List<String> published = new ArrayList<>();
    final List<ModeOverride> requests = new ArrayList<>();

    @Override
    public boolean deciding() {
      return deciding;
    }

    @Override
    public OptionalLong publish(ModeState next, Optional<Transition> transition) {
      if (fenced) {
        deciding = false;
        return OptionalLong.empty();
      }
      epoch++;
      published.add(
          epoch
              + " "
              + next.mode()
              + " "
              + next.override()
              + transition.map(t -> " " + t.cause()).orElse(""));
      return OptionalLong.of(epoch);
    }

    @Override
    public void request(ModeOverride override) {
      requests.add(override);
    }
  }

  private final ManualScheduler time = new ManualScheduler(T0);
  private final AtomicReference<Optional<Duration>> latency =
      new AtomicReference<>(Optional.of(Duration.ofSeconds(1)));
  private final FallbackSupervisorTest.FakeActivity activity =
      new FallbackSupervisorTest.FakeActivity();
  private final List<Transition> transitions = new ArrayList<>();
  private final InMemoryAuthority authority = new InMemoryAuthority();

  private FallbackSupervisor start() {
    FallbackSupervisor supervisor =
        FallbackSupervisor.builder()
            .policy(ModePolicy.of(Duration.ofSeconds(300), 3))
            .latencySource(latency::get)
            .healthProbe(() -> Health.healthy("ok"))
            .activity(activity)
            .listener(
                new FallbackListener() {
                  @Override
                  public void transitioned(Transition t) {
                    transitions.add(t);
                  }
                })
            .clock(time)
            .scheduler(time)
            .probeExecutor(Runnable::run)
            .checkInterval(Duration.ofSeconds(60))
            .probeTimeout(Duration.ofSeconds(2))
            .authority(authority)
            .build();
    supervisor.start();
    return supervisor;
  }

  @Test
  void follower_seesViolations_butNeverSwitchesOnItsOwn() {
    FallbackSupervisor supervisor = start();
    latency.set(Optional.of(Duration.ofSeconds(400)));

    time.advance(Duration.ofMinutes(10));

    assertThat(supervisor.state().mode()).isEqualTo(Mode.PRIMARY);
    assertThat(supervisor.state().violations()).as("counted, not acted on").isEqualTo(2);
    assertThat(transitions).isEmpty();
    assertThat(activity.starts).isZero();
    assertThat(authority.published).isEmpty();
  }

  @Test
  void decider_publishesItsSwitch_thenStartsTheFallback() {
    authority.deciding = true;
    FallbackSupervisor supervisor = start();
    latency.set(Optional.of(Duration.ofSeconds(400)));

    time.advance(Duration.ofMinutes(3)); // checks at 0 (1 s), 60, 120, 180 s

    assertThat(authority.published).containsExactly("1 FALLBACK AUTO LATENCY");
    assertThat(supervisor.state().mode()).isEqualTo(Mode.FALLBACK);
    assertThat(supervisor.adoptedEpoch()).isEqualTo(1);
    assertThat(activity.starts).isEqualTo(1);
  }

  @Test
  void fencedDecider_switchesNothing_andItsOverrideGoesToTheNewDecider() {
    authority.deciding = true;
    authority.fenced = true;
    FallbackSupervisor supervisor = start();
    latency.set(Optional.of(Duration.ofSeconds(400)));

    time.advance(Duration.ofMinutes(3));
    ModeState after = supervisor.override(ModeOverride.FORCE_PRIMARY);

    assertThat(supervisor.state().mode()).isEqualTo(Mode.PRIMARY);
    assertThat(after.override()).isEqualTo(ModeOverride.AUTO);
    assertThat(activity.starts).isZero();
    assertThat(authority.published).isEmpty();
    assertThat(authority.requests).containsExactly(ModeOverride.FORCE_PRIMARY);
  }

  @Test
  void follower_takesTheGroupsDecision_withTheDecidersCause_andStartsTheFallback() {
    FallbackSupervisor supervisor = start();

    assertThat(
            supervisor.adopt(
                4, Mode.FALLBACK, ModeOverride.AUTO, Cause.LATENCY, "3 checks over 300s"))
        .isTrue();

    assertThat(supervisor.state().mode()).isEqualTo(Mode.FALLBACK);
    assertThat(transitions)
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.cause()).isEqualTo(Cause.LATENCY);
              assertThat(t.detail()).isEqualTo("3 checks over 300s");
            });
    assertThat(activity.starts).isEqualTo(1);
    assertThat(supervisor.adoptedEpoch()).isEqualTo(4);
  }

  @Test
  void olderOrSameEpoch_isIgnored_soALateDeliveryNeverUndoesANewerDecision() {
    FallbackSupervisor supervisor = start();
    supervisor.adopt(5, Mode.FALLBACK, ModeOverride.FORCE_FALLBACK, Cause.MANUAL, "manual");

    assertThat(supervisor.adopt(4, Mode.PRIMARY, ModeOverride.AUTO, Cause.RECOVERED, "late"))
        .isFalse();
    assertThat(supervisor.adopt(5, Mode.PRIMARY, ModeOverride.AUTO, Cause.RECOVERED, "same"))
        .isFalse();

    assertThat(supervisor.state().mode()).isEqualTo(Mode.FALLBACK);
    assertThat(supervisor.state().override()).isEqualTo(ModeOverride.FORCE_FALLBACK);
    assertThat(activity.stops).isZero();
  }

  @Test
  void followerOverride_isRequested_notApplied() {
    FallbackSupervisor supervisor = start();

    supervisor.override(ModeOverride.FORCE_FALLBACK);

    assertThat(authority.requests).containsExactly(ModeOverride.FORCE_FALLBACK);
    assertThat(supervisor.state().mode()).isEqualTo(Mode.PRIMARY);
    assertThat(activity.starts).isZero();
  }

  @Test
  void deciderOverride_withoutASwitch_isPublishedToo() {
    authority.deciding = true;
    FallbackSupervisor supervisor = start();

    supervisor.override(ModeOverride.FORCE_PRIMARY);

    assertThat(authority.published).containsExactly("1 PRIMARY FORCE_PRIMARY");
    assertThat(supervisor.state().override()).isEqualTo(ModeOverride.FORCE_PRIMARY);
    assertThat(authority.requests).isEmpty();
  }

  @Test
  void newDecider_restatesTheAdoptedMode_continuingTheEpochs() {
    FallbackSupervisor supervisor = start();
    supervisor.adopt(7, Mode.FALLBACK, ModeOverride.AUTO, Cause.UNHEALTHY, "job CANCELED");
    authority.epoch = 7; // what it read from the log
    authority.deciding = true;

    assertThat(supervisor.restate()).hasValue(8);

    assertThat(authority.published).containsExactly("8 FALLBACK AUTO");
    assertThat(supervisor.adoptedEpoch()).isEqualTo(8);
    assertThat(activity.starts).isEqualTo(1);
  }

  @Test
  void withoutAuthority_restateDoesNothing_andAdoptStillWorks() {
    FallbackSupervisor supervisor =
        FallbackSupervisor.builder()
            .latencySource(latency::get)
            .healthProbe(() -> Health.healthy("ok"))
            .activity(activity)
            .clock(time)
            .scheduler(time)
            .probeExecutor(Runnable::run)
            .build();

    assertThat(supervisor.restate()).isEmpty();
    assertThat(supervisor.adoptedEpoch()).isZero();
  }
}
