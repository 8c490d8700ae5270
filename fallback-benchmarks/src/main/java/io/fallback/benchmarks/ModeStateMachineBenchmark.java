package io.fallback.benchmarks;

import io.fallback.core.mode.ModePolicy;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.ModeStateMachine;
import io.fallback.core.mode.Observation;
import io.fallback.core.mode.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One {@link ModeStateMachine#observe} step with the default policy, alternating healthy checks
 * under and over the latency threshold so that the machine keeps changing mode.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ModeStateMachineBenchmark {

  private ModeStateMachine machine;
  private ModeState state;
  private Instant at;
  private long n;

  /** The default policy, from the initial state. */
  @Setup
  public void setUp() {
    machine = new ModeStateMachine(ModePolicy.ofDefaults());
    at = Instant.ofEpochSecond(1_700_000_000L);
    state = ModeState.initial(at);
  }

  /**
   * @return the step
   */
  @Benchmark
  public Step step() {
    n++;
    at = at.plusSeconds(30);
    // 16 checks over the threshold, then 16 under: transitions both ways
    Duration latency = (n & 16) == 0 ? Duration.ofSeconds(600) : Duration.ofSeconds(1);
    Step step = machine.observe(state, Observation.healthy(at, latency));
    state = step.state();
    return step;
  }
}
