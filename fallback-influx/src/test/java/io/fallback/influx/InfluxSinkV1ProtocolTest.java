package io.fallback.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.core.window.WindowSpec;
import io.fallback.influx.RecordingHttpServer.Answer;
import io.fallback.influx.RecordingHttpServer.Request;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The 1.x transport's requests and its handling of 1.x answers; the real server is in the ITs. */
class InfluxSinkV1ProtocolTest {

  private static final String PASSWORD = "pa ss&word=1";

  private final RecordingHttpServer server = new RecordingHttpServer();
  private InfluxSink sink;

  @AfterEach
  void close() {
    if (sink != null) {
      sink.close();
    }
    server.close();
  }

  private InfluxSink sink(InfluxSettings.Builder b) {
    sink =
        InfluxSink.of(
            b.url(server.url() + "/").backoff(Duration.ofMillis(5), Duration.ofMillis(20)).build(),
            WindowSpec.ofDefaults());
    return sink;
  }

  private static InfluxSettings.Builder settings() {
    return InfluxSettings.builder().database("flink sink");
  }

  @Test
  void write_postsToWrite_withDbRpAndMsPrecision_andBasicAuth_neverThePasswordInTheUrl() {
    sink(settings().retentionPolicy("one week").credentials("fallback", PASSWORD))
        .write(TestWindows.many(2, 2, 0));

    Request r = server.requests().get(0);
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.path()).isEqualTo("/write");
    assertThat(r.query())
        .containsOnlyKeys("db", "rp", "precision")
        .containsEntry("db", "flink sink")
        .containsEntry("rp", "one week")
        .containsEntry("precision", "ms");
    assertThat(r.header("Authorization"))
        .isEqualTo(
            "Basic "
                + Base64.getEncoder()
                    .encodeToString(("fallback:" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
    assertThat(r.body())
        .startsWith("nurse_stress,id=nurse-0,source=dask-fallback ")
        .endsWith(" 4999\n");
  }

  @Test
  void withoutCredentials_sendsNoAuthorization() {
    sink(settings()).write(TestWindows.many(1, 1, 0));

    assertThat(server.requests().get(0).header("Authorization")).isNull();
    assertThat(server.requests().get(0).query()).doesNotContainKey("rp");
  }

  @Test
  void badRequest_failsAtOnce_withTheServersMessage() {
    server.answer(Answer.json(400, "{\"error\":\"unable to parse 'x y=': missing field value\"}"));
    InfluxSink s = sink(settings().credentials("fallback", PASSWORD));

    assertThatThrownBy(() -> s.write(TestWindows.many(2, 2, 0)))
        .isInstanceOfSatisfying(
            InfluxWriteException.class, e -> assertThat(e.rejectedPoint()).contains("x y="))
        .hasMessageContaining("HTTP 400")
        .hasMessageContaining("missing field value")
        .hasMessageNotContaining(PASSWORD);
    assertThat(server.requests()).hasSize(1);
  }

  @Test
  void serverErrorAndTooManyRequests_areRetried() {
    server.answer(
        Answer.json(500, "{\"error\":\"timeout\"}"),
        Answer.json(429, "{\"error\":\"slow down\"}"),
        Answer.noContent());

    sink(settings()).write(TestWindows.many(1, 1, 0));

    assertThat(server.requests()).hasSize(3);
  }

  @Test
  void slowServer_timesOut_andIsRetried_thenGivesUp() throws IOException {
    // a listening socket that never answers: the backlog accepts the connection, nobody reads
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        InfluxSink slow =
            InfluxSink.of(
                InfluxSettings.builder()
                    .url("http://127.0.0.1:" + silent.getLocalPort())
                    .database("db")
                    .timeout(Duration.ofMillis(200))
                    .maxRetries(1)
                    .backoff(Duration.ofMillis(5), Duration.ofMillis(20))
                    .build(),
                WindowSpec.ofDefaults())) {

      assertThatThrownBy(() -> slow.write(TestWindows.many(1, 1, 0)))
          .isInstanceOfSatisfying(
              InfluxWriteException.class, e -> assertThat(e.retryable()).isTrue())
          .hasMessageContaining("giving up after 2 attempts")
          .hasMessageContaining("no answer");
    }
  }
}
