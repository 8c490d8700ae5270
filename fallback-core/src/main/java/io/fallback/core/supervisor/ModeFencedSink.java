package io.fallback.core.supervisor;

import io.fallback.core.Sink;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeState;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A sink that writes only while the mode is {@link Mode#FALLBACK}: what an instance of a group (see
 * {@link ModeAuthority}) writes through, so that once it has taken a decision that stops the
 * fallback, no batch is written any more, not even the batches the loop had processed before its
 * stop (a lone instance writes those: its clean stop). The primary may already be writing the same
 * windows. A write in flight when the decision is taken finishes. Thread-safe if the delegate is.
 *
 * @param <O> the output type
 */
public final class ModeFencedSink<O> implements Sink<O> {

  /** The write was refused: the mode is not FALLBACK. The loop keeps the batch uncommitted. */
  public static final class NotFallback extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    NotFallback(String message) {
      super(message);
    }
  }

  private final Sink<O> delegate;
  private final Supplier<ModeState> state;

  /**
   * Wraps a sink.
   *
   * @param delegate where the outputs go
   * @param state the mode this instance acts on now (for example {@link
   *     FallbackSupervisor#state()})
   */
  public ModeFencedSink(Sink<O> delegate, Supplier<ModeState> state) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.state = Objects.requireNonNull(state, "state");
  }

  /**
   * Writes, unless the mode is not FALLBACK.
   *
   * @throws NotFallback when the mode is PRIMARY; nothing is written
   */
  @Override
  public void write(List<O> outputs) {
    Mode mode = state.get().mode();
    if (mode != Mode.FALLBACK) {
      throw new NotFallback(
          "not written: the mode is "
              + mode
              + "; the batch is left uncommitted for whoever reads these records next");
    }
    delegate.write(outputs);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
