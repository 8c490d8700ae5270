package io.fallback.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link LauncherProcess} does without a launcher jar. */
class LauncherProcessTest {

  @TempDir Path dir;

  private String savedJarProperty;

  @BeforeEach
  void saveJarProperty() {
    savedJarProperty = System.getProperty(LauncherProcess.JAR_PROPERTY);
  }

  @AfterEach
  void restoreJarProperty() {
    if (savedJarProperty == null) {
      System.clearProperty(LauncherProcess.JAR_PROPERTY);
    } else {
      System.setProperty(LauncherProcess.JAR_PROPERTY, savedJarProperty);
    }
  }

  @Test
  void locate_missingJar_namesTheJarAndTheBuildCommand() {
    Path missing = dir.resolve("fallback-launcher.jar");
    System.setProperty(LauncherProcess.JAR_PROPERTY, missing.toString());

    assertThatThrownBy(LauncherProcess::locate)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(missing.toAbsolutePath().normalize().toString())
        .hasMessageContaining("does not exist")
        .hasMessageContaining("./mvnw -q -B -DskipTests -pl fallback-launcher -am package")
        .hasMessageContaining("-Dfallback.launcher.jar=PATH");
  }

  @Test
  void locate_propertyNamesAFile_returnsItsAbsolutePath() throws IOException {
    Path jar = Files.createFile(dir.resolve("launcher.jar"));
    System.setProperty(LauncherProcess.JAR_PROPERTY, jar.toString());

    Path located = LauncherProcess.locate();

    assertThat(located).isEqualTo(jar.toAbsolutePath().normalize()).isAbsolute();
  }

  @Test
  void start_fileIsNotAJar_failsFastWithExitCodeAndLogTail() throws IOException {
    Path notAJar = Files.writeString(dir.resolve("broken.jar"), "not a zip file");
    Path config = Files.writeString(dir.resolve("config.yaml"), "kafka:\n  topic: t\n");
    Path log = dir.resolve("broken.log");
    LauncherProcess.Builder builder =
        LauncherProcess.builder(notAJar, config)
            .name("broken")
            .logFile(log)
            .startTimeout(Duration.ofSeconds(30));

    assertThatThrownBy(builder::start)
        .isInstanceOf(LauncherProcess.Exited.class)
        .hasMessageContaining("the broken launcher (pid ")
        .hasMessageContaining("exited with code 1")
        .hasMessageContaining("last lines of " + log)
        .hasMessageContaining("Invalid or corrupt jarfile");
  }

  @Test
  void builder_portOutOfRange_isRejectedWithTheValue() {
    LauncherProcess.Builder builder =
        LauncherProcess.builder(dir.resolve("a.jar"), dir.resolve("config.yaml"));

    assertThatThrownBy(() -> builder.port(70_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port must be between 1 and 65535, but was 70000");
  }

  @Test
  void prometheusText_sumsEveryLabelSet_skipsCommentsAndOtherMetrics_absentIsNull() {
    String text =
        "# HELP fallback_errors_total errors\n# TYPE fallback_errors_total counter\n"
            + "fallback_errors_total{stage=\"process\"} 2.0\n"
            + "fallback_errors_total{stage=\"write\"} 1.0\n"
            + "fallback_errors_total_other 5.0\n"
            + "\n"
            + "not_a_sample NaNx\n"
            + "fallback_mode 1.0\n";

    Map<String, Double> samples = LauncherProcess.samples(text);

    assertThat(samples)
        .containsEntry("fallback_errors_total{stage=\"process\"}", 2.0)
        .containsEntry("fallback_mode", 1.0)
        .doesNotContainKey("not_a_sample")
        .hasSize(4);
    assertThat(LauncherProcess.sum(samples, "fallback_errors_total")).isEqualTo(3.0);
    assertThat(LauncherProcess.sum(samples, "fallback_mode")).isEqualTo(1.0);
    assertThat(LauncherProcess.sum(samples, "fallback_absent_total")).isNull();
  }
}
