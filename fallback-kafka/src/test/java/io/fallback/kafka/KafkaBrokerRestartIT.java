package io.fallback.kafka;

import static io.fallback.kafka.Harness.byId;
import static io.fallback.kafka.Harness.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fallback.core.PrimaryProgress.WindowId;
import io.fallback.core.window.WindowResult;
import io.fallback.kafka.Harness.Outgoing;
import io.fallback.kafka.Harness.Produced;
import io.fallback.kafka.Harness.RecordingSink;
import io.fallback.kafka.Harness.RunningLoop;
import io.fallback.testkit.KafkaBrokerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The broker (a child JVM) stops and restarts while the fallback consumes: nothing is lost. */
@SuppressWarnings("try") // try-with-resources stops the loop thread
class KafkaBrokerRestartIT {

  private static KafkaBrokerProcess broker;

  @BeforeAll
  static void startBroker() {
    broker = KafkaBrokerProcess.create().start();
  }

  @AfterAll
  static void closeBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void brokerStoppedAndRestartedMidStream_noWindowLostNoneConflicting() throws Exception {
    String topic = "restart";
    broker.createTopic(topic, 2);
    long t0 = (System.currentTimeMillis() - 600_000L) / 5_000 * 5_000;
    List<Outgoing> records = Harness.nurseRecords(3, 6, 1200, t0, 100);
    List<Produced> produced =
        new ArrayList<>(
            Harness.produce(broker.bootstrapServers(), topic, records.subList(0, 3600)));
    RecordingSink sink = new RecordingSink();
    KafkaSourceSettings settings =
        Harness.settings(broker.bootstrapServers(), topic, "fb-restart")
            .clientProperties(Map.of("reconnect.backoff.max.ms", 500, "request.timeout.ms", 5000))
            .build();
    KafkaBatchSource source =
        KafkaBatchSource.builder(settings, Harness.SPEC).apiTimeout(Duration.ofSeconds(10)).build();

    try (RunningLoop loop = new RunningLoop(source, sink, Duration.ofMillis(100))) {
      List<WindowResult> firstHalf = Harness.reference(produced);
      await("windows of the first half written")
          .atMost(Duration.ofSeconds(60))
          .until(() -> sink.size() >= firstHalf.size());

      broker.stop();
      broker.start();
      produced.addAll(
          Harness.produce(broker.bootstrapServers(), topic, records.subList(3600, records.size())));
      Map<WindowId, WindowResult> expected = byId(Harness.reference(produced));

      await("every window written after the restart")
          .atMost(Duration.ofSeconds(120))
          .until(
              () -> {
                Set<WindowId> written = new HashSet<>();
                sink.written().forEach(w -> written.add(id(w)));
                return written.containsAll(expected.keySet());
              });

      for (WindowResult w : sink.written()) {
        assertThat(w).as("written window equals the reference").isEqualTo(expected.get(id(w)));
      }
      assertThat(expected).hasSizeGreaterThan(100);
    }
  }
}
