package io.fallback.influx;

import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowSpec;
import io.fallback.testkit.InfluxDbServer;
import java.util.List;

/**
 * Write throughput of {@link InfluxSink} to a local influxd 1.6.7 started by the test kit: encodes and
 * writes N points (default 200 000, 17 keys, 5 s windows) in batches of 20 000 (chunks of 5 000), and
 * prints points/s. Not a test; run it with
 *
 * <pre>./mvnw -B -pl fallback-influx test-compile exec:java -Dexec.args="200000"</pre>
 *
 * <p>(the module's POM points {@code exec:java} at this class with the test classpath).
 */
public final class InfluxSinkBenchmark {

  private InfluxSinkBenchmark() {}

  /**
   * Runs the benchmark.
   *
   * @param args optional: number of points, batch size, chunk size
   */
  public static void main(String[] args) {
    int points = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    int chunk = args.length > 2 ? Integer.parseInt(args[2]) : InfluxSettings.DEFAULT_CHUNK_SIZE;
    List<ScoredWindow> windows = TestWindows.many(points, 17, 1_700_000_000_000L);
    List<ScoredWindow> warmup = TestWindows.many(50_000, 17, 1_600_000_000_000L);

    try (InfluxDbServer server = InfluxDbServer.start()) {
      server.createDatabase("bench");
      InfluxSettings settings = InfluxSettings.builder().url(server.url()).database("bench").chunkSize(chunk).build();
      LineProtocolEncoder encoder = LineProtocolEncoder.of(settings, WindowSpec.ofDefaults());

      long encodeStart = System.nanoTime();
      StringBuilder sb = new StringBuilder(1 << 20);
      long chars = 0;
      for (ScoredWindow w : windows) {
        encoder.appendTo(sb, w);
        sb.append('\n');
        if (sb.length() > (1 << 20)) {
          chars += sb.length();
          sb.setLength(0);
        }
      }
      chars += sb.length();
      double encodeSeconds = (System.nanoTime() - encodeStart) / 1e9;

      try (InfluxSink sink = InfluxSink.of(settings, WindowSpec.ofDefaults())) {
        sink.write(warmup);
        long start = System.nanoTime();
        for (int from = 0; from < points; from += batch) {
          sink.write(windows.subList(from, Math.min(points, from + batch)));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String count = server.query("bench",
            "SELECT count(\"stress_level\") FROM \"nurse_stress\" WHERE time >= 1700000000000ms", "ms");
        System.out.printf("encode only: %,d points in %.2f s = %,.0f points/s (%.0f bytes/point)%n",
            points, encodeSeconds, points / encodeSeconds, (double) chars / points);
        System.out.printf("InfluxSink -> influxd 1.6.7: %,d points in %.2f s = %,.0f points/s "
            + "(batches of %,d, chunks of %,d)%n", points, seconds, points / seconds, batch, chunk);
        System.out.println("count in InfluxDB: " + count);
      }
    }
  }
}
