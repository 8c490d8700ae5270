package io.fallback.http;

import io.fallback.contract.HealthProbeContract;
import io.fallback.core.HealthProbe;
import java.net.URI;
import java.time.Duration;

/**
 * {@link FlinkRestHealthProbe} passes the adapter contract kit: a JobManager that is not there, or
 * that accepts and never answers, is unhealthy with a reason. (Its healthy paths are pinned on a
 * real MiniCluster by {@link FlinkRestHealthProbeIT}.)
 */
class FlinkRestHealthProbeContractTest extends HealthProbeContract {

  @Override
  protected HealthProbe createProbe(URI uri) {
    return FlinkRestHealthProbe.of(
        FlinkProbeSettings.builder(uri)
            .jobName("nurse-stress")
            .timeout(Duration.ofSeconds(1))
            .build());
  }

  @Override
  protected Duration callBound() {
    return Duration.ofSeconds(10);
  }
}
