package io.fallback.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fallback.testkit.FlinkClusterExtension;
import io.fallback.testkit.InfluxDbExtension;
import io.fallback.testkit.KafkaBrokerExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The primary alone: the real Flink job on the test kit's cluster, fed by the sensor producer,
 * writes exactly the reference's points, and a cancel + restore from its retained checkpoint loses
 * nothing.
 */
class FlinkPrimaryJobIT {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();
  @RegisterExtension static final FlinkClusterExtension FLINK = new FlinkClusterExtension();

  private static ModelService model;

  @TempDir static Path checkpoints;

  @BeforeAll
  static void startModel() throws Exception {
    model = ModelService.start();
  }

  @AfterAll
  static void stopModel() {
    model.close();
  }

  @Test
  void backlog_everyDueWindowEqualsTheReference_alsoAfterCancelAndRestoreFromCheckpoint()
      throws Exception {
    KAFKA.broker().createTopic("stress-topic", 2);
    INFLUX.server().createDatabase("flink_sink");
    long origin = (System.currentTimeMillis() / 1000) * 1000 - 120_000;
    FlinkPrimaryJob.Settings settings =
        FlinkPrimaryJob.Settings.of(
                KAFKA.broker().bootstrapServers(),
                model.predictUrl(),
                INFLUX.server().url(),
                checkpoints)
            .withCheckpointInterval(Duration.ofSeconds(1));

    try (SensorProducer producer =
        SensorProducer.builder(KAFKA.broker().bootstrapServers())
            .nurses(4)
            .origin(origin)
            .nullRate(0.01)
            .build()) {
      producer.produceUntil(origin + 40_000);
      FlinkPrimaryJob job = FlinkPrimaryJob.start(FLINK.cluster(), settings);

      Reference first = Reference.ofDefaults(producer.sent());
      awaitAllDue(first);
      OutputCheck check = OutputCheck.of(first, points());
      assertThat(check.samples()).isEmpty();
      assertThat(check.due()).isGreaterThanOrEqualTo(4 * 6);
      assertThat(check.missing()).isZero();
      assertThat(check.mismatches()).isZero();
      assertThat(check.pointsBySource()).containsOnlyKeys("flink");
      await("the flink-consumer group commits offsets on checkpoints")
          .atMost(Duration.ofSeconds(30))
          .until(() -> committedTotal() > 0);

      Optional<Path> checkpoint = job.cancel();
      assertThat(checkpoint).as("a retained checkpoint").isPresent();
      producer.produceUntil(origin + 80_000);
      Optional<Path> restoredFrom = job.restartFromCheckpoint();

      assertThat(restoredFrom).isEqualTo(checkpoint);
      Reference second = Reference.ofDefaults(producer.sent());
      awaitAllDue(second);
      OutputCheck after = OutputCheck.of(second, points());
      assertThat(after.samples()).isEmpty();
      assertThat(after.due()).isGreaterThan(check.due());
      assertThat(after.missing()).isZero();
      assertThat(after.mismatches()).isZero();
      assertThat(after.checked()).isEqualTo(after.due());
      assertThat(model.predictions("flink")).isGreaterThanOrEqualTo(after.due());
      job.cancel();
    }
  }

  private static void awaitAllDue(Reference reference) {
    await("all " + reference.due().size() + " due windows written by flink")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> OutputCheck.of(reference, points()).missing() == 0);
  }

  private static List<InfluxPoints.Point> points() {
    return InfluxPoints.read(INFLUX.server().url(), "flink_sink", "nurse_stress");
  }

  private static long committedTotal() throws Exception {
    return KAFKA
        .broker()
        .admin()
        .listConsumerGroupOffsets("flink-consumer")
        .partitionsToOffsetAndMetadata()
        .get()
        .entrySet()
        .stream()
        .filter(e -> e.getKey().topic().equals("stress-topic"))
        .map(java.util.Map.Entry::getValue)
        .mapToLong(OffsetAndMetadata::offset)
        .sum();
  }
}
