package io.fallback.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class InfluxDbExtensionTest {

  @AfterEach
  void clearProperty() {
    System.clearProperty(InfluxDbServer.EXECUTABLE_PROPERTY);
  }

  @Test
  void missingInfluxd_outsideCi_skipsTheTest() {
    ServerNotInstalledException missing = InfluxDbServer.notInstalled();

    assertThatThrownBy(() -> InfluxDbExtension.skipOutsideCi(missing, false))
        .isInstanceOf(TestAbortedException.class)
        .hasMessageContaining("apt-get install -y influxdb");
  }

  @Test
  void missingInfluxd_underCi_failsTheTest() {
    ServerNotInstalledException missing = InfluxDbServer.notInstalled();

    RuntimeException toThrow = InfluxDbExtension.skipOutsideCi(missing, true);

    assertThat(toThrow).isSameAs(missing);
  }

  @Test
  void start_withConfiguredExecutableMissing_throwsNotInstalled() {
    System.setProperty(InfluxDbServer.EXECUTABLE_PROPERTY, "/nonexistent/influxd");

    assertThatThrownBy(InfluxDbServer::start)
        .isInstanceOf(ServerNotInstalledException.class)
        .hasMessageContaining("/nonexistent/influxd")
        .hasMessageContaining("scripts/setup.sh");
    assertThat(InfluxDbServer.isInstalled()).isFalse();
  }
}
