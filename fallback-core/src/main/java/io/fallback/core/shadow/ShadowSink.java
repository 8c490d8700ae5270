package io.fallback.core.shadow;

import io.fallback.core.Sink;
import io.fallback.core.window.ScoredWindow;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The shadow's sink: writes nothing to the primary's output. It records the windows with the {@link
 * ShadowComparator}, settles what the primary has written, and acknowledges the batch only when
 * every window in it is settled, so the fallback's consumer group never commits past a window the
 * primary has not written: when the shadow hands over to the fallback, the fallback starts at the
 * first window the primary has not written, without rewinding to the primary's checkpoint.
 *
 * <p>A batch not settled yet is refused with {@link PrimaryNotYetWritten}; the loop holds it (its
 * partitions paused, its session alive) and offers it again after its backoff. Scored windows can
 * also go to a side sink (another measurement), once they are acknowledged.
 *
 * <p>Called from the loop thread only.
 */
public final class ShadowSink implements Sink<ShadowWindow> {

  /** The primary has not written (or moved past) every window of the batch yet. */
  public static final class PrimaryNotYetWritten extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PrimaryNotYetWritten(int pending) {
      super("shadow: waiting for the primary to write " + pending + " windows");
    }
  }

  private final ShadowComparator comparator;
  private final ShadowComparator.Output output;
  private final Optional<Sink<ScoredWindow>> side;
  private final InstantSource clock;

  /**
   * Creates the sink.
   *
   * @param comparator the bookkeeping
   * @param output reads back what the primary (and we) wrote
   * @param side where scored windows are also written, if anywhere
   * @param clock the time source
   */
  public ShadowSink(
      ShadowComparator comparator,
      ShadowComparator.Output output,
      Optional<Sink<ScoredWindow>> side,
      InstantSource clock) {
    this.comparator = Objects.requireNonNull(comparator, "comparator");
    this.output = Objects.requireNonNull(output, "output");
    this.side = Objects.requireNonNull(side, "side");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Offers and settles the windows; returns when all are settled.
   *
   * @throws PrimaryNotYetWritten when some are still pending (the loop holds the batch)
   * @throws RuntimeException when the output cannot be read or the side sink fails
   */
  @Override
  public void write(List<ShadowWindow> windows) {
    comparator.offer(windows, clock.instant());
    comparator.settle(output, clock.instant());
    if (!comparator.settled(windows)) {
      throw new PrimaryNotYetWritten(comparator.report().pending());
    }
    if (side.isPresent()) {
      List<ScoredWindow> scored =
          windows.stream()
              .filter(ShadowWindow::scored)
              .map(w -> new ScoredWindow(w.window(), w.stressLevel().getAsInt()))
              .toList();
      if (!scored.isEmpty()) {
        side.get().write(scored);
      }
    }
  }

  @Override
  public void close() {
    side.ifPresent(Sink::close);
  }
}
