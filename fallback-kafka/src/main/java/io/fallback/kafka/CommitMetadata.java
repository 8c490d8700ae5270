package io.fallback.kafka;

import io.fallback.core.Checkpoint;
import java.util.Optional;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * The commit metadata format of the fallback group: the part of a {@link Checkpoint} that the
 * offset alone does not carry.
 *
 * <pre>
 *   fb1;e=&lt;emittedThrough&gt;;r=&lt;readThrough&gt;
 * </pre>
 *
 * <ul>
 *   <li>{@code fb1}: format name and version. A reader that sees another prefix ignores the
 *       metadata.
 *   <li>{@code e}: {@link Checkpoint#emittedThrough()} in epoch milliseconds (decimal, may be
 *       negative), or {@code -} for {@link Checkpoint#NONE} (no window written yet).
 *   <li>{@code r}: {@link Checkpoint#readThrough()}, a decimal offset {@code >= offset}.
 * </ul>
 *
 * <p>Example: {@code fb1;e=1764086405000;r=120345}, at most 48 characters, far below Kafka's
 * default {@code offset.metadata.max.bytes} of 4096. The offset itself is the committed offset.
 * Metadata that is missing, of another format (for example written by another tool under the same
 * group) or malformed restores as {@code Checkpoint(offset, NONE, offset)}: nothing known to be
 * written, nothing skipped.
 *
 * <p>Stateless and thread-safe.
 */
public final class CommitMetadata {

  /** The version prefix. */
  public static final String PREFIX = "fb1";

  private CommitMetadata() {}

  /**
   * Encodes the metadata of a checkpoint.
   *
   * @param checkpoint the checkpoint
   * @return the metadata string
   */
  public static String format(Checkpoint checkpoint) {
    String e =
        checkpoint.emittedThrough() == Checkpoint.NONE
            ? "-"
            : Long.toString(checkpoint.emittedThrough());
    return PREFIX + ";e=" + e + ";r=" + checkpoint.readThrough();
  }

  /**
   * The Kafka commit of a checkpoint.
   *
   * @param checkpoint the checkpoint
   * @return offset and metadata
   */
  public static OffsetAndMetadata toOffsetAndMetadata(Checkpoint checkpoint) {
    return new OffsetAndMetadata(checkpoint.offset(), format(checkpoint));
  }

  /**
   * Restores a checkpoint from a committed offset and its metadata.
   *
   * @param committed the group's committed offset, possibly null
   * @return the checkpoint, or empty when nothing was committed
   */
  public static Optional<Checkpoint> parse(OffsetAndMetadata committed) {
    if (committed == null) {
      return Optional.empty();
    }
    return Optional.of(parse(committed.offset(), committed.metadata()));
  }

  /**
   * Restores a checkpoint from an offset and a metadata string.
   *
   * @param offset the committed offset, {@code >= 0}
   * @param metadata the metadata, possibly null or foreign
   * @return the checkpoint; {@code Checkpoint(offset, NONE, offset)} for missing or foreign
   *     metadata
   */
  public static Checkpoint parse(long offset, String metadata) {
    Checkpoint plain = new Checkpoint(offset, Checkpoint.NONE, offset);
    if (metadata == null) {
      return plain;
    }
    String[] parts = metadata.split(";", -1);
    if (parts.length != 3
        || !parts[0].equals(PREFIX)
        || !parts[1].startsWith("e=")
        || !parts[2].startsWith("r=")) {
      return plain;
    }
    try {
      String e = parts[1].substring(2);
      long emitted = e.equals("-") ? Checkpoint.NONE : Long.parseLong(e);
      long read = Long.parseLong(parts[2].substring(2));
      if (read < offset) {
        return plain;
      }
      return new Checkpoint(offset, emitted, read);
    } catch (NumberFormatException ex) {
      return plain;
    }
  }
}
