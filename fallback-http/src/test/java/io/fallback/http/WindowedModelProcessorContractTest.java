package io.fallback.http;

import io.fallback.contract.BatchProcessorContract;
import io.fallback.core.BatchProcessor;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.http.StubServer.Reply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link WindowedModelProcessor} passes the adapter contract kit over HTTP: a local model service
 * that predicts {@code floor(X) mod 3}, and one that answers 500 to everything.
 */
class WindowedModelProcessorContractTest
    extends BatchProcessorContract<WindowResult, ScoredWindow> {

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private BatchProcessor<WindowResult, ScoredWindow> processor(boolean failing) {
    StubServer server;
    try {
      server = StubServer.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    open.add(server);
    server.handler(
        exchange -> {
          if (failing) {
            return new Reply(500, "{\"error\": \"model not loaded\"}");
          }
          String query = exchange.getRequestURI().getRawQuery();
          float x = Float.parseFloat(query.substring(2, query.indexOf('&')));
          return Reply.ok("{\"stress_level_prediction\": \"" + ((int) x) % 3 + "\"}");
        });
    ModelServiceClient client =
        ModelServiceClient.of(
            ModelServiceSettings.builder(server.uri("/model/api/predict"))
                .retryAttempts(2)
                .retryBackoff(Duration.ofMillis(5), Duration.ofMillis(10))
                .maxConcurrency(4)
                .build(),
            WindowSpec.NURSE_FIELDS);
    open.add(client);
    return WindowedModelProcessor.of(client);
  }

  @Override
  protected BatchProcessor<WindowResult, ScoredWindow> createWorking() {
    return processor(false);
  }

  @Override
  protected BatchProcessor<WindowResult, ScoredWindow> createWithFailingBackend() {
    return processor(true);
  }

  @Override
  protected List<WindowResult> inputs() {
    List<WindowResult> windows = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      windows.add(
          new WindowResult(
              "nurse-" + i, 5000L * i, 5000L * i + 5000, 10, new float[] {i, 1, 2, 3, 60, 33}));
    }
    return windows;
  }
}
