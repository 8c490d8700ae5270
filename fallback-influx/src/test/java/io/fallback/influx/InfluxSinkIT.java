package io.fallback.influx;

import static io.fallback.influx.TestWindows.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowSpec;
import io.fallback.influx.InfluxQueryClient.Series;
import io.fallback.testkit.InfluxDbExtension;
import io.fallback.testkit.InfluxDbServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The sink against a real influxd 1.6.7 from the test kit. */
class InfluxSinkIT {

  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();

  private static InfluxSettings.Builder settings(String db) {
    INFLUX.server().createDatabase(db);
    return InfluxSettings.builder().url(INFLUX.server().url()).database(db);
  }

  static List<Series> query(InfluxDbServer server, String db, String q) {
    return InfluxQueryClient.parse(server.query(db, q, "ms"), q);
  }

  /** time -> column -> value of every point of one series. */
  private static Map<Long, Map<String, JsonNode>> points(String db, String q) {
    Map<Long, Map<String, JsonNode>> out = new HashMap<>();
    for (Series s : query(INFLUX.server(), db, q)) {
      for (JsonNode row : s.rows()) {
        Map<String, JsonNode> cols = new HashMap<>();
        for (int c = 0; c < s.columns().size(); c++) {
          cols.put(s.columns().get(c), row.get(c));
        }
        out.put(row.get(0).asLong(), cols);
      }
    }
    return out;
  }

  @Test
  void roundTrip_everyFieldReadsBackAsWritten_andOddKeysKeepTheirSpacesCommasAndEquals() {
    String key = "ward 7,bed=2 \"b\"";
    List<ScoredWindow> windows = new ArrayList<>(TestWindows.many(40, 4, 1_700_000_000_000L));
    windows.add(window(key, 1_700_000_000_000L, 4, 0.1f, -1.5f, 1e-5f, 1e10f, 72.33333f, 33.1f));
    try (InfluxSink sink =
        InfluxSink.of(settings("roundtrip").chunkSize(7).build(), WindowSpec.ofDefaults())) {

      sink.write(windows);
    }

    assertThat(
            query(
                INFLUX.server(),
                "roundtrip",
                "SHOW TAG VALUES FROM \"nurse_stress\" WITH KEY = \"id\""))
        .flatExtracting(Series::rows)
        .extracting(r -> r.get(1).asText())
        .contains(key, "nurse-0", "nurse-3");
    for (ScoredWindow w : windows) {
      String q =
          "SELECT \"X\",\"Y\",\"Z\",\"EDA\",\"HR\",\"TEMP\",\"stress_level\" FROM \"nurse_stress\" WHERE \"id\" = "
              + InfluxQl.literal(w.window().key())
              + " AND \"source\" = 'dask-fallback' AND time = "
              + w.window().pointTime()
              + "ms";
      Map<String, JsonNode> point = points("roundtrip", q).get(w.window().pointTime());
      assertThat(point).as("point %s", w).isNotNull();
      for (int f = 0; f < 6; f++) {
        String name = WindowSpec.NURSE_FIELDS.get(f);
        double stored = point.get(name).asDouble();
        assertThat(stored)
            .as("%s of %s", name, w)
            .isEqualTo(Double.parseDouble(LineProtocolEncoder.formatFloat(w.window().mean(f))));
        assertThat((float) stored).isEqualTo(w.window().mean(f));
      }
      assertThat(point.get("stress_level").isIntegralNumber()).isTrue();
      assertThat(point.get("stress_level").asInt()).isEqualTo(w.stressLevel());
    }
    assertThat(
            points(
                    "roundtrip",
                    "SELECT \"HR\" FROM \"nurse_stress\" WHERE \"id\" = " + InfluxQl.literal(key))
                .values())
        .singleElement()
        .satisfies(p -> assertThat(p.get("HR").asDouble()).isEqualTo(72.33333));
    String fieldTypes = INFLUX.server().query("roundtrip", "SHOW FIELD KEYS FROM \"nurse_stress\"");
    assertThat(fieldTypes)
        .contains("[\"stress_level\",\"integer\"]")
        .contains("[\"HR\",\"float\"]");
  }

  @Test
  void rewritingTheSamePoints_isHarmless() {
    List<ScoredWindow> windows = TestWindows.many(30, 3, 0);
    try (InfluxSink sink = InfluxSink.of(settings("rewrite").build(), WindowSpec.ofDefaults())) {

      sink.write(windows);
      sink.write(windows);
    }

    assertThat(
            INFLUX
                .server()
                .query("rewrite", "SELECT count(\"stress_level\") FROM \"nurse_stress\""))
        .contains(",30]");
  }

  @Test
  void rejectedPoint_fieldTypeConflict_failsOnce_namingThePoint() {
    InfluxSettings s = settings("conflict").build();
    INFLUX.server().write("conflict", "nurse_stress,id=old,source=flink stress_level=1.5 1000");
    CountingTransport[] counting = new CountingTransport[1];
    List<ScoredWindow> windows = TestWindows.many(5, 5, 10_000);

    try (InfluxSink sink = CountingTransport.sink(s, counting)) {
      assertThatThrownBy(() -> sink.write(windows))
          .isInstanceOfSatisfying(
              InfluxWriteException.class,
              e -> {
                assertThat(e.retryable()).isFalse();
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.rejectedPoint())
                    .contains(
                        LineProtocolEncoder.of(s, WindowSpec.ofDefaults()).encode(windows.get(0)));
              })
          .hasMessageContaining(
              "field type conflict: input field \"stress_level\" on measurement \"nurse_stress\" is type integer")
          .hasMessageContaining("rejected point: nurse_stress,id=nurse-0,source=dask-fallback ");
    }

    assertThat(counting[0].requests).hasValue(1);
  }

  @Test
  void sourceAsField_aWindowWrittenByBothSources_isOnePoint() {
    InfluxSettings s = settings("asfield").sourceAsField(true).build();
    ScoredWindow w = window("n1", 0, 2, 1f, 2f, 3f, 4f, 5f, 6f);
    INFLUX
        .server()
        .write(
            "asfield",
            "nurse_stress,id=n1 X=1.0,Y=2.0,Z=3.0,EDA=4.0,HR=5.0,TEMP=6.0,stress_level=2i,source=\"flink\" 4999");

    try (InfluxSink sink = InfluxSink.of(s, WindowSpec.ofDefaults())) {
      sink.write(List.of(w));
    }

    String body =
        INFLUX.server().query("asfield", "SELECT \"HR\",\"source\" FROM \"nurse_stress\"", "ms");
    assertThat(query(INFLUX.server(), "asfield", "SELECT \"HR\",\"source\" FROM \"nurse_stress\""))
        .flatExtracting(Series::rows)
        .as(body)
        .singleElement()
        .satisfies(r -> assertThat(r.get(2).asText()).isEqualTo("dask-fallback"));
  }

  @Test
  void wrongCredentialsOrMissingDatabase_isARejection_notRetried() {
    CountingTransport[] counting = new CountingTransport[1];
    InfluxSettings s =
        InfluxSettings.builder().url(INFLUX.server().url()).database("no_such_db").build();

    try (InfluxSink sink = CountingTransport.sink(s, counting)) {
      assertThatThrownBy(() -> sink.write(TestWindows.many(1, 1, 0)))
          .isInstanceOfSatisfying(
              InfluxWriteException.class, e -> assertThat(e.status()).isEqualTo(404))
          .hasMessageContaining("database not found");
    }

    assertThat(counting[0].requests).hasValue(1);
  }
}
