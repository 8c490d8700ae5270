package io.fallback.influx;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.influx.InfluxSettings.ApiVersion;
import io.fallback.influx.RecordingHttpServer.Answer;
import io.fallback.influx.RecordingHttpServer.Request;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Queries and answer handling; the real server is in {@code InfluxFreshnessIT}. */
class InfluxFreshnessLatencySourceTest {

  private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  private static final long NEWEST = NOW.minusSeconds(42).toEpochMilli();

  private final RecordingHttpServer server = new RecordingHttpServer();
  private final InstantSource clock = InstantSource.fixed(NOW);

  @AfterEach
  void close() {
    server.close();
  }

  private InfluxSettings.Builder settings() {
    return InfluxSettings.builder()
        .url(server.url())
        .database("flink_sink")
        .timeout(Duration.ofSeconds(2));
  }

  private static Answer last(long time) {
    return Answer.json(
        200,
        "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"nurse_stress\","
            + "\"columns\":[\"time\",\"last\"],\"values\":[["
            + time
            + ",2]]}]}]}\n");
  }

  @Test
  void latency_isNowMinusTheNewestPrimaryPoint_queriedWithoutTheFallbacksPoints() {
    server.answer(last(NEWEST));

    Optional<Duration> latency =
        InfluxFreshnessLatencySource.of(settings().build(), clock).currentLatency();

    assertThat(latency).contains(Duration.ofSeconds(42));
    Request r = server.requests().get(0);
    assertThat(r.path()).isEqualTo("/query");
    assertThat(r.query())
        .containsEntry("db", "flink_sink")
        .containsEntry("epoch", "ms")
        .containsEntry(
            "q",
            "SELECT last(\"stress_level\") FROM \"nurse_stress\" "
                + "WHERE (\"source\" != 'dask-fallback' OR \"source\" = '')");
  }

  @Test
  void configuredPrimaryShape_isQueried() {
    server.answer(last(NEWEST));
    InfluxSettings s =
        settings()
            .retentionPolicy("autogen")
            .primaryMeasurement("flink_events")
            .primaryField("stressLevel")
            .primarySource("it's flink")
            .build();

    InfluxFreshnessLatencySource.of(s, clock).currentLatency();

    assertThat(server.requests().get(0).query().get("q"))
        .isEqualTo(
            "SELECT last(\"stressLevel\") FROM \"autogen\".\"flink_events\" WHERE \"source\" = 'it\\'s flink'");
  }

  @Test
  void v2_queriesTheCompatibilityApi_withTheTokenHeader() {
    server.answer(last(NEWEST));
    InfluxSettings s =
        InfluxSettings.builder()
            .url(server.url())
            .apiVersion(ApiVersion.V2)
            .org("o")
            .bucket("flink_sink")
            .token("tok")
            .build();

    InfluxFreshnessLatencySource.of(s, clock).currentLatency();

    assertThat(server.requests().get(0).header("Authorization")).isEqualTo("Token tok");
    assertThat(server.requests().get(0).query()).containsEntry("db", "flink_sink");
  }

  @Test
  void noSeries_meansNoEvidence() {
    server.answer(Answer.json(200, "{\"results\":[{\"statement_id\":0}]}"));

    assertThat(InfluxFreshnessLatencySource.of(settings().build(), clock).currentLatency())
        .isEmpty();
  }

  @Test
  void queryError_meansNoEvidence() {
    server.answer(
        Answer.json(
            200, "{\"results\":[{\"statement_id\":0,\"error\":\"database not found: x\"}]}"));

    assertThat(InfluxFreshnessLatencySource.of(settings().build(), clock).currentLatency())
        .isEmpty();
  }

  @Test
  void httpError_orNoServer_meansNoEvidence() {
    server.answer(Answer.json(401, "{\"error\":\"authorization failed\"}"));
    InfluxFreshnessLatencySource source =
        InfluxFreshnessLatencySource.of(settings().build(), clock);

    assertThat(source.currentLatency()).isEmpty();
    server.close();
    assertThat(source.currentLatency()).isEmpty();
  }

  @Test
  void pointInTheFuture_givesZero() {
    server.answer(last(NOW.plusSeconds(5).toEpochMilli()));

    assertThat(InfluxFreshnessLatencySource.of(settings().build(), clock).currentLatency())
        .contains(Duration.ZERO);
  }

  @Test
  void idleGuard_inputNotNewerThanTheNewestPoint_givesZero() {
    server.answer(last(NEWEST));

    Optional<Duration> sameTime =
        InfluxFreshnessLatencySource.of(
                settings().build(), clock, () -> Optional.of(Instant.ofEpochMilli(NEWEST)))
            .currentLatency();
    Optional<Duration> noInput =
        InfluxFreshnessLatencySource.of(settings().build(), clock, Optional::empty)
            .currentLatency();

    assertThat(sameTime).contains(Duration.ZERO);
    assertThat(noInput).contains(Duration.ZERO);
  }

  @Test
  void idleGuard_newerInput_countsTheAge() {
    server.answer(last(NEWEST));

    Optional<Duration> latency =
        InfluxFreshnessLatencySource.of(
                settings().build(), clock, () -> Optional.of(Instant.ofEpochMilli(NEWEST + 1)))
            .currentLatency();

    assertThat(latency).contains(Duration.ofSeconds(42));
  }

  @Test
  void idleGuard_unknownInput_meansNoEvidence() {
    server.answer(last(NEWEST));

    Optional<Duration> latency =
        InfluxFreshnessLatencySource.of(
                settings().build(),
                clock,
                () -> {
                  throw new IllegalStateException("broker down");
                })
            .currentLatency();

    assertThat(latency).isEmpty();
  }

  @Test
  void name_isInfluxFreshness() {
    assertThat(InfluxFreshnessLatencySource.of(settings().build(), clock).name())
        .isEqualTo("influx_freshness");
  }
}
