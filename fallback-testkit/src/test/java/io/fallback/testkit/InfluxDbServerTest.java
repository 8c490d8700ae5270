package io.fallback.testkit;

import static org.assertj.core.api.Assertions.assertThat;

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
    assertThat(java.util.Arrays.stream(ports).boxed())
        .allSatisfy(port -> assertThat(port).isBetween(1, 65535));
  }
}
