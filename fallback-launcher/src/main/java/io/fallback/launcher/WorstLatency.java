package io.fallback.launcher;

import io.fallback.core.LatencySource;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code monitoring.latency_source: both}: the worse (larger) of the sources' readings; no evidence
 * only when no source has any. A source that throws counts as no evidence.
 */
final class WorstLatency implements LatencySource {

  private final List<LatencySource> sources;

  WorstLatency(List<LatencySource> sources) {
    this.sources = List.copyOf(sources);
  }

  @Override
  public Optional<Duration> currentLatency() {
    Optional<Duration> worst = Optional.empty();
    for (LatencySource s : sources) {
      Optional<Duration> reading;
      try {
        reading = s.currentLatency();
      } catch (RuntimeException e) {
        reading = Optional.empty();
      }
      if (reading.isPresent() && (worst.isEmpty() || reading.get().compareTo(worst.get()) > 0)) {
        worst = reading;
      }
    }
    return worst;
  }

  @Override
  public String name() {
    return "both";
  }
}
