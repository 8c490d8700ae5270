package io.fallback.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class InfluxDbServerIT {

  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void writtenPoints_areReturnedByQuery() throws Exception {
    InfluxDbServer server = INFLUX.server();
    server.createDatabase("flink_sink");

    server.write(
        "flink_sink",
        "nurse_stress,id=n1,source=flink HR=71.5,EDA=0.25,stress_level=2i 1700000004999\n"
            + "nurse_stress,id=n1,source=flink HR=80.0,EDA=0.5,stress_level=1i 1700000009999\n"
            + "nurse_stress,id=n2,source=flink HR=60.25,EDA=0.125,stress_level=0i 1700000004999");
    JsonNode values =
        series(
            server.query(
                "flink_sink",
                "SELECT \"HR\", \"stress_level\" FROM nurse_stress WHERE id = 'n1'",
                "ms"));

    assertThat(server.url()).matches("http://127\\.0\\.0\\.1:\\d+");
    assertThat(values).hasSize(2);
    assertThat(values.get(0).get(0).asLong()).isEqualTo(1700000004999L);
    assertThat(values.get(0).get(1).asDouble()).isEqualTo(71.5);
    assertThat(values.get(0).get(2).asLong()).isEqualTo(2L);
    assertThat(values.get(1).get(0).asLong()).isEqualTo(1700000009999L);
    assertThat(values.get(1).get(1).asDouble()).isEqualTo(80.0);
  }

  @Test
  void writeToMissingDatabase_failsWithServerMessage() {
    InfluxDbServer server = INFLUX.server();

    assertThatThrownBy(() -> server.write("no_such_db", "m v=1 1700000000000"))
        .isInstanceOf(TestServerException.class)
        .hasMessageContaining("database not found");
  }

  @Test
  void stopThenRestart_keepsDataOnSamePort() throws Exception {
    long begin = System.nanoTime();
    InfluxDbServer server = startOrSkip();
    try {
      long startupMs = (System.nanoTime() - begin) / 1_000_000;
      System.out.println("startup influxd: " + startupMs + " ms");
      String url = server.url();
      server.createDatabase("db");
      server.write("db", "m,id=a v=42 1700000000000");

      server.stop();

      assertThat(server.isRunning()).isFalse();
      assertThat(server.ping()).isFalse();
      assertThatThrownBy(() -> server.query("db", "SELECT * FROM m"))
          .isInstanceOf(TestServerException.class)
          .hasMessageContaining("not reachable");

      server.restart();

      System.out.println("restart influxd: " + server.lastStartupTime().toMillis() + " ms");
      assertThat(server.isRunning()).isTrue();
      assertThat(server.url()).isEqualTo(url);
      JsonNode values = series(server.query("db", "SELECT v FROM m", "ms"));
      assertThat(values).hasSize(1);
      assertThat(values.get(0).get(0).asLong()).isEqualTo(1700000000000L);
      assertThat(values.get(0).get(1).asDouble()).isEqualTo(42.0);
      assertThat(server.logFile()).exists();
      assertThat(server.logFile().getFileName().toString())
          .isEqualTo("influxd-" + server.port() + ".log");

      server.close();

      assertThat(server.isRunning()).isFalse();
      assertThat(Files.exists(server.dataDirectory())).isFalse();
    } finally {
      server.close(); // idempotent: the second call does nothing
    }
  }

  private static InfluxDbServer startOrSkip() {
    try {
      return InfluxDbServer.start();
    } catch (ServerNotInstalledException e) {
      throw InfluxDbExtension.skipOutsideCi(e);
    }
  }

  private static JsonNode series(String body) throws Exception {
    JsonNode result = JSON.readTree(body).path("results").path(0);
    assertThat(result.has("error")).as("query error in %s", body).isFalse();
    return result.path("series").path(0).path("values");
  }
}
