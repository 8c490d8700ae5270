package io.fallback.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.fallback.core.Sink;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@link Sink} contract, run against the destination the sink writes to. Extend it and supply
 * the factory methods; each test creates its own sinks and outputs.
 *
 * <ul>
 *   <li>{@code write} returns only when every output can be read back from the destination (the
 *       loop commits input positions right after it).
 *   <li>{@code write} throws when the destination cannot accept the outputs, within a bounded time.
 *   <li>Writing the same outputs again leaves one copy of each (the loop rewrites a batch whose
 *       acknowledgement it did not see).
 * </ul>
 *
 * <p>Instances are created per test by JUnit; not thread-safe.
 *
 * @param <O> the output type
 */
public abstract class SinkContract<O> {

  /** Creates the contract; subclasses are JUnit test classes. */
  protected SinkContract() {}

  /**
   * A new sink writing to the destination under test.
   *
   * @return the sink
   */
  protected abstract Sink<O> createSink();

  /**
   * A new sink whose destination cannot accept writes (an unreachable server, a missing database).
   *
   * @return the sink
   */
  protected abstract Sink<O> createSinkWithBrokenDestination();

  /**
   * Outputs that no earlier call returned (each with its own identity at the destination).
   *
   * @param count how many, {@code >= 1}
   * @return {@code count} new outputs
   */
  protected abstract List<O> newOutputs(int count);

  /**
   * How many copies of {@code output} a reader of the destination sees now (0 when it is not
   * there). Read straight from the destination, not from the sink.
   *
   * @param output an output passed to a sink
   * @return the number of stored copies
   */
  protected abstract int storedCopies(O output);

  /**
   * The longest a write may take, success or failure (default 30 s).
   *
   * @return the bound
   */
  protected Duration writeBound() {
    return Duration.ofSeconds(30);
  }

  /** A returned write is readable at once: the sink acknowledged only what is durable. */
  @Test
  void writeReturns_everyOutputIsStored() {
    List<O> outputs = newOutputs(5);

    try (Sink<O> sink = createSink()) {
      Bounded.call(
          writeBound(),
          "write",
          () -> {
            sink.write(outputs);
            return null;
          });

      for (O o : outputs) {
        assertThat(storedCopies(o))
            .as("copies of %s stored when write returned (a sink must not acknowledge early)", o)
            .isEqualTo(1);
      }
    }
  }

  /** The loop rewrites a batch it is unsure about: that must not create a second copy. */
  @Test
  void sameOutputsWrittenTwice_oneCopyOfEach() {
    List<O> outputs = newOutputs(3);

    try (Sink<O> sink = createSink()) {
      Bounded.call(
          writeBound(),
          "two writes",
          () -> {
            sink.write(outputs);
            sink.write(outputs);
            return null;
          });

      for (O o : outputs) {
        assertThat(storedCopies(o))
            .as("copies of %s after writing it twice (writes must be idempotent)", o)
            .isEqualTo(1);
      }
    }
  }

  /** A failure must reach the loop as an exception, so that it holds the batch uncommitted. */
  @Test
  void destinationBroken_writeThrows() {
    List<O> outputs = newOutputs(2);

    try (Sink<O> sink = createSinkWithBrokenDestination()) {
      Bounded.Outcome<Object> outcome =
          Bounded.call(
              writeBound(),
              "write to a broken destination",
              () ->
                  Bounded.Outcome.of(
                      () -> {
                        sink.write(outputs);
                        return "returned normally";
                      }));

      assertThat(outcome.error())
          .as("write to a broken destination must throw, but it %s", outcome.value())
          .isNotNull();
    }
  }

  /** {@code close} is idempotent. */
  @Test
  void closedTwice_noError() {
    Sink<O> sink = createSink();

    sink.close();

    assertThatCode(sink::close).doesNotThrowAnyException();
  }
}
