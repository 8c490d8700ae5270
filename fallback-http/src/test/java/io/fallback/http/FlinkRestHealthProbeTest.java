package io.fallback.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.Health;
import io.fallback.http.StubServer.Reply;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The probe against canned Flink 2.2 REST answers (shapes taken from a Flink 2.2.1 MiniCluster).
 */
class FlinkRestHealthProbeTest {

  private static final String ID = "cacbe2e65c9a47612ecd824d385e97c6";
  private static final String OLD_ID = "0802c721115cd186a5e6b83c98fe091e";
  private static final long NOW = 1_795_625_300_000L;
  private static final InstantSource CLOCK = InstantSource.fixed(Instant.ofEpochMilli(NOW));

  private StubServer server;
  private final Map<String, Reply> replies = new ConcurrentHashMap<>();
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void start() throws Exception {
    server = StubServer.start();
    server.handler(
        exchange -> {
          String query = exchange.getRequestURI().getRawQuery();
          String key = exchange.getRequestURI().getPath() + (query == null ? "" : "?" + query);
          return replies.getOrDefault(
              key, new Reply(404, "{\"errors\":[\"Not found: " + key + "\"]}"));
        });
    healthyJob();
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    server.close();
  }

  private void healthyJob() {
    overview(job(ID, "nurse-stress", "RUNNING", NOW - 120_000));
    details("RUNNING", "RUNNING");
    restarts(0);
    checkpointInterval(10_000);
    checkpoints(
        "{\"counts\":{\"restored\":0,\"total\":3,\"in_progress\":0,\"completed\":2,\"failed\":1},"
            + "\"latest\":{\"completed\":{\"id\":2,\"status\":\"COMPLETED\",\"trigger_timestamp\":"
            + (NOW - 4_050)
            + ",\"latest_ack_timestamp\":"
            + (NOW - 4_000)
            + "},\"savepoint\":null,\"failed\":null,\"restored\":null}}");
  }

  private static String job(String id, String name, String state, long start) {
    return "{\"jid\":\""
        + id
        + "\",\"name\":\""
        + name
        + "\",\"start-time\":"
        + start
        + ",\"end-time\":-1,\"duration\":1000,\"state\":\""
        + state
        + "\",\"last-modification\":"
        + start
        + ",\"tasks\":{\"running\":1,\"total\":1},\"pending-operators\":0}";
  }

  private void overview(String... jobs) {
    replies.put("/jobs/overview", Reply.ok("{\"jobs\":[" + String.join(",", jobs) + "]}"));
  }

  private void details(String sourceState, String sinkState) {
    replies.put(
        "/jobs/" + ID,
        Reply.ok(
            "{\"jid\":\""
                + ID
                + "\",\"name\":\"nurse-stress\",\"state\":\"RUNNING\","
                + "\"start-time\":"
                + (NOW - 120_000)
                + ",\"timestamps\":{\"RUNNING\":"
                + (NOW - 119_000)
                + "},\"vertices\":["
                + "{\"id\":\"v1\",\"name\":\"Source: kafka\",\"parallelism\":2,\"status\":\""
                + sourceState
                + "\"},"
                + "{\"id\":\"v2\",\"name\":\"windows -> Sink: influx\",\"parallelism\":2,\"status\":\""
                + sinkState
                + "\"}]}"));
  }

  private void restarts(int n) {
    replies.put(
        "/jobs/" + ID + "/metrics?get=numRestarts",
        Reply.ok("[{\"id\":\"numRestarts\",\"value\":\"" + n + "\"}]"));
  }

  private void checkpointInterval(long interval) {
    replies.put(
        "/jobs/" + ID + "/checkpoints/config",
        Reply.ok(
            "{\"mode\":\"exactly_once\",\"interval\":"
                + interval
                + ",\"timeout\":600000,\"min_pause\":0,\"max_concurrent\":1}"));
  }

  private void checkpoints(String json) {
    replies.put("/jobs/" + ID + "/checkpoints", Reply.ok(json));
  }

  private void lastCheckpointAgo(long millis) {
    checkpoints(
        "{\"counts\":{\"completed\":9,\"failed\":0},\"latest\":{\"completed\":{\"id\":9,"
            + "\"trigger_timestamp\":"
            + (NOW - millis - 50)
            + ",\"latest_ack_timestamp\":"
            + (NOW - millis)
            + "},"
            + "\"savepoint\":null,\"failed\":null,\"restored\":null}}");
  }

  private FlinkProbeSettings.Builder settings() {
    return FlinkProbeSettings.builder(server.uri("/"))
        .jobName("nurse-stress")
        .timeout(Duration.ofSeconds(2));
  }

  private Health check(FlinkProbeSettings settings) {
    return FlinkRestHealthProbe.of(settings, CLOCK).check();
  }

  @Test
  void runningJob_allVerticesRunning_recentCheckpoint_isHealthy() {
    Health health = check(settings().build());

    assertThat(health.isHealthy()).isTrue();
    assertThat(health.reason())
        .isEqualTo(
            "job nurse-stress ("
                + ID
                + ") is RUNNING: restarts 0, "
                + "2/2 vertices RUNNING, last checkpoint 4s old");
  }

  @Test
  void unknownJobName_isUnhealthy() {
    overview(job(OLD_ID, "other-job", "RUNNING", NOW - 5000));

    Health health = check(settings().build());

    assertThat(health.isHealthy()).isFalse();
    assertThat(health.reason()).isEqualTo("no job named nurse-stress (jobs: other-job RUNNING)");
  }

  @Test
  void cancelledJob_isUnhealthy() {
    overview(job(ID, "nurse-stress", "CANCELED", NOW - 120_000));

    Health health = check(settings().build());

    assertThat(health.reason()).isEqualTo("job nurse-stress is CANCELED");
    assertThat(health.isHealthy()).isFalse();
  }

  @Test
  void resubmittedJob_theLiveRunIsChecked_notTheOldCancelledOne() {
    overview(
        job(OLD_ID, "nurse-stress", "CANCELED", NOW - 900_000),
        job(ID, "nurse-stress", "RUNNING", NOW - 120_000));

    assertThat(check(settings().build()).isHealthy()).isTrue();
  }

  @Test
  void jobById_isFound() {
    overview(
        job(OLD_ID, "nurse-stress", "RUNNING", NOW - 900_000),
        job(ID, "nurse-stress", "RUNNING", NOW - 120_000));

    assertThat(check(settings().jobName(null).jobId(ID.toUpperCase()).build()).reason())
        .contains("(" + ID + ")");
    assertThat(
            check(settings().jobName(null).jobId("ffffffffffffffffffffffffffffffff").build())
                .reason())
        .startsWith("no job with id ffffffffffffffffffffffffffffffff (jobs: nurse-stress RUNNING");
  }

  @Test
  void noJobConfigured_anyRunningJobCounts_asTheSeedDid() {
    overview(
        job(OLD_ID, "old", "CANCELED", NOW - 900_000),
        job(ID, "whatever", "RUNNING", NOW - 120_000));

    Health health = check(settings().jobName(null).build());

    assertThat(health.isHealthy()).isTrue();
    assertThat(health.reason()).startsWith("job whatever (" + ID + ") is RUNNING");
  }

  @Test
  void noJobConfigured_andNoJobs_isUnhealthy() {
    overview();

    assertThat(check(settings().jobName(null).build()).reason()).isEqualTo("no job on the cluster");
  }

  @Test
  void restartingJob_isUnhealthy() {
    overview(job(ID, "nurse-stress", "RESTARTING", NOW - 120_000));

    assertThat(check(settings().build()).reason()).isEqualTo("job nurse-stress is RESTARTING");
  }

  @Test
  void vertexNotRunning_isUnhealthy() {
    details("RUNNING", "INITIALIZING");

    Health health = check(settings().build());

    assertThat(health.isHealthy()).isFalse();
    assertThat(health.reason()).isEqualTo("vertex windows -> Sink: influx is INITIALIZING");
  }

  @Test
  void severalVerticesNotRunning_areCounted() {
    details("DEPLOYING", "INITIALIZING");

    assertThat(check(settings().build()).reason())
        .isEqualTo("vertex Source: kafka is DEPLOYING (and 1 more vertices not RUNNING)");
  }

  @Test
  void risingRestartCount_isUnhealthyOnce() {
    FlinkRestHealthProbe probe = FlinkRestHealthProbe.of(settings().build(), CLOCK);
    restarts(1);
    Health first = probe.check();
    restarts(2);
    Health second = probe.check();
    Health third = probe.check();

    assertThat(first.isHealthy()).as("the count before the first check is no evidence").isTrue();
    assertThat(second.isHealthy()).isFalse();
    assertThat(second.reason()).isEqualTo("restarts rose from 1 to 2");
    assertThat(third.isHealthy()).isTrue();
  }

  @Test
  void restartMetricNotFetchedYet_isNoEvidence() {
    replies.put("/jobs/" + ID + "/metrics?get=numRestarts", Reply.ok("[]"));

    Health health = check(settings().build());

    assertThat(health.isHealthy()).isTrue();
    assertThat(health.reason()).doesNotContain("restarts");
  }

  @Test
  void oldCheckpoint_isUnhealthy() {
    lastCheckpointAgo(95_400);

    Health health = check(settings().maxCheckpointAge(Duration.ofSeconds(60)).build());

    assertThat(health.reason()).isEqualTo("last checkpoint 95s old > 60s");
  }

  @Test
  void checkpointAge_defaultsToThreeIntervals_atLeast60s() {
    lastCheckpointAgo(61_000);
    assertThat(check(settings().build()).reason()).isEqualTo("last checkpoint 61s old > 60s");

    checkpointInterval(30_000);
    assertThat(check(settings().build()).isHealthy()).isTrue();
    lastCheckpointAgo(91_000);
    assertThat(check(settings().build()).reason()).isEqualTo("last checkpoint 91s old > 90s");
  }

  @Test
  void failedCheckpointsRightAfterStart_areNotUnhealthy() {
    overview(job(ID, "nurse-stress", "RUNNING", NOW - 3_000));
    checkpoints(
        "{\"counts\":{\"restored\":0,\"total\":1,\"in_progress\":0,\"completed\":0,\"failed\":1},"
            + "\"latest\":{\"completed\":null,\"savepoint\":null,\"failed\":{\"id\":1,\"status\":\"FAILED\"},\"restored\":null}}");

    Health health = check(settings().build());

    assertThat(health.isHealthy()).isTrue();
    assertThat(health.reason()).contains("no checkpoint completed yet");
  }

  @Test
  void noCompletedCheckpointLongAfterStart_isUnhealthy() {
    overview(job(ID, "nurse-stress", "RUNNING", NOW - 75_000));
    checkpoints(
        "{\"counts\":{\"completed\":0,\"failed\":7},\"latest\":{\"completed\":null,\"savepoint\":null,"
            + "\"failed\":null,\"restored\":null}}");

    assertThat(check(settings().build()).reason())
        .isEqualTo("no completed checkpoint since the job started 75s ago (max 60s)");
  }

  @Test
  void checkpointingOff_skipsTheCheckpointCheck() {
    checkpointInterval(Long.MAX_VALUE);
    replies.remove("/jobs/" + ID + "/checkpoints");

    Health health = check(settings().build());

    assertThat(health.isHealthy()).isTrue();
    assertThat(health.reason()).endsWith("checkpointing off");
  }

  @Test
  void checkpointAgeZero_turnsTheCheckOff() {
    lastCheckpointAgo(10_000_000);

    assertThat(check(settings().maxCheckpointAge(Duration.ZERO).build()).isHealthy()).isTrue();
  }

  @Test
  void everyFailedCondition_isInTheReason() {
    FlinkRestHealthProbe probe =
        FlinkRestHealthProbe.of(settings().maxCheckpointAge(Duration.ofSeconds(30)).build(), CLOCK);
    probe.check();
    restarts(3);
    details("RUNNING", "FAILED");
    lastCheckpointAgo(45_000);

    assertThat(probe.check().reason())
        .isEqualTo(
            "restarts rose from 0 to 3; vertex windows -> Sink: influx is FAILED; last checkpoint 45s old > 30s");
  }

  @Test
  void garbageResponse_isUnhealthyWithExcerpt() {
    replies.put("/jobs/overview", Reply.ok("<html><body>502 Bad Gateway</body></html>"));

    assertThat(check(settings().build()).reason())
        .isEqualTo(
            "unparseable response to GET /jobs/overview: '<html><body>502 Bad Gateway</body></html>'");
  }

  @Test
  void wrongJsonShape_isUnparseable() {
    replies.put("/jobs/overview", Reply.ok("{\"jobs\": 3}"));

    assertThat(check(settings().build()).reason())
        .startsWith("unparseable response to GET /jobs/overview: '{\"jobs\":3}'");
  }

  @Test
  void errorStatus_isUnhealthyWithFlinksErrorMessage() {
    replies.put(
        "/jobs/overview",
        new Reply(500, "{\"errors\":[\"Internal server error.\\n\\tat some.Stack\"]}"));

    assertThat(check(settings().build()).reason())
        .isEqualTo("JobManager answered HTTP 500 to GET /jobs/overview: 'Internal server error.'");
  }

  @Test
  void legacyOverview_healthyIffJobsRunning() {
    replies.put(
        "/overview",
        Reply.ok(
            "{\"taskmanagers\":1,\"jobs-running\":2,\"jobs-finished\":0,\"flink-version\":\"2.2.1\"}"));
    FlinkProbeSettings legacy =
        settings().jobName(null).mode(FlinkProbeSettings.Mode.LEGACY_OVERVIEW).build();

    assertThat(check(legacy)).isEqualTo(Health.healthy("2 job(s) running (legacy_overview)"));

    replies.put("/overview", Reply.ok("{\"taskmanagers\":1,\"jobs-running\":0}"));
    assertThat(check(legacy))
        .isEqualTo(Health.unhealthy("no job running (legacy_overview: jobs-running = 0)"));
  }

  @Test
  void unreachableJobManager_isUnhealthy() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }

    Health health =
        check(FlinkProbeSettings.builder(URI.create("http://127.0.0.1:" + port)).build());

    assertThat(health.isHealthy()).isFalse();
    assertThat(health.reason())
        .startsWith("JobManager unreachable at http://127.0.0.1:" + port + ": ConnectException");
  }

  @Test
  void jobManagerThatNeverAnswers_isUnhealthyWithinTheTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      URI url = URI.create("http://127.0.0.1:" + silent.getLocalPort());
      long start = System.nanoTime();

      Health health =
          check(FlinkProbeSettings.builder(url).timeout(Duration.ofMillis(500)).build());

      assertThat(health.reason())
          .isEqualTo("timed out after 500ms (GET " + url + "/jobs/overview)");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
  }

  @Test
  void slowSecondRequest_sharesTheCheckTimeout() {
    replies.remove("/jobs/" + ID);
    server.handler(
        exchange -> {
          if (exchange.getRequestURI().getPath().equals("/jobs/overview")) {
            return Reply.ok("{\"jobs\":[" + job(ID, "nurse-stress", "RUNNING", NOW - 1000) + "]}");
          }
          release.await(30, TimeUnit.SECONDS);
          return new Reply(500, "late");
        });
    long start = System.nanoTime();

    Health health = check(settings().timeout(Duration.ofMillis(700)).build());

    assertThat(health.reason()).startsWith("timed out after 700ms (GET ");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }
}
