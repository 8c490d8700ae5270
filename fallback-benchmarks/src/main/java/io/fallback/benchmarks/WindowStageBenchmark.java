package io.fallback.benchmarks;

import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.core.window.WindowStage;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One record added to the {@link WindowStage} (default spec: 5 s windows, 5 s out-of-orderness, six
 * fields), 17 keys at 32 Hz on one partition, fired windows drained every 1 024 records as the loop
 * does per batch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class WindowStageBenchmark {

  private WindowStage stage;
  private Reading[] readings;
  private long offset;
  private long shift;

  /** 17 x 32 Hz readings for 64 s of event time, replayed shifted forward. */
  @Setup
  public void setUp() {
    stage = new WindowStage(WindowSpec.ofDefaults());
    stage.assigned(0, Optional.empty());
    Random random = new Random(1);
    readings = new Reading[17 * 32 * 64];
    for (int i = 0; i < readings.length; i++) {
      float[] values = new float[6];
      for (int f = 0; f < values.length; f++) {
        values[f] = random.nextFloat() * 100;
      }
      readings[i] =
          new Reading("nurse-" + (i % 17), 1_700_000_000_000L + (i / 17) * 1000L / 32, values);
    }
  }

  /**
   * @return the windows fired, every 1 024 records (else empty)
   */
  @Benchmark
  public List<WindowResult> addPerRecord() {
    int i = (int) (offset % readings.length);
    if (i == 0 && offset > 0) {
      shift += 64_000;
    }
    Reading r = readings[i];
    Reading shifted = shift == 0 ? r : new Reading(r.key(), r.eventTime() + shift, valuesOf(r));
    stage.add(0, offset++, shifted);
    return (offset & 1023) == 0 ? stage.drainFired() : List.of();
  }

  private static float[] valuesOf(Reading r) {
    float[] values = new float[r.size()];
    for (int f = 0; f < values.length; f++) {
      values[f] = r.value(f);
    }
    return values;
  }
}
