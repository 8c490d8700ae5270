package io.fallback.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code processing.pipeline_depth}: the pipelined loop by default, 0 for the serial one. */
class PipelineDepthConfigTest {

  private static FallbackConfig load(String yaml) {
    return new ConfigLoader(Map.of()).loadYaml(yaml, Path.of("."));
  }

  @Test
  void twoByDefault_zeroForTheSerialLoop() {
    assertThat(load("").processing().pipelineDepth()).isEqualTo(2);
    assertThat(load("processing:\n  pipeline_depth: 0\n").processing().pipelineDepth()).isZero();
  }

  @Test
  void outOfRange_isNamed() {
    assertThatThrownBy(() -> load("processing:\n  pipeline_depth: 65\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("processing.pipeline_depth");
  }
}
