package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's metrics table is the one generated from a real scrape ({@link MetricsReference}).
 */
class MetricsReferenceTest {

  @Test
  void readmeTable_equalsTheTableGeneratedFromAScrape() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));

    String table = MetricsReference.inReadme(readme);

    assertThat(table.strip())
        .as(
            "README metrics reference is stale; regenerate it with MetricsReference.main (test scope)")
        .isEqualTo(MetricsReference.markdown().strip());
  }

  @Test
  void everyFamilyNotInTheTable_comesFromAJvmOrProcessBinder() {
    PrometheusScrape scrape = MetricsReference.fullScrape();

    assertThat(scrape.families().keySet())
        .filteredOn(name -> !name.startsWith("fallback_"))
        .isNotEmpty()
        .allSatisfy(
            name -> assertThat(MetricsReference.BINDER_PREFIXES).anyMatch(name::startsWith));
  }
}
