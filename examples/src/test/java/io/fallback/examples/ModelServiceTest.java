package io.fallback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.http.ModelServiceClient;
import io.fallback.http.ModelServiceSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ModelServiceTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static ModelService service;

  @BeforeAll
  static void start() throws Exception {
    service = ModelService.start();
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  @AfterEach
  void noFaults() {
    service.faults(ModelService.Faults.NONE);
  }

  @Test
  void predict_answersTheSeedsJsonWithTheRulesLevel() throws Exception {
    HttpResponse<String> low = get(predict(72.5f, 0.5f), null);
    HttpResponse<String> medium = get(predict(86f, 0.5f), null);
    HttpResponse<String> high = get(predict(96f, 3.5f), null);

    assertThat(low.statusCode()).isEqualTo(200);
    assertThat(low.body()).isEqualTo("{\"stress_level_prediction\": \"0\"}");
    assertThat(medium.body()).isEqualTo("{\"stress_level_prediction\": \"1\"}");
    assertThat(high.body()).isEqualTo("{\"stress_level_prediction\": \"2\"}");
  }

  @Test
  void batchedCalls_ofTheFallbacksClient_answerWhatOneCallPerWindowAnswers() {
    List<WindowResult> windows = new ArrayList<>();
    float[] hrs = {72.5f, 86f, 96f, 60f, 105f};
    float[] edas = {0.5f, 0.5f, 3.5f, 2f, 0f};
    for (int i = 0; i < hrs.length; i++) {
      windows.add(
          new WindowResult(
              "nurse-" + i, 0, 5_000, 10, new float[] {0f, 0f, 0f, edas[i], hrs[i], 33f}));
    }
    URI endpoint = URI.create(service.predictUrl());
    long before = service.predictions();
    try (ModelServiceClient single =
            ModelServiceClient.of(
                ModelServiceSettings.ofDefaults(endpoint), WindowSpec.NURSE_FIELDS);
        ModelServiceClient batched =
            ModelServiceClient.of(
                ModelServiceSettings.builder(endpoint).batch(2, null).build(),
                WindowSpec.NURSE_FIELDS)) {
      List<Integer> one = single.scoreAll(windows).stream().map(ScoredWindow::stressLevel).toList();
      List<Integer> many =
          batched.scoreAll(windows).stream().map(ScoredWindow::stressLevel).toList();

      assertThat(many).isEqualTo(one).containsExactly(0, 1, 2, 1, 2);
    }
    assertThat(service.predictions() - before).as("windows scored, both ways").isEqualTo(10);
  }

  @Test
  void stressModel_thresholds() {
    assertThat(StressModel.predict(84.99f, 1.99f)).isZero();
    assertThat(StressModel.predict(85f, 0f)).isEqualTo(1);
    assertThat(StressModel.predict(60f, 2f)).isEqualTo(1);
    assertThat(StressModel.predict(104.9f, 2.9f)).isEqualTo(1);
    assertThat(StressModel.predict(95f, 3f)).isEqualTo(2);
    assertThat(StressModel.predict(105f, 0f)).isEqualTo(2);
  }

  @Test
  void missingParameter_isABadRequest() throws Exception {
    HttpResponse<String> response = get(service.predictUrl() + "?x=1&y=2&z=3&eda=1&temp=33", null);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("hr");
  }

  @Test
  void errorFault_forOneClient_failsOnlyThatClient() throws Exception {
    service.faults(ModelService.Faults.errors(1).onlyFor("flink"));

    HttpResponse<String> flink = get(predict(70f, 1f), "flink");
    HttpResponse<String> other = get(predict(70f, 1f), null);

    assertThat(flink.statusCode()).isEqualTo(503);
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(get(service.baseUrl() + "/health", null).statusCode()).isEqualTo(200);
  }

  @Test
  void errorRate_failsThatShareOfRequests() throws Exception {
    service.faults(ModelService.Faults.errors(0.25));
    int failed = 0;

    for (int i = 0; i < 40; i++) {
      if (get(predict(70f, 1f), null).statusCode() == 503) {
        failed++;
      }
    }

    assertThat(failed).isEqualTo(10);
  }

  @Test
  void alwaysFailing_makesHealthUnhealthy() throws Exception {
    service.faults(ModelService.Faults.errors(1));

    assertThat(get(service.baseUrl() + "/health", null).statusCode()).isEqualTo(503);
  }

  @Test
  void latencyFault_delaysTheAnswer() throws Exception {
    service.faults(ModelService.Faults.latency(Duration.ofMillis(300)));

    long begin = System.nanoTime();
    HttpResponse<String> response = get(predict(70f, 1f), null);
    long elapsedMillis = (System.nanoTime() - begin) / 1_000_000;

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(elapsedMillis).isGreaterThanOrEqualTo(300);
  }

  private static String predict(float hr, float eda) {
    return service.predictUrl() + "?x=1.5&y=-2.0&z=30.25&eda=" + eda + "&hr=" + hr + "&temp=33.1";
  }

  private static HttpResponse<String> get(String url, String client) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (client != null) {
      request.header(ModelService.CLIENT_HEADER, client);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
