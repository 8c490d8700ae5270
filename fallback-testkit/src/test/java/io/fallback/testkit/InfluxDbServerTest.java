package io.fallback.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class InfluxDbServerTest {

  @Test
  void notInstalled_messageTellsHowToInstall() {
    ServerNotInstalledException e = InfluxDbServer.notInstalled();

    assertThat(e.getMessage())
        .contains("influxd")
        .contains("apt-get install -y influxdb")
        .contains("scripts/setup.sh");
  }

  @Test
  void freePorts_areDistinctAndInRange() {
    int[] ports = Ports.freePorts(5);

    assertThat(ports).doesNotHaveDuplicates();
    assertThat(Arrays.stream(ports).boxed())
        .allSatisfy(port -> assertThat(port).isBetween(1, 65535));
  }
}
