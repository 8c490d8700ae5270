package io.fallback.launcher;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowSpec;
import io.fallback.core.window.WindowStage;
import io.fallback.testkit.InfluxDbServer;
import io.fallback.testkit.KafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The launcher ITs' input: a two-partition topic of 3 nurses ({@code nurse-0} to {@code nurse-2},
 * nurse {@code n} on partition {@code n % 2}) sending Avro {@code SensorRecord}s at 10 Hz from a
 * start time, the windows a complete run must write (computed with core's {@link WindowStage}, the
 * stage the launcher runs), and the points the launcher wrote to InfluxDB.
 *
 * <p>Record {@code i} of a nurse has event time {@code start + i * 100 ms}; its values depend only
 * on {@code i} and the nurse, so any range of records can be produced again and the expected
 * windows computed for it.
 *
 * <p>This class is thread-safe: it holds only immutable values.
 */
final class NurseTopic {

  /** How many nurses send. */
  static final int NURSES = 3;

  private static final int PARTITIONS = 2;
  private static final long PERIOD_MILLIS = 100;

  /** The schema the launcher decodes with by default, as fallback-kafka ships it. */
  private static final Schema SCHEMA = shippedSchema();

  private static final List<String> FIELDS = List.of("X", "Y", "Z", "EDA", "HR", "TEMP");
  private static final DateTimeFormatter DATETIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KafkaBroker kafka;
  private final String topic;
  private final long start;
  private final int nurses;
  private final int partitions;

  private NurseTopic(KafkaBroker kafka, String topic, long start, int nurses, int partitions) {
    this.kafka = kafka;
    this.topic = topic;
    this.start = start;
    this.nurses = nurses;
    this.partitions = partitions;
  }

  /**
   * Creates the topic with two partitions.
   *
   * @param kafka the broker
   * @param topic the topic's name
   * @param start the event time of record 0, epoch milliseconds
   * @return the empty topic
   */
  static NurseTopic create(KafkaBroker kafka, String topic, long start) {
    return create(kafka, topic, start, NURSES, PARTITIONS);
  }

  /**
   * Creates a topic of {@code nurses} nurses on {@code partitions} partitions (nurse {@code n} on
   * partition {@code n % partitions}).
   *
   * @param kafka the broker
   * @param topic the topic's name
   * @param start the event time of record 0, epoch milliseconds
   * @param nurses how many nurses send
   * @param partitions the topic's partitions
   * @return the empty topic
   */
  static NurseTopic create(
      KafkaBroker kafka, String topic, long start, int nurses, int partitions) {
    requireNonNull(kafka, "kafka").createTopic(requireNonNull(topic, "topic"), partitions);
    return new NurseTopic(kafka, topic, start, nurses, partitions);
  }

  /**
   * Produces records {@code from} to {@code to} (exclusive) of every nurse, keyed by nurse id, and
   * waits until the broker acknowledged them.
   *
   * @param from the first record index
   * @param to the record index after the last
   */
  void produce(int from, int to) {
    Map<String, Object> config = new HashMap<>(kafka.clientConfig());
    config.put("key.serializer", ByteArraySerializer.class.getName());
    config.put("value.serializer", ByteArraySerializer.class.getName());
    // Not idempotent: twice in ~10 runs of GroupModeIT the in-JVM broker answered the idempotent
    // producer's first batches to a just-created six-partition topic with
    // OutOfOrderSequenceException until the delivery timeout. One request in flight keeps the
    // order; a retried request could duplicate records, which a failed send below would not hide.
    config.put("enable.idempotence", "false");
    config.put("max.in.flight.requests.per.connection", "1");
    config.put("acks", "all");
    AtomicReference<Exception> failed = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
      for (int i = from; i < to; i++) {
        long ts = time(i);
        for (int n = 0; n < nurses; n++) {
          String id = id(n);
          producer.send(
              new ProducerRecord<>(
                  topic,
                  n % partitions,
                  ts,
                  id.getBytes(StandardCharsets.UTF_8),
                  encode(id, ts, values(i, n))),
              (metadata, error) -> {
                if (error != null) {
                  failed.compareAndSet(null, error);
                }
              });
        }
      }
      producer.flush();
    }
    if (failed.get() != null) {
      // seen once, with the machine saturated by parallel builds: fail here, not on missing windows
      throw new IllegalStateException(
          "records of " + topic + " not acknowledged: " + failed.get(), failed.get());
    }
  }

  /**
   * The windows core's window stage fires over records 0 to {@code to} (exclusive), fed per
   * partition in offset order as the launcher reads them.
   *
   * @param to the record index after the last produced
   * @return how many points a complete run writes
   */
  int expectedWindows(int to) {
    WindowSpec spec = WindowSpec.ofDefaults();
    Map<Integer, WindowStage> stages = new HashMap<>();
    long[] offsets = new long[partitions];
    for (int i = 0; i < to; i++) {
      for (int n = 0; n < nurses; n++) {
        int partition = n % partitions;
        WindowStage stage =
            stages.computeIfAbsent(
                partition,
                p -> {
                  WindowStage s = new WindowStage(spec);
                  s.assigned(p, Optional.empty());
                  return s;
                });
        stage.add(partition, offsets[partition]++, new Reading(id(n), time(i), values(i, n)));
      }
    }
    return stages.values().stream().mapToInt(s -> s.drainFired().size()).sum();
  }

  /**
   * @return the topic's name
   */
  String name() {
    return topic;
  }

  /**
   * Counts the points of measurement {@code nurse_stress} in a database.
   *
   * @param influx the server
   * @param database the database
   * @return how many points have a {@code stress_level}
   */
  static int countPoints(InfluxDbServer influx, String database) {
    return count(influx, database, "SELECT count(\"stress_level\") FROM \"nurse_stress\"");
  }

  /**
   * Counts the points of measurement {@code nurse_stress} written by one source.
   *
   * @param influx the server
   * @param database the database
   * @param source the {@code source} tag, e.g. {@code dask-fallback}
   * @return how many points of that source have a {@code stress_level}
   */
  static int countPoints(InfluxDbServer influx, String database, String source) {
    return count(
        influx,
        database,
        "SELECT count(\"stress_level\") FROM \"nurse_stress\" WHERE \"source\" = '" + source + "'");
  }

  /**
   * The sources that wrote each window: key {@code <nurse id>@<point time>}, value the {@code
   * source} tags of its points (one per source: a source writing a window twice overwrites it).
   *
   * @param influx the server
   * @param database the database
   * @return window to sources
   */
  static Map<String, List<String>> sourcesByWindow(InfluxDbServer influx, String database) {
    try {
      JsonNode root =
          JSON.readTree(
              influx.query(
                  database,
                  "SELECT \"stress_level\" FROM \"nurse_stress\" GROUP BY \"id\", \"source\""));
      Map<String, List<String>> windows = new TreeMap<>();
      for (JsonNode series : root.path("results").path(0).path("series")) {
        String id = series.path("tags").path("id").asText();
        String source = series.path("tags").path("source").asText();
        for (JsonNode row : series.path("values")) {
          windows
              .computeIfAbsent(id + "@" + row.path(0).asText(), k -> new ArrayList<>())
              .add(source);
        }
      }
      return windows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int count(InfluxDbServer influx, String database, String query) {
    try {
      JsonNode root = JSON.readTree(influx.query(database, query));
      JsonNode values = root.path("results").path(0).path("series").path(0).path("values");
      return values.isMissingNode() || values.isEmpty() ? 0 : values.path(0).path(1).asInt();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private long time(int i) {
    return start + i * PERIOD_MILLIS;
  }

  private static String id(int n) {
    return "nurse-" + n;
  }

  private static float[] values(int i, int n) {
    return new float[] {10 + n, 20 + i % 7, 30, 0.5f + n, 70 + (i % 40), 33 + n * 0.5f};
  }

  private static byte[] encode(String id, long eventTime, float[] values) {
    GenericRecord r = new GenericData.Record(SCHEMA);
    for (int i = 0; i < FIELDS.size(); i++) {
      r.put(FIELDS.get(i), values[i]);
    }
    r.put("id", id);
    r.put("datetime", DATETIME.format(Instant.ofEpochMilli(eventTime)));
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      new GenericDatumWriter<GenericRecord>(SCHEMA).write(r, encoder);
      encoder.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Schema shippedSchema() {
    String resource = "/io/fallback/kafka/nurse_sensor_event.avsc";
    try (InputStream in = NurseTopic.class.getResourceAsStream(resource)) {
      return new Schema.Parser().parse(requireNonNull(in, resource));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
