package io.fallback.examples;

import io.fallback.contract.SinkContract;
import io.fallback.core.Sink;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import io.fallback.testkit.KafkaBrokerExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The custom {@link KafkaTopicSink} passes the adapter contract kit against a real KRaft broker.
 * "Stored copies" is what a reader of the compacted topic sees: the latest value per key.
 */
class KafkaTopicSinkContractIT extends SinkContract<ScoredWindow> {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static final String TOPIC = "scored-windows";
  private static final AtomicInteger KEYS = new AtomicInteger();

  @BeforeAll
  static void createTopic() {
    KAFKA.broker().createTopic(TOPIC, 1, Map.of("cleanup.policy", "compact"));
  }

  @Override
  protected Sink<ScoredWindow> createSink() {
    return KafkaTopicSink.of(KAFKA.bootstrapServers(), TOPIC, Duration.ofSeconds(20));
  }

  @Override
  protected Sink<ScoredWindow> createSinkWithBrokenDestination() {
    return KafkaTopicSink.of("127.0.0.1:" + closedPort(), TOPIC, Duration.ofSeconds(2));
  }

  @Override
  protected List<ScoredWindow> newOutputs(int count) {
    String key = "nurse-" + KEYS.incrementAndGet();
    List<ScoredWindow> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long start = 1_700_000_000_000L + i * 5_000L;
      out.add(
          new ScoredWindow(
              new WindowResult(key, start, start + 5_000, 10, new float[] {1, 2, 3, 4, 60, 33}),
              i % 3));
    }
    return out;
  }

  @Override
  protected int storedCopies(ScoredWindow output) {
    String latest =
        CompactedTopic.read(KAFKA.bootstrapServers(), TOPIC).get(KafkaTopicSink.key(output));
    return KafkaTopicSink.value(output).equals(latest) ? 1 : 0;
  }

  private static int closedPort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
