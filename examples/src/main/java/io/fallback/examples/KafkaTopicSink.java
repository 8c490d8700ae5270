package io.fallback.examples;

import io.fallback.core.Sink;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A custom {@link Sink}, written the way an application developer would: scored windows to a Kafka
 * topic, one JSON record per window, keyed by the window's identity ({@code <key>@<start>}).
 *
 * <p>How it keeps the {@link Sink} contract (checked by {@code KafkaTopicSinkContractIT} with the
 * adapter contract kit, against a real broker):
 *
 * <ul>
 *   <li><b>Durable before it returns.</b> The producer uses {@code acks=all}; {@link #write} waits
 *       for every record's acknowledgement and returns only when all are in.
 *   <li><b>Loud on failure.</b> A record that is not acknowledged within the timeout (broker down,
 *       topic missing, not authorised) makes {@link #write} throw {@link KafkaSinkException}; the
 *       loop then holds the batch uncommitted and writes it again later.
 *   <li><b>A rewrite is harmless.</b> The key is the window's identity, so on a compacted topic (or
 *       for any reader that keeps the latest value per key, such as a table) a second write of the
 *       same window replaces the first. The idempotent producer keeps its own retries from adding
 *       copies.
 * </ul>
 *
 * <p>Called from the single loop thread; {@link #close()} may be called from any thread.
 */
public final class KafkaTopicSink implements Sink<ScoredWindow> {

  private final KafkaProducer<String, String> producer;
  private final String topic;
  private final Duration timeout;

  private KafkaTopicSink(String bootstrapServers, String topic, Duration timeout) {
    this.topic = Objects.requireNonNull(topic, "topic");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    if (timeout.toMillis() < 1_000) {
      throw new IllegalArgumentException("timeout must be >= 1 s, but was " + timeout);
    }
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // every wait of the producer is bounded by the one timeout: metadata, request, delivery
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, millis);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, millis / 2);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, millis);
    this.producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
  }

  /**
   * A sink writing to {@code topic}.
   *
   * @param bootstrapServers the cluster
   * @param topic the destination topic (compacted, so that a rewrite replaces)
   * @param timeout bound of one {@link #write}, at least 1 s
   * @return the sink
   * @throws IllegalArgumentException for a timeout under 1 s
   */
  public static KafkaTopicSink of(String bootstrapServers, String topic, Duration timeout) {
    return new KafkaTopicSink(bootstrapServers, topic, timeout);
  }

  /**
   * The record key of a window: its identity at the destination.
   *
   * @param output the scored window
   * @return {@code <key>@<start epoch ms>}
   */
  public static String key(ScoredWindow output) {
    return output.window().key() + "@" + output.window().start();
  }

  /**
   * The record value of a window.
   *
   * @param output the scored window
   * @return one JSON object: id, start, end, count and stress level
   */
  public static String value(ScoredWindow output) {
    WindowResult w = output.window();
    return String.format(
        Locale.ROOT,
        "{\"id\":\"%s\",\"start\":%d,\"end\":%d,\"count\":%d,\"stress_level\":%d}",
        w.key().replace("\\", "\\\\").replace("\"", "\\\""),
        w.start(),
        w.end(),
        w.count(),
        output.stressLevel());
  }

  /**
   * Sends every output and waits for all acknowledgements.
   *
   * @param outputs the outputs
   * @throws KafkaSinkException if a record is not acknowledged within the timeout
   */
  @Override
  public void write(List<ScoredWindow> outputs) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Future<RecordMetadata>> acks = new ArrayList<>(outputs.size());
    try {
      for (ScoredWindow o : outputs) {
        acks.add(producer.send(new ProducerRecord<>(topic, key(o), value(o))));
      }
      for (Future<RecordMetadata> ack : acks) {
        ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    } catch (ExecutionException e) {
      throw new KafkaSinkException(
          "write of " + outputs.size() + " records to " + topic + " failed: " + e.getCause(),
          e.getCause());
    } catch (TimeoutException e) {
      throw new KafkaSinkException("write to " + topic + " not acknowledged within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaSinkException("interrupted while writing to " + topic, e);
    } catch (RuntimeException e) {
      // send() itself throws when metadata cannot be fetched within max.block.ms
      throw new KafkaSinkException("write to " + topic + " failed: " + e, e);
    }
  }

  /** Closes the producer, waiting up to the timeout for records in flight. Idempotent. */
  @Override
  public void close() {
    producer.close(timeout);
  }

  @Override
  public String toString() {
    return "KafkaTopicSink[" + topic + "]";
  }

  /** A write to the topic failed; the batch is not written. */
  public static final class KafkaSinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    KafkaSinkException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
