package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The launcher only wires: Kafka work lives in fallback-kafka behind its API (issue 13), so the
 * launcher's main code imports no Kafka client class and cannot bypass the adapter's client-config
 * routing.
 */
class LauncherOnlyWiresTest {

  @Test
  void launcherMainCode_importsNoKafkaClientClass() throws IOException {
    Path main = Path.of("src", "main", "java");
    List<String> offenders;
    try (Stream<Path> files = Files.walk(main)) {
      offenders =
          files
              .filter(f -> f.toString().endsWith(".java"))
              .filter(f -> read(f).lines().anyMatch(l -> l.startsWith("import org.apache.kafka.")))
              .map(main::relativize)
              .map(Path::toString)
              .toList();
    }

    assertThat(offenders).as("launcher sources importing org.apache.kafka").isEmpty();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
