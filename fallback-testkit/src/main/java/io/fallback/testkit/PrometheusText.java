package io.fallback.testkit;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the Prometheus text exposition of {@code GET /metrics}: the samples by name and the sum of
 * a metric over its label sets. Pure functions of their arguments; {@link LauncherProcess#samples}
 * and {@link LauncherProcess#sum} are their public face.
 *
 * <p>This class is thread-safe: it has no state.
 */
final class PrometheusText {

  private PrometheusText() {}

  /**
   * Parses Prometheus text into sample name (with labels) to value; comments, blank lines and lines
   * without a number are skipped.
   *
   * @param text the exposition
   * @return the samples, in the order of the text
   */
  static Map<String, Double> samples(String text) {
    requireNonNull(text, "text");
    Map<String, Double> result = new LinkedHashMap<>();
    for (String line : text.lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      if (space <= 0) {
        continue;
      }
      try {
        result.put(
            line.substring(0, space).trim(), Double.parseDouble(line.substring(space + 1).trim()));
      } catch (NumberFormatException e) {
        // not a sample line; skip it
      }
    }
    return result;
  }

  /**
   * The sum of every sample of a metric over all its label sets.
   *
   * @param samples from {@link #samples(String)}
   * @param metric the sample name without labels, e.g. {@code fallback_errors_total}
   * @return the sum, or null when the metric is absent
   */
  static Double sum(Map<String, Double> samples, String metric) {
    requireNonNull(samples, "samples");
    requireNonNull(metric, "metric");
    Double total = null;
    for (Map.Entry<String, Double> e : samples.entrySet()) {
      String key = e.getKey();
      if (key.equals(metric) || key.startsWith(metric + "{")) {
        total = (total == null ? 0 : total) + e.getValue();
      }
    }
    return total;
  }
}
