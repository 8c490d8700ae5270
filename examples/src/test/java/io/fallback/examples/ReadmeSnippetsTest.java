package io.fallback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's code blocks marked {@code <!-- snippet: name -->} are the code between {@code //
 * README:begin name} and {@code // README:end name} in the tests that compile and run them ({@link
 * EmbeddingIT}, {@link ThresholdExamplesTest}), indentation removed: docs that cannot drift.
 */
class ReadmeSnippetsTest {

  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path TESTS = Path.of("src/test/java/io/fallback/examples");
  private static final Pattern README_BLOCK =
      Pattern.compile("<!-- snippet: ([\\w-]+) -->\\s*```java\\n(.*?)```", Pattern.DOTALL);

  @Test
  void everyReadmeSnippet_isTheCodeATestRuns() throws IOException {
    Map<String, String> readme = new LinkedHashMap<>();
    Matcher m = README_BLOCK.matcher(Files.readString(ROOT.resolve("README.md")));
    while (m.find()) {
      readme.put(m.group(1), m.group(2));
    }
    Map<String, String> code = new LinkedHashMap<>();
    for (String file : List.of("EmbeddingIT.java", "ThresholdExamplesTest.java")) {
      code.putAll(regions(Files.readAllLines(TESTS.resolve(file))));
    }

    assertThat(readme.keySet())
        .as("snippets in README.md")
        .containsExactlyInAnyOrderElementsOf(code.keySet());
    code.forEach(
        (name, text) -> assertThat(readme.get(name)).as("README snippet %s", name).isEqualTo(text));
  }

  /** name -> the lines between the markers, with their common indentation removed. */
  private static Map<String, String> regions(List<String> lines) {
    Map<String, String> out = new LinkedHashMap<>();
    String name = null;
    List<String> region = new ArrayList<>();
    for (String line : lines) {
      String t = line.trim();
      if (t.startsWith("// README:begin ")) {
        name = t.substring("// README:begin ".length());
        region.clear();
      } else if (t.startsWith("// README:end ")) {
        out.put(name, dedent(region));
        name = null;
      } else if (name != null) {
        region.add(line);
      }
    }
    return out;
  }

  private static String dedent(List<String> lines) {
    int indent =
        lines.stream()
            .filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    StringBuilder b = new StringBuilder();
    for (String l : lines) {
      b.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
    }
    return b.toString();
  }
}
