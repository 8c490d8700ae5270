package io.fallback.influx;

import io.fallback.contract.LatencySourceContract;
import io.fallback.core.LatencySource;
import io.fallback.testkit.InfluxDbExtension;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link InfluxFreshnessLatencySource} passes the adapter contract kit against a real influxd
 * 1.6.7.
 */
class InfluxFreshnessContractIT extends LatencySourceContract {

  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();

  @Override
  protected LatencySource createWithoutData() {
    INFLUX.server().createDatabase("freshness_contract_empty");
    return InfluxFreshnessLatencySource.of(
        InfluxSettings.builder()
            .url(INFLUX.server().url())
            .database("freshness_contract_empty")
            .build(),
        InstantSource.system());
  }

  @Override
  protected LatencySource createUnreachable(int closedPort) {
    return InfluxFreshnessLatencySource.of(
        InfluxSettings.builder()
            .url("http://127.0.0.1:" + closedPort)
            .database("freshness_contract_empty")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(2))
            .build(),
        InstantSource.system());
  }
}
