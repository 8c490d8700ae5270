package io.fallback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every public type (top-level or nested) of the published modules carries a Javadoc comment. The
 * Javadoc build runs doclint without its "missing" group (docs/DECISIONS.md "Embedding"), so this
 * is where a public type without documentation fails the build.
 */
class PublicTypesDocumentedTest {

  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final List<String> PUBLISHED =
      List.of(
          "fallback-core",
          "fallback-kafka",
          "fallback-influx",
          "fallback-http",
          "fallback-contract",
          "fallback-testkit");
  private static final Pattern PUBLIC_TYPE =
      Pattern.compile(
          "^\\s*public\\s+(static\\s+)?((final|abstract|sealed|non-sealed)\\s+)*"
              + "(class|interface|record|enum|@interface)\\s+\\w+.*");

  @Test
  void everyPublicType_hasJavadoc() throws IOException {
    List<String> undocumented = new ArrayList<>();
    int types = 0;
    for (String module : PUBLISHED) {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
        files = walk.filter(p -> p.toString().endsWith(".java")).toList();
      }
      for (Path file : files) {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
          if (PUBLIC_TYPE.matcher(lines.get(i)).matches()) {
            types++;
            if (!documented(lines, i)) {
              undocumented.add(ROOT.relativize(file) + ":" + (i + 1) + " " + lines.get(i).trim());
            }
          }
        }
      }
    }

    assertThat(types).as("public types found").isGreaterThan(100);
    assertThat(undocumented).as("public types without a Javadoc comment").isEmpty();
  }

  /**
   * Whether the declaration at {@code line}, above its annotations, follows a {@code /**} block.
   */
  private static boolean documented(List<String> lines, int line) {
    int j = line - 1;
    while (j >= 0 && (lines.get(j).isBlank() || lines.get(j).trim().startsWith("@"))) {
      j--;
    }
    if (j < 0 || !lines.get(j).trim().endsWith("*/")) {
      return false;
    }
    while (j >= 0 && !lines.get(j).contains("/*")) {
      j--;
    }
    return j >= 0 && lines.get(j).trim().startsWith("/**");
  }
}
