package io.fallback.benchmarks;

import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.influx.InfluxSettings;
import io.fallback.influx.LineProtocolEncoder;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** One scored window encoded as an InfluxDB line-protocol point (seven fields, two tags). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LineProtocolBenchmark {

  private LineProtocolEncoder encoder;
  private ScoredWindow[] windows;
  private int next;

  /** 1 024 windows of random means. */
  @Setup
  public void setUp() {
    encoder =
        LineProtocolEncoder.of(
            InfluxSettings.of("http://127.0.0.1:8086", "bench"), WindowSpec.ofDefaults());
    Random random = new Random(3);
    windows = new ScoredWindow[1024];
    for (int i = 0; i < windows.length; i++) {
      float[] means = new float[6];
      for (int f = 0; f < means.length; f++) {
        means[f] = random.nextFloat() * 100;
      }
      long start = 1_700_000_000_000L + i * 5000L;
      windows[i] =
          new ScoredWindow(
              new WindowResult("nurse-" + (i % 17), start, start + 5000, 160, means), i % 3);
    }
  }

  /**
   * @return the point
   */
  @Benchmark
  public String encodePerPoint() {
    return encoder.encode(windows[next++ & 1023]);
  }
}
