package com.example.stress;

import io.fallback.core.BatchProcessor;
import io.fallback.core.Fallback;
import io.fallback.core.FallbackListener;
import io.fallback.core.mode.ModePolicy;
import io.fallback.core.mode.ModeState;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.http.FlinkProbeSettings;
import io.fallback.http.FlinkRestHealthProbe;
import io.fallback.influx.InfluxSettings;
import io.fallback.influx.InfluxSink;
import io.fallback.kafka.KafkaBatchSource;
import io.fallback.kafka.KafkaSourceSettings;
import io.fallback.kafka.KafkaTimeLagSource;
import io.fallback.kafka.RecordFormat;
import java.net.URI;
import java.time.Duration;

/**
 * An application's fallback, wired through the front door: JSON sensor readings from Kafka, the
 * application's own stress rule instead of a model service, scored windows to InfluxDB. It takes
 * over when the primary (a Flink job) is unhealthy or lags.
 */
public final class StressFallback implements AutoCloseable {

  private final KafkaTimeLagSource lag;
  private final InfluxSink sink;
  private final Fallback fallback;

  /**
   * Wires and starts the fallback.
   *
   * @param kafka bootstrap servers
   * @param topic the sensor topic, JSON values
   * @param influxUrl InfluxDB 1.x URL
   * @param database InfluxDB database
   * @param flinkRest the primary's JobManager REST URL
   * @param checkInterval time between checks
   * @param listener told about transitions and batches
   */
  public StressFallback(
      String kafka,
      String topic,
      String influxUrl,
      String database,
      URI flinkRest,
      Duration checkInterval,
      FallbackListener listener) {
    WindowSpec windows = WindowSpec.ofDefaults();
    KafkaSourceSettings input =
        KafkaSourceSettings.builder()
            .bootstrapServers(kafka)
            .topic(topic)
            .groupId("stress-app-fallback")
            .primaryGroupId("flink-consumer")
            .format(RecordFormat.JSON)
            .autoOffsetReset(KafkaSourceSettings.OffsetReset.EARLIEST)
            .batchTimeout(Duration.ofMillis(500))
            .build();
    BatchProcessor<WindowResult, ScoredWindow> rule =
        batch -> batch.stream().map(w -> new ScoredWindow(w, w.mean(4) > 90 ? 2 : 0)).toList();
    lag = KafkaTimeLagSource.builder(kafka, topic).group("flink-consumer").build();
    sink = InfluxSink.of(InfluxSettings.of(influxUrl, database), windows);
    fallback =
        Fallback.builder()
            .latencySource(lag)
            .healthProbe(FlinkRestHealthProbe.of(FlinkProbeSettings.builder(flinkRest).build()))
            .source(() -> KafkaBatchSource.builder(input, windows).build())
            .windowSpec(windows)
            .processor(rule)
            .sink(sink)
            .policy(ModePolicy.of(Duration.ofSeconds(30), 3))
            .checkInterval(checkInterval)
            .listener(listener)
            .build();
    fallback.start();
  }

  /**
   * The current mode.
   *
   * @return the state
   */
  public ModeState state() {
    return fallback.state();
  }

  /** Stops the fallback, then closes the clients it used. */
  @Override
  public void close() {
    fallback.close();
    sink.close();
    lag.close();
  }
}
