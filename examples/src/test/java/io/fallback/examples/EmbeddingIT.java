package io.fallback.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fallback.core.BatchProcessor;
import io.fallback.core.Fallback;
import io.fallback.core.FallbackListener;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModePolicy;
import io.fallback.core.mode.Transition;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.http.FlinkProbeSettings;
import io.fallback.http.FlinkRestHealthProbe;
import io.fallback.kafka.KafkaBatchSource;
import io.fallback.kafka.KafkaSourceSettings;
import io.fallback.kafka.KafkaTimeLagSource;
import io.fallback.testkit.KafkaBrokerExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's "Embedding" snippet, compiled and run: an application wires the fallback through the
 * front door ({@link Fallback#builder()}) with the Kafka source, its own processor and the custom
 * {@link KafkaTopicSink}, against a real broker. The primary's JobManager is not running, so the
 * Flink probe reports it unhealthy, the fallback takes over and scores every complete window. The
 * code between the README markers must equal the README's block ({@link ReadmeSnippetsTest}).
 */
class EmbeddingIT {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @Test
  void primaryDown_fallbackScoresEveryCompleteWindowIntoTheTopic() throws Exception {
    String bootstrap = KAFKA.bootstrapServers();
    KAFKA.broker().createTopic("nurse-sensors", 2);
    KAFKA.broker().createTopic("nurse-stress", 1, Map.of("cleanup.policy", "compact"));
    long origin = System.currentTimeMillis() - 60_000;
    try (SensorProducer producer =
        SensorProducer.builder(bootstrap).topic("nurse-sensors").nurses(3).origin(origin).build()) {
      producer.produceUntil(origin + 30_000);
    }
    URI jobManager = URI.create("http://127.0.0.1:" + closedPort()); // no primary running
    List<Transition> transitions = new CopyOnWriteArrayList<>();
    FallbackListener myListener =
        new FallbackListener() {
          @Override
          public void transitioned(Transition t) {
            transitions.add(t);
          }
        };

    // README:begin embedding
    WindowSpec windows = WindowSpec.ofDefaults(); // 5 s windows of X, Y, Z, EDA, HR, TEMP
    KafkaSourceSettings input =
        KafkaSourceSettings.builder()
            .bootstrapServers(bootstrap)
            .topic("nurse-sensors")
            .groupId("my-app-fallback")
            .primaryGroupId("flink-consumer")
            .autoOffsetReset(KafkaSourceSettings.OffsetReset.EARLIEST)
            .batchTimeout(Duration.ofMillis(500))
            .build();
    // your own model: any BatchProcessor that is all-or-nothing (here: HR above 90 is stressed)
    BatchProcessor<WindowResult, ScoredWindow> model =
        batch -> batch.stream().map(w -> new ScoredWindow(w, w.mean(4) > 90 ? 2 : 0)).toList();

    try (KafkaTimeLagSource lag = KafkaTimeLagSource.builder(bootstrap, "nurse-sensors").build();
        KafkaTopicSink sink = KafkaTopicSink.of(bootstrap, "nurse-stress", Duration.ofSeconds(30));
        Fallback fallback =
            Fallback.builder()
                .latencySource(lag) // how far behind the primary's consumer group is
                .healthProbe(
                    FlinkRestHealthProbe.of(FlinkProbeSettings.builder(jobManager).build()))
                .source(
                    () -> KafkaBatchSource.builder(input, windows).build()) // new per activation
                .windowSpec(windows)
                .processor(model)
                .sink(sink)
                .policy(ModePolicy.of(Duration.ofSeconds(30), 3)) // 3 bad checks in a row switch
                .checkInterval(Duration.ofSeconds(1))
                .listener(myListener) // transitions, batches, failures
                .build()) {
      fallback.start();
      // ... your application runs; fallback.state() and fallback.override(..) for operators
      // README:end embedding

      await("the fallback takes over")
          .atMost(Duration.ofSeconds(30))
          .until(() -> fallback.state().mode() == Mode.FALLBACK);
      // 3 nurses x 30 s of readings: the windows up to the watermark (25 s), at least 4 per nurse
      await("every complete window scored into nurse-stress")
          .atMost(Duration.ofSeconds(60))
          .until(() -> CompactedTopic.read(bootstrap, "nurse-stress").size() >= 3 * 4);
    }

    assertThat(transitions)
        .first()
        .satisfies(
            t -> {
              assertThat(t.to()).isEqualTo(Mode.FALLBACK);
              assertThat(t.detail()).isNotBlank();
            });
    assertThat(CompactedTopic.read(bootstrap, "nurse-stress").values())
        .allSatisfy(v -> assertThat(v).containsPattern("\"stress_level\":[02]"));
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
