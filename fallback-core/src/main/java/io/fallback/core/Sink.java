package io.fallback.core;

import java.util.List;

/**
 * Where outputs go (InfluxDB in production).
 *
 * <p>Contract: {@link #write} returns normally only when every output is durably accepted by the
 * destination; the loop commits input offsets right after that. On any doubt it throws, and the
 * loop keeps the batch and writes it again later, so writing the same outputs twice must be
 * harmless (InfluxDB point identity is measurement, tag set and timestamp). A sink may retry
 * internally; it must not drop outputs to make progress.
 *
 * <p>Called from the single loop thread.
 *
 * @param <O> output type
 */
@FunctionalInterface
public interface Sink<O> extends AutoCloseable {

  /**
   * Writes the outputs durably.
   *
   * @param outputs the outputs, never empty
   * @throws RuntimeException if not all outputs are known to be accepted
   */
  void write(List<O> outputs);

  /** Releases resources. Idempotent. The default does nothing. */
  @Override
  default void close() {}
}
