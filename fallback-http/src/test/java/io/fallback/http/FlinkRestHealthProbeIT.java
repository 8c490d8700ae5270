package io.fallback.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fallback.core.Health;
import io.fallback.testkit.FlinkCluster;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link FlinkRestHealthProbe} against a real Flink 2.2 MiniCluster from the test kit. */
class FlinkRestHealthProbeIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Pattern RESTARTS_ROSE =
      Pattern.compile("restarts rose from (\\d+) to (\\d+)");

  private static FlinkCluster flink;

  @BeforeAll
  static void startFlink() {
    Configuration conf = new Configuration();
    // the REST metric store refreshes every 10 s by default; the probe reads numRestarts from it
    conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
    flink = FlinkCluster.start(4, conf);
  }

  @AfterAll
  static void stopFlink() {
    if (flink != null) {
      flink.close();
    }
  }

  /** An endless, slow job: a sequence source, a map that sleeps, a discarding sink. */
  private static JobID submit(String name, MapFunction<Long, Long> map, Configuration jobConf) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(jobConf);
    env.setParallelism(1);
    env.enableCheckpointing(500);
    env.fromSequence(0, Long.MAX_VALUE)
        .name("sequence")
        .map(map)
        .name("slow map")
        .sinkTo(new DiscardingSink<>())
        .name("discard");
    return flink.submit(env, name);
  }

  private static FlinkRestHealthProbe probe(String jobName) {
    return FlinkRestHealthProbe.of(
        FlinkProbeSettings.builder(URI.create(flink.restUrl()))
            .jobName(jobName)
            .timeout(Duration.ofSeconds(5))
            .build());
  }

  private static Health awaitHealth(
      FlinkRestHealthProbe probe, String expectation, Predicate<Health> condition) {
    AtomicReference<Health> last = new AtomicReference<>();
    await(expectation)
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              Health health = probe.check();
              last.set(health);
              assertThat(condition).as("%s, last answer: %s", expectation, health).accepts(health);
            });
    return last.get();
  }

  @Test
  void runningJob_isHealthy() {
    JobID job = submit("nurse-stress-running", new Slow(), new Configuration());
    try {
      flink.awaitStatus(job, JobStatus.RUNNING, WAIT);

      Health health =
          awaitHealth(
              probe("nurse-stress-running"), "the running job is healthy", Health::isHealthy);

      assertThat(health.reason())
          .startsWith("job nurse-stress-running (" + job + ") is RUNNING: ")
          .contains("1/1 vertices RUNNING");
    } finally {
      flink.cancel(job);
    }
  }

  @Test
  void cancelledJob_isUnhealthy() {
    JobID job = submit("nurse-stress-cancel", new Slow(), new Configuration());
    flink.awaitStatus(job, JobStatus.RUNNING, WAIT);
    FlinkRestHealthProbe probe = probe("nurse-stress-cancel");
    awaitHealth(probe, "the job is healthy before it is cancelled", Health::isHealthy);

    flink.cancel(job);
    flink.awaitStatus(job, JobStatus.CANCELED, WAIT);

    Health health =
        awaitHealth(
            probe,
            "the cancelled job is unhealthy",
            h -> !h.isHealthy() && h.reason().equals("job nurse-stress-cancel is CANCELED"));
    assertThat(health.status()).isEqualTo(Health.Status.UNHEALTHY);
  }

  @Test
  void restartingJob_isUnhealthy_restartsRose() {
    Configuration restart = new Configuration();
    restart.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    restart.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1000);
    restart.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(300));
    JobID job = submit("nurse-stress-flaky", new FailsPeriodically(1500), restart);
    try {
      flink.awaitStatus(job, JobStatus.RUNNING, WAIT);
      FlinkRestHealthProbe probe = probe("nurse-stress-flaky");

      Health health =
          awaitHealth(
              probe,
              "a restart is reported as rising restarts",
              h -> !h.isHealthy() && RESTARTS_ROSE.matcher(h.reason()).find());

      Matcher m = RESTARTS_ROSE.matcher(health.reason());
      assertThat(m.find()).isTrue();
      assertThat(Long.parseLong(m.group(2))).isGreaterThan(Long.parseLong(m.group(1)));
    } finally {
      flink.cancel(job);
    }
  }

  @Test
  void legacyOverview_isHealthyWhileAnyJobRuns() {
    JobID job = submit("some-other-job", new Slow(), new Configuration());
    try {
      flink.awaitStatus(job, JobStatus.RUNNING, WAIT);
      FlinkRestHealthProbe probe =
          FlinkRestHealthProbe.of(
              FlinkProbeSettings.builder(URI.create(flink.restUrl()))
                  .mode(FlinkProbeSettings.Mode.LEGACY_OVERVIEW)
                  .build());

      Health health = awaitHealth(probe, "legacy mode counts running jobs", Health::isHealthy);

      assertThat(health.reason()).endsWith("job(s) running (legacy_overview)");
    } finally {
      flink.cancel(job);
    }
  }

  @Test
  void restEndpointDown_isUnhealthyWithinTheTimeout() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Duration timeout = Duration.ofSeconds(1);

    Health refused =
        FlinkRestHealthProbe.of(
                FlinkProbeSettings.builder(URI.create("http://127.0.0.1:" + closedPort))
                    .jobName("nurse-stress")
                    .timeout(timeout)
                    .build())
            .check();

    assertThat(refused.isHealthy()).isFalse();
    assertThat(refused.reason())
        .startsWith("JobManager unreachable at http://127.0.0.1:" + closedPort);

    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      URI url = URI.create("http://127.0.0.1:" + silent.getLocalPort());
      long start = System.nanoTime();

      Health hung =
          FlinkRestHealthProbe.of(
                  FlinkProbeSettings.builder(url).jobName("nurse-stress").timeout(timeout).build())
              .check();

      assertThat(hung)
          .isEqualTo(Health.unhealthy("timed out after 1s (GET " + url + "/jobs/overview)"));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(timeout.plusSeconds(2));
    }
  }

  /** Passes records through slowly, so the job runs without burning a core. */
  static final class Slow implements MapFunction<Long, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long map(Long value) throws Exception {
      Thread.sleep(2);
      return value;
    }
  }

  /** Fails every {@code afterMillis} after each (re)start: a job in a restart loop. */
  static final class FailsPeriodically extends RichMapFunction<Long, Long> {
    private static final long serialVersionUID = 1L;
    private final long afterMillis;
    private transient long openedAt;

    FailsPeriodically(long afterMillis) {
      this.afterMillis = afterMillis;
    }

    @Override
    public void open(OpenContext context) {
      openedAt = System.currentTimeMillis();
    }

    @Override
    public Long map(Long value) throws Exception {
      Thread.sleep(2);
      if (System.currentTimeMillis() - openedAt > afterMillis) {
        throw new IllegalStateException("planned failure " + afterMillis + " ms after start");
      }
      return value;
    }
  }
}
