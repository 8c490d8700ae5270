package io.fallback.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.BatchProcessor;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@link BatchProcessor} contract: all or nothing, never an invented output. A processor whose
 * backend fails must throw (the loop then holds the batch and retries it) rather than return
 * placeholders, and the same inputs passed again give the same outputs.
 *
 * <p>Instances are created per test by JUnit; not thread-safe.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
public abstract class BatchProcessorContract<I, O> {

  /** Creates the contract; subclasses are JUnit test classes. */
  protected BatchProcessorContract() {}

  /**
   * A processor whose backend works.
   *
   * @return the processor
   */
  protected abstract BatchProcessor<I, O> createWorking();

  /**
   * A processor whose backend fails every call (down, or answering errors).
   *
   * @return the processor
   */
  protected abstract BatchProcessor<I, O> createWithFailingBackend();

  /**
   * Inputs to process.
   *
   * @return a non-empty list
   */
  protected abstract List<I> inputs();

  /**
   * The longest one call may take (default 30 s).
   *
   * @return the bound
   */
  protected Duration callBound() {
    return Duration.ofSeconds(30);
  }

  /** A working backend yields outputs. */
  @Test
  void backendWorks_outputsForTheInputs() {
    List<I> inputs = inputs();

    List<O> outputs = Bounded.call(callBound(), "process", () -> createWorking().process(inputs));

    assertThat(outputs).as("outputs of %s inputs", inputs.size()).isNotEmpty();
  }

  /** The same inputs again give the same outputs: a retried batch writes what the first would. */
  @Test
  void sameInputsTwice_sameOutputs() {
    List<I> inputs = inputs();
    BatchProcessor<I, O> processor = createWorking();

    List<O> first = Bounded.call(callBound(), "process", () -> processor.process(inputs));
    List<O> second = Bounded.call(callBound(), "process", () -> processor.process(inputs));

    assertThat(second).containsExactlyInAnyOrderElementsOf(first);
  }

  /** A failing backend is an exception, never a made-up output. */
  @Test
  void backendFails_throwsInsteadOfInventingOutputs() {
    List<I> inputs = inputs();
    BatchProcessor<I, O> processor = createWithFailingBackend();

    Bounded.Outcome<List<O>> outcome =
        Bounded.call(
            callBound(), "process", () -> Bounded.Outcome.of(() -> processor.process(inputs)));

    assertThat(outcome.error())
        .as("process with a failing backend must throw, but returned %s", outcome.value())
        .isNotNull();
  }
}
