package io.fallback.influx;

import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowSpec;
import io.fallback.testkit.InfluxDbServer;
import java.util.List;

/**
 * Write throughput of {@link InfluxSink} to a local influxd 1.6.7 started by the test kit: encodes
 * and writes N points (default 200 000, 17 keys, 5 s windows) in batches of 20 000 (chunks of 5
 * 000), and prints points/s. Not a test; run it with
 *
 * <pre>./mvnw -B -pl fallback-influx test-compile exec:java -Dexec.args="200000"</pre>
 *
 * <p>(the module's POM points {@code exec:java} at this class with the test classpath).
 */
public final class InfluxSinkBenchmark {

  private InfluxSinkBenchmark() {}

  private static long encode(LineProtocolEncoder encoder, List<ScoredWindow> windows) {
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
    return chars + sb.length();
  }

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
      InfluxSettings settings =
          InfluxSettings.builder().url(server.url()).database("bench").chunkSize(chunk).build();
      LineProtocolEncoder encoder = LineProtocolEncoder.of(settings, WindowSpec.ofDefaults());

      encode(encoder, warmup);
      java.lang.management.ThreadMXBean threads =
          java.lang.management.ManagementFactory.getThreadMXBean();
      long encodeCpu = threads.getCurrentThreadCpuTime();
      long encodeStart = System.nanoTime();
      long chars = encode(encoder, windows);
      double encodeSeconds = (System.nanoTime() - encodeStart) / 1e9;
      double encodeCpuMicros = (threads.getCurrentThreadCpuTime() - encodeCpu) / 1e3 / points;

      try (InfluxSink sink = InfluxSink.of(settings, WindowSpec.ofDefaults())) {
        sink.write(warmup);
        long cpu = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        for (int from = 0; from < points; from += batch) {
          sink.write(windows.subList(from, Math.min(points, from + batch)));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double sinkCpuMicros = (threads.getCurrentThreadCpuTime() - cpu) / 1e3 / points;
        String count =
            server.query(
                "bench",
                "SELECT count(\"stress_level\") FROM \"nurse_stress\" WHERE time >= 1700000000000ms",
                "ms");
        System.out.printf(
            "encode only (warm): %,d points in %.2f s = %,.0f points/s, %.2f CPU-us/point "
                + "(%.0f bytes/point)%n",
            points,
            encodeSeconds,
            points / encodeSeconds,
            encodeCpuMicros,
            (double) chars / points);
        System.out.printf(
            "InfluxSink -> influxd 1.6.7: %,d points in %.2f s = %,.0f points/s "
                + "(batches of %,d, chunks of %,d), caller thread %.2f CPU-us/point%n",
            points, seconds, points / seconds, batch, chunk, sinkCpuMicros);
        System.out.println("count in InfluxDB: " + count);
      }

      // baseline on the same machine state: the pre-encoded chunks POSTed as they are, no sink
      server.createDatabase("bench_raw");
      InfluxSettings raw = settings.toBuilder().database("bench_raw").build();
      V1WriteTransport transport = new V1WriteTransport(raw, InfluxHttp.newClient(raw));
      List<String> bodies = new java.util.ArrayList<>();
      for (int from = 0; from < points; from += chunk) {
        StringBuilder sb = new StringBuilder();
        for (ScoredWindow w : windows.subList(from, Math.min(points, from + chunk))) {
          encoder.appendTo(sb, w);
          sb.append('\n');
        }
        bodies.add(sb.toString());
      }
      long start = System.nanoTime();
      for (String body : bodies) {
        transport.write(body);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          "baseline, pre-encoded POSTs: %,d points in %.2f s = %,.0f points/s%n",
          points, seconds, points / seconds);
      try {
        System.out.println(
            "load average: "
                + java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
      } catch (java.io.IOException e) {
        System.out.println("load average: unknown");
      }
    }
  }
}
