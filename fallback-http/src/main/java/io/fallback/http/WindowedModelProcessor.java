package io.fallback.http;

import io.fallback.core.BatchProcessor;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import java.util.List;
import java.util.Objects;

/**
 * The fallback's version of the primary job's model step: one model call per completed window, one
 * {@link ScoredWindow} per window, with the window's means and the model's prediction.
 *
 * <p>The windows come from core's windowing stage; this processor only scores them, in parallel
 * through the {@link ModelServiceClient} (bounded by {@code ml_service.max_concurrency}). All or
 * nothing: if any window cannot be scored, {@link #process(List)} throws and returns nothing, so
 * the loop neither writes nor commits the batch and retries the same windows later. No prediction
 * is ever made up. A retry repeats only idempotent GET calls.
 *
 * <p>This class is thread-safe. It does not own the client: whoever created the client closes it.
 */
public final class WindowedModelProcessor implements BatchProcessor<WindowResult, ScoredWindow> {

  private final ModelServiceClient client;

  private WindowedModelProcessor(ModelServiceClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  /**
   * Creates a processor.
   *
   * @param client the model-service client, not closed by this processor
   * @return the processor
   */
  public static WindowedModelProcessor of(ModelServiceClient client) {
    return new WindowedModelProcessor(client);
  }

  /**
   * Scores the windows.
   *
   * @param windows completed windows
   * @return one scored window per input, in input order
   * @throws ModelServiceException if any window could not be scored; nothing is returned then
   */
  @Override
  public List<ScoredWindow> process(List<WindowResult> windows) {
    return client.scoreAll(windows);
  }
}
