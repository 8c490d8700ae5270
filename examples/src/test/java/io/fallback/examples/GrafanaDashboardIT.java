package io.fallback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fallback.testkit.InfluxDbExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The dashboard is importable JSON whose every InfluxQL query runs on the real InfluxDB 1.6. */
class GrafanaDashboardIT {

  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();

  private static final Path DASHBOARD = Path.of("grafana", "nurse-stress-dashboard.json");

  @Test
  void everyPanelQuery_runsOnInfluxDb16_andFindsBothSources() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    INFLUX.server().createDatabase("flink_sink");
    long now = System.currentTimeMillis();
    long t = now - now % 5000 - 1;
    INFLUX.server().write("flink_sink", String.join("\n",
        "nurse_stress,id=E4,source=flink EDA=0.5,HR=72.5,TEMP=33.1,X=1.0,Y=2.0,Z=3.0,stress_level=0i " + (t - 10_000),
        "nurse_stress,id=E4,source=dask-fallback EDA=3.5,HR=99.5,TEMP=33.2,X=1.0,Y=2.0,Z=3.0,stress_level=2i " + (t - 5_000)));
    List<String> queries = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${DS_INFLUXDB}");
      for (JsonNode target : panel.path("targets")) {
        queries.add(target.path("query").asText());
      }
    }

    assertThat(dashboard.path("__inputs").get(0).path("pluginId").asText()).isEqualTo("influxdb");
    assertThat(queries).hasSizeGreaterThanOrEqualTo(6);
    for (String query : queries) {
      String influxQl = query.replace("$timeFilter", "time > now() - 1h").replace("$__interval", "10s");
      String answer = INFLUX.server().query("flink_sink", influxQl);
      assertThat(answer).as(query).doesNotContain("\"error\"").contains("\"series\"");
    }
    String indicator = INFLUX.server().query("flink_sink", queries.get(0));
    assertThat(indicator).as("fallback indicator counts the dask-fallback point").contains(",1]");
  }
}
