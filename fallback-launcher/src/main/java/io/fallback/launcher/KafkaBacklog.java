package io.fallback.launcher;

import io.fallback.kafka.KafkaSourceSettings;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The fallback's remaining backlog for {@code GET /status}: end offsets minus our group's committed
 * offsets, summed over the topic's partitions. Created lazily, bounded by a 5 s timeout.
 */
final class KafkaBacklog implements AutoCloseable {

  private final KafkaSourceSettings settings;
  private Admin admin;

  KafkaBacklog(KafkaSourceSettings settings) {
    this.settings = settings;
  }

  synchronized OptionalLong records() {
    try {
      if (admin == null) {
        Map<String, Object> props = new HashMap<>(settings.clientProperties());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        admin = Admin.create(props);
      }
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(settings.groupId()).partitionsToOffsetAndMetadata()
              .get(5, TimeUnit.SECONDS);
      int partitions =
          admin.describeTopics(java.util.List.of(settings.topic())).allTopicNames().get(5, TimeUnit.SECONDS)
              .get(settings.topic()).partitions().size();
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      for (int p = 0; p < partitions; p++) {
        request.put(new TopicPartition(settings.topic(), p), OffsetSpec.latest());
      }
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
          admin.listOffsets(request).all().get(5, TimeUnit.SECONDS);
      long total = 0;
      for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : ends.entrySet()) {
        OffsetAndMetadata c = committed.get(e.getKey());
        total += Math.max(0, e.getValue().offset() - (c == null ? 0 : c.offset()));
      }
      return OptionalLong.of(total);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return OptionalLong.empty();
    }
  }

  @Override
  public synchronized void close() {
    if (admin != null) {
      admin.close(java.time.Duration.ofSeconds(5));
    }
  }
}
