package io.fallback.kafka;

import io.fallback.contract.BatchSourceContract;
import io.fallback.core.BatchSource;
import io.fallback.core.window.Reading;
import io.fallback.kafka.Harness.Outgoing;
import io.fallback.testkit.KafkaBrokerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link KafkaBatchSource} passes the adapter contract kit against a real in-JVM KRaft broker: a
 * new one-partition topic and group per test.
 */
class KafkaBatchSourceContractIT extends BatchSourceContract<Reading> {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static final AtomicInteger TESTS = new AtomicInteger();

  /** Below {@link #holdDuration()}: a hold that only slept would cost the group membership. */
  private static final int MAX_POLL_INTERVAL_MS = 2_000;

  private String topic;
  private String group;
  private long nextTime = System.currentTimeMillis() - 600_000;

  @BeforeEach
  void newTopic() {
    int n = TESTS.incrementAndGet();
    topic = "source-contract-" + n;
    group = "source-contract-group-" + n;
    KAFKA.broker().createTopic(topic, 1);
  }

  @Override
  protected BatchSource<Reading> createSource() {
    return KafkaBatchSource.builder(
            Harness.settings(KAFKA.bootstrapServers(), topic, group)
                .batchSize(3)
                .batchTimeout(Duration.ofMillis(50))
                .clientProperty("consumer.max.poll.interval.ms", MAX_POLL_INTERVAL_MS)
                .build(),
            Harness.SPEC)
        .apiTimeout(Duration.ofSeconds(20))
        .build();
  }

  @Override
  protected void appendRecords(int count) {
    List<Outgoing> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long ts = nextTime += 100;
      records.add(
          new Outgoing(
              Harness.key(0), NurseRecords.encode(NurseRecords.deterministic("0", ts)), ts, null));
    }
    try {
      Harness.produce(KAFKA.bootstrapServers(), topic, records);
    } catch (Exception e) {
      throw new IllegalStateException("cannot produce to " + topic, e);
    }
  }

  @Override
  protected Duration holdDuration() {
    return Duration.ofMillis(MAX_POLL_INTERVAL_MS + 1_000);
  }
}
