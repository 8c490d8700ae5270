package io.fallback.launcher;

import io.fallback.core.mode.CheckVerdict;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Observation;
import io.fallback.core.supervisor.FallbackActivity;
import io.fallback.core.supervisor.ManualScheduler;
import io.fallback.kafka.GroupBacklog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The README's metrics reference, generated from a scrape of the launcher's registry ({@link
 * LauncherMetrics}) with every meter present (a check with latency evidence, a backlog sample):
 * name, type, labels with their values, and the HELP text. {@link #main} rewrites the README
 * between the markers; {@code MetricsReferenceTest} fails when it is stale.
 */
final class MetricsReference {

  static final String START = "<!-- metrics-reference:start -->\n";
  static final String END = "<!-- metrics-reference:end -->";

  /** Families that are not the processor's own come from Micrometer's JVM and process binders. */
  static final List<String> BINDER_PREFIXES = List.of("jvm_", "process_", "system_");

  private MetricsReference() {}

  /**
   * @return a scrape of the launcher's registry with every meter present
   */
  static PrometheusScrape fullScrape() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    ManualScheduler time = new ManualScheduler(t0);
    try (LauncherMetrics meters = new LauncherMetrics(time)) {
      MetricsListener events = meters.events();
      events.watchMode(() -> ModeState.initial(t0));
      events.watchLoop(
          () ->
              new FallbackActivity.Status(
                  FallbackActivity.State.NOT_STARTED, 0, Optional.empty(), Optional.empty()));
      events.checkCompleted(
          Observation.healthy(t0, Duration.ofSeconds(2)),
          new CheckVerdict(CheckVerdict.Kind.OK, 0, 3, ""),
          ModeState.initial(t0));
      events.backlogSampled(
          new Backlog.Sample(Optional.of(new GroupBacklog.Counts(0, 0, 0)), Optional.of(t0)));
      return PrometheusScrape.parse(meters.registry().scrape());
    }
  }

  /**
   * @return the Markdown table
   */
  static String markdown() {
    PrometheusScrape scrape = fullScrape();
    Map<String, Map<String, Set<String>>> labels = new TreeMap<>();
    for (PrometheusScrape.Sample s : scrape.samples()) {
      String family = scrape.familyOf(s.name());
      Map<String, Set<String>> byName = labels.computeIfAbsent(family, f -> new LinkedHashMap<>());
      s.labels()
          .forEach(
              (k, v) -> {
                if (!k.equals("le")) {
                  byName.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(v);
                }
              });
    }
    List<String> rows = new ArrayList<>();
    rows.add("| metric | type | labels | meaning |");
    rows.add("|---|---|---|---|");
    new TreeMap<>(scrape.families())
        .values().stream()
            .filter(f -> f.name().startsWith("fallback_"))
            .forEach(
                f ->
                    rows.add(
                        "| `"
                            + f.name()
                            + "`"
                            + suffixes(f)
                            + " | "
                            + f.type()
                            + " | "
                            + labelText(labels.getOrDefault(f.name(), Map.of()))
                            + " | "
                            + escape(meaning(scrape, f))
                            + " |"));
    rows.add(
        "| `jvm_*`, `process_*`, `system_*` | | | the JVM and the process, from Micrometer's binders:"
            + " JvmMemoryMetrics, JvmGcMetrics, JvmThreadMetrics, ClassLoaderMetrics, ProcessorMetrics, UptimeMetrics,"
            + " FileDescriptorMetrics |");
    return String.join("\n", rows) + "\n";
  }

  /** Micrometer gives a timer's {@code _max} gauge the timer's HELP; say what the value is. */
  private static String meaning(PrometheusScrape scrape, PrometheusScrape.Family f) {
    String base = f.name().endsWith("_max") ? f.name().substring(0, f.name().length() - 4) : null;
    if (base != null
        && scrape.families().containsKey(base)
        && scrape.families().get(base).type().equals("histogram")) {
      return f.help() + ": the longest, over the last 2 minutes";
    }
    return f.help();
  }

  private static String suffixes(PrometheusScrape.Family f) {
    return f.type().equals("histogram") ? " (`_bucket{le}`, `_count`, `_sum`)" : "";
  }

  private static String labelText(Map<String, Set<String>> labels) {
    if (labels.isEmpty()) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    labels.forEach((k, values) -> parts.add("`" + k + "`: " + String.join(", ", values)));
    return String.join("; ", parts);
  }

  private static String escape(String text) {
    return text == null ? "" : text.replace("|", "\\|");
  }

  /**
   * @return the table in the README, between the markers
   */
  static String inReadme(String readme) {
    int from = readme.indexOf(START);
    int to = readme.indexOf(END);
    if (from < 0 || to < from) {
      throw new IllegalStateException(
          "README.md has no " + START.strip() + " ... " + END + " markers");
    }
    return readme.substring(from + START.length(), to);
  }

  /**
   * Rewrites the table in {@code README.md} (run from the module directory).
   *
   * @param args ignored
   * @throws IOException if the README cannot be read or written
   */
  public static void main(String[] args) throws IOException {
    Path readme = Path.of("..", "README.md");
    String text = Files.readString(readme);
    String old = inReadme(text);
    Files.writeString(readme, text.replace(START + old + END, START + markdown() + END));
  }
}
