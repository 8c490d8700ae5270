package io.fallback.core;

import java.util.List;

/**
 * Turns a batch of inputs into outputs: in the product, completed windows into scored points.
 *
 * <p>Contract: all or nothing. Either every input yields its output, or the call throws and the
 * loop retries the same inputs later. Never invent an output to get past a failure (the earlier
 * version wrote a made-up stress level when the model service was down). The same inputs may be
 * passed again after a failure, so the call must not have side effects that a retry would
 * duplicate.
 *
 * <p>Called one batch at a time, never concurrently: from the loop thread, or from the loop's stage
 * thread when it is pipelined ({@code LoopSettings.pipelineDepth() >= 1}), each call
 * happening-after the previous one. Implementations may fan out internally.
 *
 * @param <I> input type
 * @param <O> output type
 */
@FunctionalInterface
public interface BatchProcessor<I, O> {

  /**
   * Processes the inputs.
   *
   * @param inputs the inputs, never empty
   * @return one or more outputs per input as the processor defines, in any order
   * @throws RuntimeException if any input could not be processed; nothing is written or committed
   */
  List<O> process(List<I> inputs);
}
