package io.fallback.http;

import io.fallback.contract.HealthProbeContract;
import io.fallback.core.HealthProbe;
import java.net.URI;
import java.time.Duration;

/** {@link HttpHealthProbe} (the model service's health) passes the adapter contract kit. */
class HttpHealthProbeContractTest extends HealthProbeContract {

  @Override
  protected HealthProbe createProbe(URI uri) {
    return HttpHealthProbe.of(uri.resolve("/health"), Duration.ofSeconds(1));
  }

  @Override
  protected Duration callBound() {
    return Duration.ofSeconds(10);
  }
}
