package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The runnable jar operators start holds what the launcher needs at run time (issue 11, defect 1: a
 * test-scoped {@code avro} in this module's POM removed Avro from the shaded jar, and the first
 * activation threw {@code NoClassDefFoundError: org/apache/avro/SchemaParseException}). Runs after
 * {@code package}.
 */
class ShippedJarIT {

  @Test
  void shippedJar_holdsAvroAndEveryOtherRuntimeLibrary_soTheDefaultFormatCanTakeOver()
      throws IOException {
    Path jar = Path.of("target", "fallback-launcher.jar");
    List<String> needed =
        List.of(
            "org/apache/avro/SchemaParseException.class", // processing.format avro, the default
            "org/apache/avro/Schema.class",
            "org/apache/kafka/clients/consumer/KafkaConsumer.class",
            "com/fasterxml/jackson/dataformat/yaml/YAMLFactory.class",
            "dev/failsafe/Failsafe.class",
            "io/micrometer/prometheusmetrics/PrometheusMeterRegistry.class",
            "ch/qos/logback/classic/Logger.class",
            "picocli/CommandLine.class",
            "io/fallback/kafka/KafkaBatchSource.class",
            "io/fallback/launcher/Main.class");

    try (JarFile file = new JarFile(jar.toFile())) {
      assertThat(needed)
          .allSatisfy(entry -> assertThat(file.getEntry(entry)).as(entry).isNotNull());
      assertThat(file.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("io.fallback.launcher.Main");
    }
  }
}
