package io.fallback.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.kafka.KafkaSourceSettings.OffsetReset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaSourceSettingsTest {

  private static KafkaSourceSettings.Builder minimal() {
    return KafkaSourceSettings.builder().bootstrapServers("kafka:9092").topic("stress-topic");
  }

  @Test
  void defaults_matchTheSeedAndDesign() {
    KafkaSourceSettings s = minimal().build();

    assertThat(s.groupId()).isEqualTo("dask-fallback-consumer");
    assertThat(s.autoOffsetReset()).isEqualTo(OffsetReset.LATEST);
    assertThat(s.batchSize()).isEqualTo(1000);
    assertThat(s.batchTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.dlqTopic()).isEqualTo("stress-topic.dlq");
    assertThat(s.keyField()).isEqualTo("id");
    assertThat(s.timestampField()).isEqualTo("datetime");
    assertThat(s.usesKafkaTimestamp()).isFalse();
    assertThat(s.timestampFormat()).isEqualTo("yyyy-MM-dd HH:mm:ss.SSS");
    assertThat(s.format()).isEqualTo(RecordFormat.AVRO);
    assertThat(s.schemaFileIfSet()).isEmpty();
    assertThat(s.primaryGroupId()).isEqualTo("flink-consumer");
    assertThat(s.advancePrimaryOffsets()).isFalse();
    assertThat(s.rewindMargin()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.clientProperties()).isEmpty();
  }

  @Test
  void everyInvalidValue_reportedAtOnceWithItsKey() {
    assertThatThrownBy(
            () ->
                KafkaSourceSettings.builder()
                    .bootstrapServers(" ")
                    .topic(null)
                    .groupId("")
                    .autoOffsetReset(null)
                    .batchSize(0)
                    .batchTimeout(Duration.ZERO)
                    .keyField("")
                    .timestampField(null)
                    .timestampFormat("yyyy {")
                    .format(null)
                    .schemaFile(Path.of("/nonexistent/schema.avsc"))
                    .primaryGroupId("")
                    .rewindMargin(Duration.ofSeconds(-1))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("kafka.bootstrap_servers must not be empty")
        .hasMessageContaining("kafka.topic must not be empty")
        .hasMessageContaining("kafka.group_id must not be empty")
        .hasMessageContaining("kafka.auto_offset_reset must be one of earliest, latest")
        .hasMessageContaining("processing.batch_size must be > 0, but was 0")
        .hasMessageContaining("processing.batch_timeout_seconds must be > 0, but was 0.0")
        .hasMessageContaining("processing.dlq_topic must not be empty")
        .hasMessageContaining("processing.key_field must not be empty")
        .hasMessageContaining("processing.timestamp_field must not be empty")
        .hasMessageContaining(
            "processing.timestamp_format must be a DateTimeFormatter pattern, but was yyyy {")
        .hasMessageContaining("processing.format must be one of avro, json")
        .hasMessageContaining(
            "processing.schema_file must be an existing file, but was /nonexistent/schema.avsc")
        .hasMessageContaining("monitoring.primary_group_id must not be empty")
        .hasMessageContaining("handoff.rewind_margin_seconds must be >= 0, but was -1.0");
  }

  @Test
  void sameGroupForPrimaryAndFallback_rejected() {
    assertThatThrownBy(() -> minimal().groupId("flink-consumer").build())
        .hasMessageContaining("monitoring.primary_group_id must differ from kafka.group_id");
  }

  @Test
  void dlqTopicEqualToInput_rejected() {
    assertThatThrownBy(() -> minimal().dlqTopic("stress-topic").build())
        .hasMessageContaining("processing.dlq_topic must differ from kafka.topic");
  }

  @Test
  void yamlEnums_parseOrNameTheKey() {
    assertThat(OffsetReset.parse("Earliest")).isEqualTo(OffsetReset.EARLIEST);
    assertThat(RecordFormat.parse("json")).isEqualTo(RecordFormat.JSON);
    assertThatThrownBy(() -> OffsetReset.parse("none"))
        .hasMessage("kafka.auto_offset_reset must be one of earliest, latest, but was none");
    assertThatThrownBy(() -> RecordFormat.parse("protobuf"))
        .hasMessage("processing.format must be one of avro, json, but was protobuf");
  }

  @Test
  void kafkaTimestampLiteral_selectsRecordTimestamp() {
    assertThat(minimal().timestampField("kafka_timestamp").build().usesKafkaTimestamp()).isTrue();
  }

  @Test
  void clientProperties_copiedAndImmutable() {
    Map<String, Object> props = new java.util.HashMap<>(Map.of("security.protocol", "SSL"));
    KafkaSourceSettings s = minimal().clientProperties(props).build();
    props.put("x", 1);

    assertThat(s.clientProperties()).containsOnlyKeys("security.protocol");
    assertThatThrownBy(() -> s.clientProperties().put("y", 2))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(s.toBuilder().build()).isEqualTo(s);
  }

  @Test
  void clientProperties_splitBetweenClients() {
    Map<String, Object> props =
        Map.of(
            "security.protocol", "SSL",
            "fetch.min.bytes", 1,
            "linger.ms", 5,
            "producer.linger.ms", 7,
            "consumer.client.id", "c",
            "admin.retries", 2,
            "something.unknown", "u");

    Map<String, Object> consumer = ClientConfigs.consumer("b:1", props);
    Map<String, Object> producer = ClientConfigs.producer("b:1", props);
    Map<String, Object> admin = ClientConfigs.admin("b:1", props);

    assertThat(consumer)
        .containsEntry("security.protocol", "SSL")
        .containsEntry("fetch.min.bytes", 1)
        .containsEntry("client.id", "c")
        .containsEntry("something.unknown", "u")
        .containsEntry("bootstrap.servers", "b:1")
        .doesNotContainKeys("linger.ms", "retries");
    assertThat(producer)
        .containsEntry("security.protocol", "SSL")
        .containsEntry("linger.ms", 7)
        .doesNotContainKeys("fetch.min.bytes", "client.id", "something.unknown");
    assertThat(admin).containsEntry("retries", 2).containsEntry("security.protocol", "SSL");
  }

  @Test
  void toString_masksSecretClientProperties() {
    KafkaSourceSettings settings =
        KafkaSourceSettings.builder()
            .bootstrapServers("127.0.0.1:9092")
            .topic("t")
            .groupId("g")
            .clientProperty("sasl.jaas.config", "PlainLoginModule required password=\"hunter2\";")
            .clientProperty("consumer.ssl.key.password", "hunter3")
            .clientProperty("security.protocol", "SASL_SSL")
            .build();

    assertThat(settings.toString())
        .doesNotContain("hunter2")
        .doesNotContain("hunter3")
        .contains("SASL_SSL");
  }
}
