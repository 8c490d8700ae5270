package io.fallback.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fallback.launcher.FallbackApplication;
import io.fallback.launcher.config.ConfigLoader;
import io.fallback.testkit.InfluxDbExtension;
import io.fallback.testkit.KafkaBrokerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Both dashboards are importable JSON whose every query is executed or checked: the InfluxDB
 * dashboard's InfluxQL (panels and template variables) on the real InfluxDB 1.6, with its variables
 * substituted as Grafana does; the Prometheus dashboard's PromQL against the metric names and
 * labels a real {@code GET /metrics} scrape of a running launcher exposes (no Prometheus server
 * here).
 */
class GrafanaDashboardIT {

  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path INFLUX_DASHBOARD = Path.of("grafana", "nurse-stress-dashboard.json");
  private static final Path PROMETHEUS_DASHBOARD =
      Path.of("grafana", "fallback-metrics-dashboard.json");
  private static final Pattern VARIABLE = Pattern.compile("\\$(\\w+)");

  @Test
  void everyInfluxQuery_runsOnInfluxDb16_withTheDashboardsDefaultVariables() throws Exception {
    JsonNode dashboard = JSON.readTree(INFLUX_DASHBOARD.toFile());
    INFLUX.server().createDatabase("flink_sink");
    long now = System.currentTimeMillis();
    long t = now - now % 5000 - 1;
    INFLUX
        .server()
        .write(
            "flink_sink",
            String.join(
                "\n",
                "nurse_stress,id=E4,source=flink EDA=0.5,HR=72.5,TEMP=33.1,X=1.0,Y=2.0,Z=3.0,stress_level=0i "
                    + (t - 10_000),
                "nurse_stress,id=E4,source=dask-fallback EDA=3.5,HR=99.5,TEMP=33.2,X=1.0,Y=2.0,Z=3.0,stress_level=2i "
                    + (t - 5_000)));

    Map<String, String> variables = influxVariables(dashboard, Map.of());
    List<String> queries = influxPanelQueries(dashboard);

    assertThat(dashboard.path("__inputs").get(0).path("pluginId").asText()).isEqualTo("influxdb");
    assertThat(variables)
        .containsEntry("database", "flink_sink")
        .containsEntry("measurement", "nurse_stress")
        .containsEntry("source", "(dask\\-fallback|flink)")
        .containsEntry("fallback_source", "dask-fallback");
    assertThat(queries).hasSizeGreaterThanOrEqualTo(8);
    for (String query : queries) {
      assertThat(query)
          .as("no hard-coded measurement or source")
          .doesNotContain("nurse_stress", "dask-fallback");
      String answer = INFLUX.server().query("flink_sink", influxQl(query, variables));
      assertThat(answer).as(query).doesNotContain("\"error\"").contains("\"series\"");
    }
    String indicator = INFLUX.server().query("flink_sink", influxQl(queries.get(0), variables));
    assertThat(indicator).as("fallback indicator counts the dask-fallback point").contains(",1]");
  }

  @Test
  void influxVariables_pointTheSameQueriesAtAnotherDatabaseMeasurementAndSourceTag()
      throws Exception {
    JsonNode dashboard = JSON.readTree(INFLUX_DASHBOARD.toFile());
    INFLUX.server().createDatabase("other_sink");
    long t = System.currentTimeMillis() - 1_000;
    INFLUX
        .server()
        .write(
            "other_sink",
            "flink_events,id=E4,source=java-fallback EDA=3.5,HR=99.5,TEMP=33.2,X=1.0,Y=2.0,Z=3.0,stress_level=2i "
                + t);

    Map<String, String> variables =
        influxVariables(
            dashboard,
            Map.of(
                "database",
                "other_sink",
                "measurement",
                "flink_events",
                "fallback_source",
                "java-fallback"));
    String indicator =
        INFLUX
            .server()
            .query("flink_sink", influxQl(influxPanelQueries(dashboard).get(0), variables));

    assertThat(variables).containsEntry("source", "(java\\-fallback)");
    assertThat(indicator).as("fallback indicator on other_sink.flink_events").contains(",1]");
  }

  @Test
  void everyPrometheusQuery_namesMetricsAndLabelsThatALauncherScrapeExposes() throws Exception {
    JsonNode dashboard = JSON.readTree(PROMETHEUS_DASHBOARD.toFile());
    String topic = "grafana-metrics";
    KAFKA.broker().createTopic(topic, 2);
    // the primary's group caught up (offset 0 of an empty topic), so the checks have latency
    // evidence
    KAFKA
        .broker()
        .admin()
        .alterConsumerGroupOffsets(
            "grafana-primary",
            Map.of(
                new TopicPartition(topic, 0), new OffsetAndMetadata(0),
                new TopicPartition(topic, 1), new OffsetAndMetadata(0)))
        .all()
        .get();
    String scrape;
    try (FallbackApplication launcher =
        FallbackApplication.start(
            new ConfigLoader(Map.of()).loadYaml(config(topic), null), Map.of())) {
      HttpClient http = HttpClient.newHttpClient();
      URI metrics = URI.create("http://127.0.0.1:" + launcher.statusPort() + "/metrics");
      scrape =
          await("a scrape with the latency of a check and a backlog sample")
              .atMost(Duration.ofSeconds(60))
              .until(
                  () ->
                      http.send(
                              HttpRequest.newBuilder(metrics).build(),
                              HttpResponse.BodyHandlers.ofString())
                          .body(),
                  body ->
                      body.contains("fallback_primary_latency_seconds ")
                          && body.contains("fallback_backlog_records{"));
    }
    PromQlCheck check = new PromQlCheck(scrape);
    List<String[]> queries = prometheusQueries(dashboard);

    assertThat(dashboard.path("__inputs").get(0).path("pluginId").asText()).isEqualTo("prometheus");
    assertThat(queries).hasSizeGreaterThanOrEqualTo(15);
    List<String> problems = new ArrayList<>();
    for (String[] query : queries) {
      check.problems(query[0], query[1]).forEach(p -> problems.add(p + "  in  " + query[0]));
    }
    assertThat(problems).as("PromQL naming what /metrics does not expose").isEmpty();
    assertThat(String.join("\n", queries.stream().map(q -> q[0]).toList()))
        .as("the issue's panels")
        .contains(
            "fallback_mode{mode=\"fallback\"",
            "fallback_violations",
            "fallback_primary_latency_seconds",
            "fallback_records_in_total",
            "fallback_backlog_records",
            "fallback_dead_letters_total",
            "fallback_errors_total",
            "_bucket");
    assertThat(check.problems("rate(fallback_record_in_total[1m])", null))
        .as("the check itself rejects a misspelt metric")
        .containsExactly("metric fallback_record_in_total is not exposed by /metrics");
    assertThat(check.problems("fallback_mode{mode=\"FALLBACK\"}", "{{state}}"))
        .as("the check itself rejects a label value or label that is not exposed")
        .hasSize(2);
  }

  private static String config(String topic) {
    return String.join(
        "\n",
        "kafka:",
        "  bootstrap_servers: \"" + KAFKA.bootstrapServers() + "\"",
        "  topic: " + topic,
        "  group_id: grafana-fallback",
        "monitoring:",
        "  check_interval_seconds: 1",
        "  primary_group_id: grafana-primary",
        "  health_probe: none",
        "ml_service:",
        "  endpoint: \"http://127.0.0.1:9/predict\"",
        "influxdb:",
        "  url: \"" + INFLUX.server().url() + "\"",
        "  database: flink_sink",
        "server:",
        "  port: 0",
        "");
  }

  /** The panels' InfluxQL, in panel order. */
  private static List<String> influxPanelQueries(JsonNode dashboard) {
    List<String> queries = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${DS_INFLUXDB}");
      for (JsonNode target : panel.path("targets")) {
        queries.add(target.path("query").asText());
      }
    }
    return queries;
  }

  /**
   * Each template variable's value as Grafana substitutes it: a query variable's query runs on
   * InfluxDB (with the variables before it substituted) and its answer must hold the default (or
   * the chosen) value; a multi-value variable with "All" becomes Grafana's regex alternation of
   * every value.
   */
  private static Map<String, String> influxVariables(
      JsonNode dashboard, Map<String, String> chosen) {
    Map<String, String> values = new LinkedHashMap<>();
    for (JsonNode v : dashboard.path("templating").path("list")) {
      String name = v.path("name").asText();
      String current =
          v.path("current").path("value").isArray()
              ? v.path("current").path("value").get(0).asText()
              : v.path("current").path("value").asText();
      if (v.path("type").asText().equals("textbox")) {
        values.put(name, chosen.getOrDefault(name, current));
        continue;
      }
      assertThat(v.path("type").asText()).as(name).isEqualTo("query");
      assertThat(v.path("datasource").path("uid").asText()).as(name).isEqualTo("${DS_INFLUXDB}");
      String query = influxQl(v.path("query").asText(), values);
      List<String> options = column(INFLUX.server().query("flink_sink", query), query);
      if (!v.path("regex").asText().isEmpty()) {
        String regex = v.path("regex").asText();
        Pattern p = Pattern.compile(regex.substring(1, regex.length() - 1));
        options = options.stream().filter(o -> p.matcher(o).find()).toList();
      }
      if (v.path("multi").asBoolean() && current.equals("$__all") && !chosen.containsKey(name)) {
        assertThat(options).as(name + " options").isNotEmpty();
        values.put(
            name,
            "("
                + String.join(
                    "|", options.stream().sorted().map(o -> o.replace("-", "\\-")).toList())
                + ")");
      } else {
        String value = chosen.getOrDefault(name, current);
        assertThat(options).as(name + " options from " + query).contains(value);
        values.put(name, value);
      }
    }
    return values;
  }

  /** The values of a SHOW query's answer (the last column of every row). */
  private static List<String> column(String answer, String query) {
    try {
      List<String> out = new ArrayList<>();
      JsonNode result = JSON.readTree(answer).path("results").get(0);
      assertThat(result.has("error")).as(query + ": " + answer).isFalse();
      for (JsonNode series : result.path("series")) {
        for (JsonNode row : series.path("values")) {
          out.add(row.get(row.size() - 1).asText());
        }
      }
      return out;
    } catch (java.io.IOException e) {
      throw new AssertionError(query + ": " + answer, e);
    }
  }

  /**
   * A query with the dashboard's variables and Grafana's built-ins substituted; none may be left.
   */
  private static String influxQl(String query, Map<String, String> variables) {
    String q = query.replace("$timeFilter", "time > now() - 1h").replace("$__interval", "10s");
    Matcher m = VARIABLE.matcher(q);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = variables.get(m.group(1));
      assertThat(value)
          .as("variable $" + m.group(1) + " of " + query + " is defined before use")
          .isNotNull();
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * Every PromQL expression with its legend: panel targets and the query of each template variable.
   */
  private static List<String[]> prometheusQueries(JsonNode dashboard) {
    List<String[]> queries = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      if (panel.path("type").asText().equals("row")) {
        continue;
      }
      assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${DS_PROMETHEUS}");
      for (JsonNode target : panel.path("targets")) {
        queries.add(
            new String[] {target.path("expr").asText(), target.path("legendFormat").asText(null)});
      }
    }
    for (JsonNode v : dashboard.path("templating").path("list")) {
      String q = v.path("query").path("query").asText();
      Matcher labelValues = Pattern.compile("label_values\\((\\w+),\\s*(\\w+)\\)").matcher(q);
      assertThat(labelValues.matches())
          .as("variable " + v.path("name").asText() + ": " + q)
          .isTrue();
      queries.add(new String[] {labelValues.group(1), "{{" + labelValues.group(2) + "}}"});
    }
    return queries;
  }
}
