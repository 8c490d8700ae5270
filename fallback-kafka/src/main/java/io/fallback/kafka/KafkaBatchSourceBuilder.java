package io.fallback.kafka;

import io.fallback.core.PrimaryProgress;
import io.fallback.core.window.WindowSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;

/** Builds a {@link KafkaBatchSource} ({@link KafkaBatchSource#builder}). Not thread-safe. */
public final class KafkaBatchSourceBuilder {
  final KafkaSourceSettings settings;
  final WindowSpec spec;
  PrimaryProgress progress;
  InstantSource clock = InstantSource.system();
  Duration apiTimeout = Duration.ofSeconds(30);
  Duration closeTimeout = Duration.ofSeconds(10);
  Instant activatedAt;
  boolean preferOwnOffsets;

  KafkaBatchSourceBuilder(KafkaSourceSettings settings, WindowSpec spec) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.spec = Objects.requireNonNull(spec, "spec");
  }

  /**
   * What the primary already wrote, queried on a takeover; null (the default) skips the query.
   *
   * @param progress the primary's progress, or null
   * @return this builder
   */
  public KafkaBatchSourceBuilder primaryProgress(PrimaryProgress progress) {
    this.progress = progress;
    return this;
  }

  /**
   * The time source (the default activation time, and the rewind's "now" for an empty partition).
   *
   * @param clock the clock
   * @return this builder
   */
  public KafkaBatchSourceBuilder clock(InstantSource clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /**
   * The moment the fallback became responsible (the trigger): with {@code kafka.auto_offset_reset:
   * latest}, partitions no group has committed start at their end as of this moment, so nothing
   * produced after the trigger is skipped. Default: the clock's time when {@link #build()} is
   * called (the launcher builds a source per activation, at the activation).
   *
   * @param at the activation time
   * @return this builder
   */
  public KafkaBatchSourceBuilder activatedAt(Instant at) {
    this.activatedAt = Objects.requireNonNull(at, "at");
    return this;
  }

  /**
   * Start every partition at this group's own committed offset when it has one, even when the
   * primary's group has committed further. For a group whose offsets are kept fresh by a shadow
   * that commits only what the primary has written (shadow mode): its offset is exactly the first
   * window the primary has not written, while the primary's committed offsets (checkpointed) lie
   * past the records of its open windows and would need a rewind. Default: false (use whichever of
   * the two is further, rewinding from the primary's).
   *
   * @param prefer whether own offsets win
   * @return this builder
   */
  public KafkaBatchSourceBuilder preferOwnOffsets(boolean prefer) {
    this.preferOwnOffsets = prefer;
    return this;
  }

  /**
   * The bound of each blocking Kafka request (committed offsets, commits, admin calls); default 30
   * s.
   *
   * @param timeout positive
   * @return this builder
   */
  public KafkaBatchSourceBuilder apiTimeout(Duration timeout) {
    this.apiTimeout = positive(timeout, "apiTimeout");
    return this;
  }

  /**
   * The bound of closing each client; default 10 s.
   *
   * @param timeout positive
   * @return this builder
   */
  public KafkaBatchSourceBuilder closeTimeout(Duration timeout) {
    this.closeTimeout = positive(timeout, "closeTimeout");
    return this;
  }

  /**
   * Builds the source (compiles the decoder; creates no client yet).
   *
   * @return the source
   * @throws IllegalArgumentException if the schema does not fit the settings and spec
   */
  public KafkaBatchSource build() {
    return new KafkaBatchSource(this);
  }

  private static Duration positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0, but was " + d);
    }
    return d;
  }
}
