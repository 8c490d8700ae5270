package io.fallback.influx;

import io.fallback.contract.SinkContract;
import io.fallback.core.Sink;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowSpec;
import io.fallback.testkit.InfluxDbExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link InfluxSink} passes the adapter contract kit against a real influxd 1.6.7. */
class InfluxSinkContractIT extends SinkContract<ScoredWindow> {

  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();

  private static final String DB = "sink_contract";
  private static final AtomicInteger KEYS = new AtomicInteger();
  private static final long START = 1_700_000_000_000L;

  @Override
  protected Sink<ScoredWindow> createSink() {
    INFLUX.server().createDatabase(DB);
    return InfluxSink.of(
        InfluxSettings.builder().url(INFLUX.server().url()).database(DB).build(),
        WindowSpec.ofDefaults());
  }

  @Override
  protected Sink<ScoredWindow> createSinkWithBrokenDestination() {
    return InfluxSink.of(
        InfluxSettings.builder()
            .url("http://127.0.0.1:" + closedPort())
            .database(DB)
            .maxRetries(1)
            .backoff(Duration.ofMillis(10), Duration.ofMillis(20))
            .timeout(Duration.ofSeconds(2))
            .build(),
        WindowSpec.ofDefaults());
  }

  @Override
  protected List<ScoredWindow> newOutputs(int count) {
    String key = "contract-" + KEYS.incrementAndGet();
    List<ScoredWindow> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(
          TestWindows.window(
              key, START + i * TestWindows.SIZE, i % 3, 1f, 2f, 3f, 4f, 60f + i, 33f));
    }
    return out;
  }

  @Override
  protected int storedCopies(ScoredWindow output) {
    String q =
        "SELECT \"stress_level\" FROM \"nurse_stress\" WHERE \"id\" = "
            + InfluxQl.literal(output.window().key())
            + " AND time = "
            + output.window().pointTime()
            + "ms";
    return InfluxQueryClient.parse(INFLUX.server().query(DB, q, "ms"), q).stream()
        .mapToInt(s -> s.rows().size())
        .sum();
  }

  private static int closedPort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
