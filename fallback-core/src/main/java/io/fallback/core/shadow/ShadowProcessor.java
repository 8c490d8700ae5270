package io.fallback.core.shadow;

import io.fallback.core.BatchProcessor;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;

/**
 * The shadow's processing step: calls the model only for the sampled windows, and only while the
 * model-call budget gives a permit; the other windows pass unscored. All or nothing, as the model
 * processor it wraps: if a scored window fails, the batch fails and is retried.
 *
 * <p>Thread-safe if the wrapped processor and the budget are.
 */
public final class ShadowProcessor implements BatchProcessor<WindowResult, ShadowWindow> {

  private final BatchProcessor<WindowResult, ScoredWindow> model;
  private final ShadowSampling sampling;
  private final BooleanSupplier budget;
  private final ShadowComparator comparator;

  /**
   * Creates the step.
   *
   * @param model the model processor, one output per input in input order
   * @param sampling which windows are compared
   * @param budget gives one permit per model call, or false when the budget is spent (the window
   *     then passes unscored and is counted as over budget)
   * @param comparator where windows over budget are counted
   */
  public ShadowProcessor(
      BatchProcessor<WindowResult, ScoredWindow> model,
      ShadowSampling sampling,
      BooleanSupplier budget,
      ShadowComparator comparator) {
    this.model = Objects.requireNonNull(model, "model");
    this.sampling = Objects.requireNonNull(sampling, "sampling");
    this.budget = Objects.requireNonNull(budget, "budget");
    this.comparator = Objects.requireNonNull(comparator, "comparator");
  }

  @Override
  public List<ShadowWindow> process(List<WindowResult> windows) {
    List<WindowResult> toScore = new ArrayList<>();
    boolean[] scored = new boolean[windows.size()];
    int overBudget = 0;
    for (int i = 0; i < windows.size(); i++) {
      WindowResult w = windows.get(i);
      if (sampling.sampled(w)) {
        if (budget.getAsBoolean()) {
          scored[i] = true;
          toScore.add(w);
        } else {
          overBudget++;
        }
      }
    }
    List<ScoredWindow> answers = toScore.isEmpty() ? List.of() : model.process(toScore);
    if (answers.size() != toScore.size()) {
      throw new IllegalStateException(
          "model processor returned " + answers.size() + " outputs for " + toScore.size());
    }
    comparator.overBudget(overBudget);
    List<ShadowWindow> out = new ArrayList<>(windows.size());
    int next = 0;
    for (int i = 0; i < windows.size(); i++) {
      out.add(
          scored[i]
              ? new ShadowWindow(windows.get(i), OptionalInt.of(answers.get(next++).stressLevel()))
              : new ShadowWindow(windows.get(i), OptionalInt.empty()));
    }
    return out;
  }
}
