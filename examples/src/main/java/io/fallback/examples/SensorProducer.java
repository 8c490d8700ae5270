package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wearable sensors: writes {@link SensorGenerator} readings to Kafka as raw Avro datums of the
 * seed's schema, key = nurse id, record timestamp = event time (so the primary group's Kafka time
 * lag and the fallback's rewind by {@code offsetsForTimes} see event time).
 *
 * <p>The stream starts at {@code origin} (default: now). {@link #produceUntil(long)} writes every
 * reading with an event time before a given instant as fast as Kafka takes them (a backlog with
 * event times in the past); {@link #startLive()} then keeps writing each reading when the wall
 * clock reaches its event time (~32 Hz per nurse), until {@link #stopLive()}. Readings are
 * generated in event-time order per nurse, the same for the same seed.
 *
 * <p>Every record Kafka acknowledged is kept with its partition and offset ({@link #sent()}), which
 * is what the drill's {@link Reference} is computed from; a failed send is counted ({@link
 * #failures()}).
 *
 * <p>This class is thread-safe.
 */
public final class SensorProducer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SensorProducer.class);

  /**
   * A record Kafka acknowledged.
   *
   * @param reading what was sent
   * @param partition its partition
   * @param offset its offset
   */
  public record Sent(SensorReading reading, int partition, long offset) {}

  private final String topic;
  private final InstantSource clock;
  private final SensorGenerator generator;
  private final SensorAvro avro = new SensorAvro();
  private final KafkaProducer<String, byte[]> producer;
  private final List<Sent> sent = new ArrayList<>();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
  private Thread liveThread;
  private volatile boolean live;
  private boolean closed;

  private SensorProducer(Builder b) {
    this.topic = b.topic;
    this.clock = b.clock;
    long origin = b.origin != null ? b.origin : clock.millis();
    this.generator = new SensorGenerator(b.seed, b.nurses, b.hz, origin, b.nullRate);
    Map<String, Object> config = new HashMap<>(b.properties);
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
    config.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
    config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
    config.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
    this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  /**
   * A builder.
   *
   * @param bootstrapServers Kafka bootstrap servers
   * @return a builder with 4 nurses at 32 Hz, seed 42, no nulls, topic {@code stress-topic}
   */
  public static Builder builder(String bootstrapServers) {
    return new Builder(bootstrapServers);
  }

  /**
   * @return the nurse ids, in nurse order
   */
  public List<String> ids() {
    return generator.ids();
  }

  /**
   * Writes every reading with an event time before {@code eventTimeExclusive} that is not written
   * yet, as fast as Kafka takes them, in event-time order across nurses, and waits until Kafka
   * acknowledged them.
   *
   * @param eventTimeExclusive epoch milliseconds
   * @return the number of records written by this call
   * @throws IllegalStateException if the producer is closed
   */
  public int produceUntil(long eventTimeExclusive) {
    int count;
    synchronized (this) {
      requireOpen();
      count = sendUntil(eventTimeExclusive);
    }
    producer.flush();
    return count;
  }

  /**
   * Starts writing in real time on a daemon thread: each reading when the wall clock reaches its
   * event time. Readings already due (an origin in the past) are written at once.
   *
   * @throws IllegalStateException if live production runs already or the producer is closed
   */
  public synchronized void startLive() {
    requireOpen();
    if (liveThread != null) {
      throw new IllegalStateException("live production runs already");
    }
    live = true;
    liveThread = new Thread(this::runLive, "sensor-producer");
    liveThread.setDaemon(true);
    liveThread.start();
  }

  /**
   * Stops live production after the reading in flight and waits until Kafka acknowledged everything
   * sent. Does nothing when live production does not run.
   */
  public void stopLive() {
    Thread thread;
    synchronized (this) {
      thread = liveThread;
      liveThread = null;
      live = false;
    }
    if (thread == null) {
      return;
    }
    LockSupport.unpark(thread);
    try {
      thread.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.flush();
  }

  /**
   * @return the records Kafka acknowledged so far, in acknowledgement order (a copy)
   */
  public List<Sent> sent() {
    synchronized (sent) {
      return List.copyOf(sent);
    }
  }

  /**
   * @return the number of records Kafka acknowledged so far
   */
  public int sentCount() {
    synchronized (sent) {
      return sent.size();
    }
  }

  /**
   * @return the number of sends that failed (the drill requires 0: its reference would be wrong)
   */
  public long failures() {
    return failures.get();
  }

  /**
   * @return the first failure, or null
   */
  public Exception firstFailure() {
    return firstFailure.get();
  }

  /** Stops live production, flushes and closes the Kafka producer. Idempotent. */
  @Override
  public void close() {
    stopLive();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    producer.close(Duration.ofSeconds(10));
  }

  private void runLive() {
    while (live) {
      long next;
      synchronized (this) {
        if (!live || closed) {
          return;
        }
        long now = clock.millis();
        sendUntil(now + 1);
        next = Long.MAX_VALUE;
        for (int n = 0; n < generator.nurses(); n++) {
          next = Math.min(next, generator.nextEventTime(n));
        }
      }
      long waitMillis = next - clock.millis();
      if (waitMillis > 0) {
        // production pacing, not synchronisation: the next reading is due then
        LockSupport.parkNanos(Duration.ofMillis(waitMillis).toNanos());
      }
    }
  }

  /** Sends, in event-time order, every reading due before {@code until}; caller holds the lock. */
  private int sendUntil(long until) {
    int count = 0;
    int nurses = generator.nurses();
    while (true) {
      int nurse = -1;
      long min = Long.MAX_VALUE;
      for (int n = 0; n < nurses; n++) {
        long t = generator.nextEventTime(n);
        if (t < min) {
          min = t;
          nurse = n;
        }
      }
      if (min >= until) {
        return count;
      }
      send(generator.next(nurse));
      count++;
    }
  }

  private void send(SensorReading reading) {
    byte[] value = avro.encode(reading);
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(topic, null, reading.eventTime(), reading.id(), value);
    producer.send(
        record,
        (metadata, exception) -> {
          if (exception != null) {
            if (failures.getAndIncrement() == 0) {
              firstFailure.set(exception);
              LOG.error("sensor producer: send failed for {}", reading, exception);
            }
            return;
          }
          synchronized (sent) {
            sent.add(new Sent(reading, metadata.partition(), metadata.offset()));
          }
        });
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("sensor producer is closed");
    }
  }

  /** Builds a {@link SensorProducer}. Not thread-safe. */
  public static final class Builder {
    private final String bootstrapServers;
    private String topic = "stress-topic";
    private int nurses = 4;
    private int hz = 32;
    private long seed = 42;
    private double nullRate;
    private Long origin;
    private InstantSource clock = InstantSource.system();
    private final Map<String, Object> properties = new HashMap<>();

    private Builder(String bootstrapServers) {
      this.bootstrapServers = requireNonNull(bootstrapServers, "bootstrapServers");
    }

    /**
     * @param topic the topic (default {@code stress-topic})
     * @return this builder
     */
    public Builder topic(String topic) {
      this.topic = requireNonNull(topic, "topic");
      return this;
    }

    /**
     * @param nurses number of nurses (default 4)
     * @return this builder
     */
    public Builder nurses(int nurses) {
      this.nurses = nurses;
      return this;
    }

    /**
     * @param hz readings per second per nurse (default 32)
     * @return this builder
     */
    public Builder hz(int hz) {
      this.hz = hz;
      return this;
    }

    /**
     * @param seed the random seed (default 42)
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * @param nullRate probability that a numeric field is null (default 0)
     * @return this builder
     */
    public Builder nullRate(double nullRate) {
      this.nullRate = nullRate;
      return this;
    }

    /**
     * @param originMillis event time of the first reading of every nurse (default: now)
     * @return this builder
     */
    public Builder origin(long originMillis) {
      this.origin = originMillis;
      return this;
    }

    /**
     * @param clock the wall clock of live production (default: the system clock)
     * @return this builder
     */
    public Builder clock(InstantSource clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * @param key a Kafka producer property
     * @param value its value
     * @return this builder
     */
    public Builder property(String key, Object value) {
      properties.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
      return this;
    }

    /**
     * @return a producer, connected lazily by the Kafka client
     * @throws IllegalArgumentException for an invalid setting
     */
    public SensorProducer build() {
      return new SensorProducer(this);
    }
  }
}
