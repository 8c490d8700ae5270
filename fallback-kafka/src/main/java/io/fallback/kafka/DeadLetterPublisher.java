package io.fallback.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records that must not be processed to the dead-letter topic ({@code processing.dlq_topic}),
 * with the original key, value and headers plus headers naming the reason, the error and the source
 * position ({@link KafkaBatchSource#HEADER_REASON} and the others).
 *
 * <p>Sends are asynchronous. A send that fails, in the caller or in the producer's callback, never
 * throws there: the letter is kept and {@link #flush()} re-sends it, and fails if it still cannot
 * be sent, so the caller commits no offset before its dead letters are durable. Each dead letter is
 * logged at WARN with reason, partition and offset, at most once per {@link #LOG_INTERVAL} per
 * reason (the others are counted and summarised in the next line).
 *
 * <p>Thread safety: {@link #send} and {@link #flush} from the source's thread; the counters from
 * any thread.
 */
final class DeadLetterPublisher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBatchSource.class);

  /** Least time between two log lines about dead letters of one reason. */
  static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

  private final KafkaSourceSettings settings;
  private final Supplier<Admin> admin;
  private final Function<Map<String, Object>, Producer<byte[], byte[]>> producers;
  private Producer<byte[], byte[]> producer;

  private final ConcurrentLinkedQueue<ProducerRecord<byte[], byte[]>> failed =
      new ConcurrentLinkedQueue<>();
  private volatile Exception lastFailure;
  private final LongAdder sendFailures = new LongAdder();
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final LogThrottle throttle = new LogThrottle(LOG_INTERVAL);

  DeadLetterPublisher(KafkaSourceSettings settings, Supplier<Admin> admin) {
    this(
        settings,
        admin,
        config ->
            new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()));
  }

  /** With another producer (tests); {@code producers} gets the producer's configuration. */
  DeadLetterPublisher(
      KafkaSourceSettings settings,
      Supplier<Admin> admin,
      Function<Map<String, Object>, Producer<byte[], byte[]>> producers) {
    this.settings = settings;
    this.admin = admin;
    this.producers = producers;
  }

  /**
   * Dead-letters {@code raw} with {@code reason} and a human-readable {@code message}; never
   * throws.
   */
  void send(ConsumerRecord<byte[], byte[]> raw, String reason, String message) {
    RecordHeaders headers = new RecordHeaders();
    for (Header h : raw.headers()) {
      headers.add(h);
    }
    headers.add(KafkaBatchSource.HEADER_REASON, utf8(reason));
    headers.add(KafkaBatchSource.HEADER_ERROR, utf8(message == null ? reason : message));
    headers.add(KafkaBatchSource.HEADER_TOPIC, utf8(raw.topic()));
    headers.add(KafkaBatchSource.HEADER_PARTITION, utf8(Integer.toString(raw.partition())));
    headers.add(KafkaBatchSource.HEADER_OFFSET, utf8(Long.toString(raw.offset())));
    ProducerRecord<byte[], byte[]> letter =
        new ProducerRecord<>(
            settings.dlqTopic(),
            null,
            raw.timestamp() < 0
                ? null
                : raw.timestamp(), // no timestamp (-1) is refused by the producer
            raw.key(),
            raw.value(),
            headers);
    counts.computeIfAbsent(reason, k -> new LongAdder()).increment();
    log(raw, reason, message);
    send(letter);
  }

  private void log(ConsumerRecord<byte[], byte[]> raw, String reason, String message) {
    OptionalLong suppressed = throttle.occurred(reason, System.nanoTime());
    if (suppressed.isEmpty()) {
      LOG.debug(
          "dead letter {}-{}@{}: {}: {}",
          raw.topic(),
          raw.partition(),
          raw.offset(),
          reason,
          message);
      return;
    }
    LOG.warn(
        "Dead-lettered a record to {}: reason {}, partition {}, offset {}: {}{}",
        settings.dlqTopic(),
        reason,
        raw.partition(),
        raw.offset(),
        message,
        suppressed.getAsLong() == 0
            ? ""
            : " (and "
                + suppressed.getAsLong()
                + " more "
                + reason
                + " record(s) since the last such line)");
  }

  private void send(ProducerRecord<byte[], byte[]> letter) {
    try {
      producer()
          .send(
              letter,
              (metadata, exception) -> {
                // producer I/O thread: record the failure for the next flush, never throw here
                if (exception != null) {
                  sendFailures.increment();
                  lastFailure = exception;
                  failed.add(letter);
                }
              });
    } catch (RuntimeException e) {
      // not sent: keep it so that the next flush re-sends it or fails; never lose the record
      sendFailures.increment();
      lastFailure = e;
      failed.add(letter);
    }
  }

  /**
   * Waits until every dead letter sent so far is acknowledged, re-sending failed ones (twice).
   *
   * @throws KafkaSourceException if some could not be sent (they are kept for the next flush)
   */
  void flush() {
    if (producer == null && failed.isEmpty()) {
      return;
    }
    if (producer != null) {
      producer.flush();
    }
    for (int attempt = 1; attempt <= 2 && !failed.isEmpty(); attempt++) {
      List<ProducerRecord<byte[], byte[]>> retry = new ArrayList<>();
      for (ProducerRecord<byte[], byte[]> r; (r = failed.poll()) != null; ) {
        retry.add(r);
      }
      LOG.warn(
          "re-sending {} dead letter(s) that failed: {}",
          retry.size(),
          String.valueOf(lastFailure));
      retry.forEach(this::send);
      if (producer != null) {
        producer.flush();
      }
    }
    if (!failed.isEmpty()) {
      throw new KafkaSourceException(
          failed.size()
              + " dead letter(s) to "
              + settings.dlqTopic()
              + " could not be sent; not committing",
          lastFailure);
    }
  }

  private Producer<byte[], byte[]> producer() {
    if (producer == null) {
      ensureTopic();
      Map<String, Object> config =
          ClientConfigs.producer(settings.bootstrapServers(), settings.clientProperties());
      config.put(ProducerConfig.ACKS_CONFIG, "all");
      config.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      config.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
      config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "fallback-dlq-" + settings.groupId());
      producer = producers.apply(config);
    }
    return producer;
  }

  /**
   * Creates the dead-letter topic with the broker's defaults if it does not exist (brokers may
   * forbid auto-creation).
   */
  private void ensureTopic() {
    try {
      admin
          .get()
          .createTopics(
              List.of(new NewTopic(settings.dlqTopic(), Optional.empty(), Optional.empty())))
          .all()
          .get(30, java.util.concurrent.TimeUnit.SECONDS);
      LOG.info("created dead-letter topic {}", settings.dlqTopic());
    } catch (java.util.concurrent.ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        cannotCreateTopic(e.getCause());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
      cannotCreateTopic(e);
    }
  }

  private void cannotCreateTopic(Throwable cause) {
    LOG.warn(
        "cannot create dead-letter topic {} ({}); sending anyway, the broker may create it",
        settings.dlqTopic(),
        String.valueOf(cause));
  }

  /** Dead letters sent (or being sent), per reason, sorted by reason. Thread-safe. */
  Map<String, Long> counts() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Sends that failed (each is re-sent before the next commit). Thread-safe. */
  long sendFailures() {
    return sendFailures.sum();
  }

  /** Flushes and closes the producer, bounded by {@code timeout}. */
  void close(Duration timeout) {
    if (producer != null) {
      producer.close(timeout);
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
