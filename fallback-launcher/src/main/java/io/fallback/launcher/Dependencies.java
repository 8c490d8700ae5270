package io.fallback.launcher;

import io.fallback.launcher.config.FallbackConfig;
import java.time.InstantSource;
import java.util.Objects;

/**
 * The remote dependencies of one application, each reporting its own reachability ({@link
 * Dependency}): Kafka (the latency read and the backlog sampler), InfluxDB (the freshness read and
 * the fallback's writes), the Flink REST API (the health probe) and the model service (the
 * fallback's calls).
 *
 * <p>Immutable and thread-safe.
 *
 * @param kafka {@code kafka.bootstrap_servers}
 * @param influx {@code influxdb.url}
 * @param flink {@code monitoring.flink_rest_url}
 * @param model {@code ml_service.endpoint}
 */
record Dependencies(Dependency kafka, Dependency influx, Dependency flink, Dependency model) {

  /**
   * Checks the components.
   *
   * @throws NullPointerException for a null component
   */
  Dependencies {
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(influx, "influx");
    Objects.requireNonNull(flink, "flink");
    Objects.requireNonNull(model, "model");
  }

  /**
   * The dependencies a configuration names.
   *
   * @param config the configuration
   * @param bootstrapServers the Kafka bootstrap servers the clients use
   * @param clock the application's clock
   * @return the dependencies
   */
  static Dependencies of(FallbackConfig config, String bootstrapServers, InstantSource clock) {
    return new Dependencies(
        Dependency.of("Kafka", TcpDial.ofHostPorts(bootstrapServers), clock),
        Dependency.of("InfluxDB", TcpDial.ofUrl(config.influxdb().url()), clock),
        Dependency.of("Flink REST API", TcpDial.ofUrl(config.monitoring().flinkRestUrl()), clock),
        Dependency.of("model service", TcpDial.ofUrl(config.mlService().endpoint()), clock));
  }
}
