package io.fallback.kafka;

import io.fallback.contract.LatencySourceContract;
import io.fallback.core.LatencySource;
import io.fallback.testkit.KafkaBrokerExtension;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link KafkaTimeLagSource} passes the adapter contract kit against a real KRaft broker. */
class KafkaTimeLagContractIT extends LatencySourceContract {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static final AtomicInteger TOPICS = new AtomicInteger();

  @Override
  protected LatencySource createWithoutData() {
    String topic = "lag-contract-empty-" + TOPICS.incrementAndGet();
    KAFKA.broker().createTopic(topic, 1);
    return KafkaTimeLagSource.builder(KAFKA.bootstrapServers(), topic)
        .group("primary-never-committed")
        .timeout(Duration.ofSeconds(10))
        .build();
  }

  @Override
  protected LatencySource createUnreachable(int closedPort) {
    return KafkaTimeLagSource.builder("127.0.0.1:" + closedPort, "lag-contract-empty")
        .group("primary")
        .timeout(Duration.ofSeconds(2))
        .build();
  }
}
