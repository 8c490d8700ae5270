package io.fallback.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.Test;

class FlinkClusterIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void infiniteJob_isRunningOverRest_thenCanceled() throws Exception {
    long begin = System.nanoTime();
    try (FlinkCluster flink = FlinkCluster.start()) {
      System.out.println("startup flink: " + (System.nanoTime() - begin) / 1_000_000 + " ms");
      assertThat(flink.restUrl()).matches("http://127\\.0\\.0\\.1:\\d+");

      JobID job = flink.submit(infiniteJob(), "testkit-smoke");
      flink.awaitStatus(job, JobStatus.RUNNING, Duration.ofSeconds(60));

      await("job " + job + " RUNNING in /jobs/overview")
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(restState(flink, job)).isEqualTo("RUNNING"));
      JsonNode overviewJob = overviewEntry(flink, job);
      assertThat(overviewJob.path("name").asText()).isEqualTo("testkit-smoke");

      flink.cancel(job);
      flink.awaitStatus(job, JobStatus.CANCELED, Duration.ofSeconds(60));

      assertThat(flink.status(job)).isEqualTo(JobStatus.CANCELED);
      await("job " + job + " CANCELED in /jobs/overview")
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(restState(flink, job)).isEqualTo("CANCELED"));
    }
  }

  private static StreamExecutionEnvironment infiniteJob() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    DataGeneratorSource<Long> source =
        new DataGeneratorSource<>(
            index -> index, Long.MAX_VALUE, RateLimiterStrategy.perSecond(20), Types.LONG);
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "numbers")
        .map(n -> n * 2)
        .returns(Types.LONG)
        .sinkTo(new DiscardingSink<>());
    return env;
  }

  private String restState(FlinkCluster flink, JobID job) throws Exception {
    return overviewEntry(flink, job).path("state").asText();
  }

  private JsonNode overviewEntry(FlinkCluster flink, JobID job) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(flink.restUrl() + "/jobs/overview"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    for (JsonNode entry : JSON.readTree(response.body()).path("jobs")) {
      if (entry.path("jid").asText().equals(job.toHexString())) {
        return entry;
      }
    }
    throw new AssertionError("job " + job + " not in /jobs/overview: " + response.body());
  }
}
