package io.fallback.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration reference is the table generated from {@link Keys}. */
class ReadmeConfigReferenceTest {

  @Test
  void readmeTable_equalsGeneratedReference() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    String start = "<!-- config-reference:start -->\n";
    String end = "<!-- config-reference:end -->";
    int from = readme.indexOf(start);
    int to = readme.indexOf(end);
    assertThat(from).as("README has the config-reference markers").isNotNegative();

    String table = readme.substring(from + start.length(), to).strip();

    assertThat(table)
        .as("README config reference is stale; regenerate it with ConfigReference.main")
        .isEqualTo(ConfigReference.markdown().strip());
  }
}
