package io.fallback.launcher.config;

import io.fallback.core.mode.ModePolicy;
import io.fallback.core.window.WindowSpec;
import io.fallback.http.FlinkProbeSettings;
import io.fallback.http.ModelServiceSettings;
import io.fallback.influx.InfluxSettings;
import io.fallback.kafka.KafkaSourceSettings;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Builds the adapters' and core's settings records from the sections. Each record validates itself
 * and names the key of a bad value; the loader builds every one of them once and collects their
 * messages ({@link Problems#collect}), so their rules are not repeated here. Stateless and
 * thread-safe.
 */
final class AdapterSettings {

  private AdapterSettings() {}

  static ModePolicy policy(MonitoringConfig m) {
    return new ModePolicy(
        m.latencyThreshold(),
        m.consecutiveViolations(),
        m.resumeThreshold(),
        m.consecutiveRecoveries(),
        m.minFallback(),
        m.healthCheckInterval().isPresent() ? m.healthConfirmations() : 0);
  }

  static WindowSpec windowSpec(ProcessingConfig p) {
    return new WindowSpec(p.window(), p.maxOutOfOrderness(), p.fields());
  }

  static ModelServiceSettings modelService(MlServiceConfig m) {
    return ModelServiceSettings.builder(m.endpoint())
        .healthEndpoint(m.healthEndpoint().orElse(null))
        .timeout(m.timeout())
        .retryAttempts(m.retryAttempts())
        .maxConcurrency(m.maxConcurrency())
        .circuitBreaker(m.circuitBreakerFailures(), m.circuitBreakerOpen())
        .queryParameters(m.queryParameters())
        .batch(m.batchSize(), m.batchEndpoint().map(AdapterSettings::batchEndpoint).orElse(null))
        .build();
  }

  private static URI batchEndpoint(String value) {
    try {
      return new URI(value);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "ml_service.batch_endpoint must be an http(s) URL, but was '" + value + "'", e);
    }
  }

  /**
   * The probe's settings in {@code mode}; the loader checks them even when {@code health_probe} is
   * none.
   */
  static FlinkProbeSettings flinkProbe(MonitoringConfig m, FlinkProbeSettings.Mode mode) {
    FlinkProbeSettings.Builder b =
        FlinkProbeSettings.builder(m.flinkRestUrl()).mode(mode).timeout(m.probeTimeout());
    m.flinkJobName().ifPresent(b::jobName);
    m.flinkJobId().ifPresent(b::jobId);
    // 0 turns the check off, as the key reference says (the probe's own default applies only to
    // users of the library who set nothing)
    b.maxCheckpointAge(m.maxCheckpointAge());
    return b.build();
  }

  static KafkaSourceSettings kafkaSource(
      KafkaConfig k, ProcessingConfig p, MonitoringConfig m, HandoffConfig h, Secrets secrets) {
    KafkaSourceSettings.Builder b =
        KafkaSourceSettings.builder()
            .bootstrapServers(k.bootstrapServers())
            .topic(k.topic())
            .groupId(k.groupId())
            .autoOffsetReset(k.autoOffsetReset())
            .batchSize(p.batchSize())
            .batchTimeout(p.batchTimeout())
            .dlqTopic(p.dlqTopic())
            .keyField(p.keyField())
            .timestampField(p.timestampField())
            .timestampFormat(p.timestampFormat())
            .format(p.format())
            .primaryGroupId(m.primaryGroupId())
            .advancePrimaryOffsets(h.advancePrimaryOffsets())
            .rewindMargin(h.rewindMargin())
            .clientProperties(k.properties());
    p.schemaFile().ifPresent(b::schemaFile);
    secrets.read(k.saslJaasConfig()).ifPresent(jaas -> b.clientProperty("sasl.jaas.config", jaas));
    return b.build();
  }

  static InfluxSettings influx(InfluxConfig i, Secrets secrets) {
    InfluxSettings.Builder b =
        InfluxSettings.builder()
            .url(i.url())
            .apiVersion(i.apiVersion())
            .database(i.database())
            .measurement(i.measurement())
            .sourceTag(i.sourceTag())
            .sourceAsField(i.sourceAsField())
            .primaryMeasurement(i.primaryMeasurement())
            .primaryIdTag(i.primaryIdTag())
            .primaryField(i.primaryStressField())
            .chunkSize(i.chunkSize())
            .timeout(i.timeout())
            .maxRetryDuration(i.maxRetry());
    i.retentionPolicy().ifPresent(b::retentionPolicy);
    i.primarySource().ifPresent(b::primarySource);
    i.org().ifPresent(b::org);
    i.bucket().ifPresent(b::bucket);
    i.username().ifPresent(user -> b.credentials(user, secrets.read(i.password()).orElse("")));
    secrets.read(i.token()).ifPresent(b::token);
    return b.build();
  }
}
