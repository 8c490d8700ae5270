package io.fallback.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowSpec;
import io.fallback.influx.InfluxSettings.ApiVersion;
import io.fallback.influx.RecordingHttpServer.Answer;
import io.fallback.influx.RecordingHttpServer.Request;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The 2.x transport against a local endpoint that checks what {@code influxdb-client-java}'s
 * blocking write API sends and answers as InfluxDB 2 does. Protocol-tested only: no 2.x server runs
 * here.
 */
class InfluxSinkV2ProtocolTest {

  private static final String TOKEN = "my-secret-token==";

  private final RecordingHttpServer server = new RecordingHttpServer();
  private InfluxSink sink;

  @AfterEach
  void close() {
    if (sink != null) {
      sink.close();
    }
    server.close();
  }

  private InfluxSink sink(int maxRetries) {
    InfluxSettings settings =
        InfluxSettings.builder()
            .url(server.url())
            .apiVersion(ApiVersion.V2)
            .org("my org")
            .bucket("flink_sink/autogen")
            .token(TOKEN)
            .maxRetries(maxRetries)
            .backoff(Duration.ofMillis(5), Duration.ofMillis(20))
            .timeout(Duration.ofSeconds(5))
            .build();
    sink = InfluxSink.of(settings, WindowSpec.ofDefaults());
    return sink;
  }

  @Test
  void write_postsLineProtocolToApiV2Write_withOrgBucketMsPrecisionAndTokenHeader() {
    List<ScoredWindow> windows = TestWindows.many(3, 3, 1_700_000_000_000L);
    server.answer(Answer.noContent());

    sink(3).write(windows);

    assertThat(server.requests()).hasSize(1);
    Request r = server.requests().get(0);
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.path()).isEqualTo("/api/v2/write");
    assertThat(r.query())
        .containsEntry("org", "my org")
        .containsEntry("bucket", "flink_sink/autogen")
        .containsEntry("precision", "ms");
    assertThat(r.header("Authorization")).isEqualTo("Token " + TOKEN);
    assertThat(r.header("Content-Type")).startsWith("text/plain");
    LineProtocolEncoder encoder =
        new LineProtocolEncoder("nurse_stress", "dask-fallback", false, WindowSpec.NURSE_FIELDS);
    assertThat(r.body().split("\n")).containsExactlyElementsOf(encoder.encodeAll(windows));
  }

  @Test
  void badRequest_failsAtOnce_withTheServersMessage_andThePoint_notRetried() {
    server.answer(
        Answer.json(
            400,
            "{\"code\":\"invalid\",\"message\":\"partial write: field type conflict: "
                + "input field \\\"stress_level\\\" on measurement \\\"nurse_stress\\\" is type integer, "
                + "already exists as type float dropped=3\"}"));
    InfluxSink s = sink(5);

    assertThatThrownBy(() -> s.write(TestWindows.many(3, 3, 0)))
        .isInstanceOfSatisfying(
            InfluxWriteException.class,
            e -> {
              assertThat(e.retryable()).isFalse();
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.rejectedPoint())
                  .hasValueSatisfying(l -> assertThat(l).startsWith("nurse_stress,id=nurse-0,"));
            })
        .hasMessageContaining("field type conflict")
        .hasMessageContaining("rejected point: nurse_stress,id=nurse-0,source=dask-fallback ")
        .hasMessageNotContaining(TOKEN);
    assertThat(server.requests()).hasSize(1);
  }

  @Test
  void unauthorized_failsAtOnce_withoutTheToken() {
    server.answer(
        Answer.json(401, "{\"code\":\"unauthorized\",\"message\":\"unauthorized access\"}"));
    InfluxSink s = sink(5);

    assertThatThrownBy(() -> s.write(TestWindows.many(1, 1, 0)))
        .hasMessageContaining("HTTP 401")
        .hasMessageContaining("unauthorized access")
        .hasMessageNotContaining(TOKEN);
    assertThat(server.requests()).hasSize(1);
    assertThat(s.toString()).doesNotContain(TOKEN);
  }

  @Test
  void serviceUnavailable_isRetried_untilAccepted() {
    server.answer(
        Answer.json(503, "{\"code\":\"unavailable\",\"message\":\"service unavailable\"}"),
        Answer.json(503, "{\"code\":\"unavailable\",\"message\":\"service unavailable\"}"),
        Answer.noContent());

    sink(5).write(TestWindows.many(2, 2, 0));

    assertThat(server.requests()).hasSize(3);
    assertThat(server.requests())
        .extracting(Request::body)
        .containsOnly(server.requests().get(0).body());
  }

  @Test
  void serviceUnavailable_beyondMaxRetries_throwsRetryable() {
    server.answer(
        Answer.json(503, "{\"code\":\"unavailable\",\"message\":\"service unavailable\"}"));
    InfluxSink s = sink(2);

    assertThatThrownBy(() -> s.write(TestWindows.many(2, 2, 0)))
        .isInstanceOfSatisfying(InfluxWriteException.class, e -> assertThat(e.retryable()).isTrue())
        .hasMessageContaining("giving up after 3 attempts")
        .hasMessageContaining("service unavailable");
    assertThat(server.requests()).hasSize(3);
  }

  @Test
  void serverGone_isRetried_asAConnectionError() {
    InfluxSink s = sink(2);
    server.close();

    assertThatThrownBy(() -> s.write(TestWindows.many(1, 1, 0)))
        .isInstanceOfSatisfying(
            InfluxWriteException.class,
            e -> {
              assertThat(e.retryable()).isTrue();
              assertThat(e.status()).isEqualTo(-1);
            })
        .hasMessageContaining("giving up after 3 attempts")
        .hasMessageContaining("cannot reach InfluxDB 2.x");
  }
}
