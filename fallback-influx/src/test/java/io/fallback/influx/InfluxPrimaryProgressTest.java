package io.fallback.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.core.PrimaryProgress.WindowId;
import io.fallback.core.window.WindowSpec;
import io.fallback.influx.RecordingHttpServer.Answer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Queries and chunked answers; the real server is in {@code InfluxPrimaryProgressIT}. */
class InfluxPrimaryProgressTest {

  private final RecordingHttpServer server = new RecordingHttpServer();

  @AfterEach
  void close() {
    server.close();
  }

  private InfluxPrimaryProgress progress(InfluxSettings.Builder b) {
    return InfluxPrimaryProgress.of(
        b.url(server.url()).database("flink_sink").build(), WindowSpec.ofDefaults());
  }

  @Test
  void newestPointPerKey_isOneGroupedQuery() {
    server.answer(
        Answer.json(
            200,
            "{\"results\":[{\"statement_id\":0,\"series\":["
                + "{\"name\":\"flink_events\",\"tags\":{\"nurse\":\"a\"},\"columns\":[\"time\",\"last\"],\"values\":[[9999,1]]},"
                + "{\"name\":\"flink_events\",\"tags\":{\"nurse\":\"\"},\"columns\":[\"time\",\"last\"],\"values\":[[4999,1]]},"
                + "{\"name\":\"flink_events\",\"tags\":{\"nurse\":\"b\"},\"columns\":[\"time\",\"last\"],\"values\":[[4999,2]]}]}]}"));

    var newest =
        progress(
                InfluxSettings.builder()
                    .primaryMeasurement("flink_events")
                    .primaryIdTag("nurse")
                    .primaryField("stressLevel"))
            .newestPointPerKey();

    assertThat(newest)
        .containsOnly(
            org.assertj.core.api.Assertions.entry("a", 9999L),
            org.assertj.core.api.Assertions.entry("b", 4999L));
    assertThat(server.requests()).hasSize(1);
    assertThat(server.requests().get(0).query().get("q"))
        .isEqualTo(
            "SELECT last(\"stressLevel\") FROM \"flink_events\" "
                + "WHERE (\"source\" != 'dask-fallback' OR \"source\" = '') GROUP BY \"nurse\"");
  }

  @Test
  void writtenWindows_readsAChunkedAnswer_andMapsPointTimesToWindowStarts() {
    server.answer(
        Answer.json(
            200,
            "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"nurse_stress\",\"tags\":{\"id\":\"a\"},"
                + "\"columns\":[\"time\",\"stress_level\"],\"values\":[[4999,1],[9999,1]],\"partial\":true}],\"partial\":true}]}\n"
                + "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"nurse_stress\",\"tags\":{\"id\":\"b\"},"
                + "\"columns\":[\"time\",\"stress_level\"],\"values\":[[14999,0]]}]}]}\n"));

    var windows = progress(InfluxSettings.builder()).writtenWindows(0, 20_000);

    assertThat(windows)
        .containsExactlyInAnyOrder(
            new WindowId("a", 0), new WindowId("a", 5000), new WindowId("b", 10_000));
    assertThat(server.requests().get(0).query()).containsEntry("chunked", "true");
    assertThat(server.requests().get(0).query().get("q"))
        .isEqualTo(
            "SELECT \"stress_level\" FROM \"nurse_stress\" "
                + "WHERE (\"source\" != 'dask-fallback' OR \"source\" = '') AND time >= 0ms AND time < 20000ms GROUP BY \"id\"");
  }

  @Test
  void writtenWindows_ofAnEmptyRange_queriesNothing() {
    assertThat(progress(InfluxSettings.builder()).writtenWindows(10, 10)).isEmpty();
    assertThat(server.requests()).isEmpty();
  }

  @Test
  void failedQuery_throws_namingTheQuery() {
    server.answer(
        Answer.json(
            200,
            "{\"results\":[{\"statement_id\":0,\"error\":\"database not found: flink_sink\"}]}"));

    assertThatThrownBy(() -> progress(InfluxSettings.builder()).newestPointPerKey())
        .isInstanceOf(InfluxQueryException.class)
        .hasMessageContaining("database not found")
        .hasMessageContaining("SELECT last(");
  }
}
