package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import io.fallback.testkit.FlinkCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.streaming.util.retryable.AsyncRetryStrategies;
import org.apache.flink.streaming.util.retryable.RetryPredicates;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary: a real Flink 2.2 job equivalent to the seed's Java job, run on the test kit's {@link
 * FlinkCluster}.
 *
 * <pre>
 * KafkaSource (group flink-consumer, committed offsets else earliest, commit on checkpoint)
 *   → raw Avro SensorRecord → event time = datetime parsed as UTC, bounded out-of-orderness 5 s
 *   → keyBy(id) → 5 s TumblingEventTimeWindows → per-field double sums (null = 0), mean = (float) (sum / count)
 *   → async model call (AsyncDataStream, retries; a window is never scored with a made-up level)
 *   → InfluxDB flink_sink.nurse_stress, tags id and source=flink, time = window.maxTimestamp() (end − 1 ms)
 * </pre>
 *
 * <p>Checkpoints every {@link Settings#checkpointInterval()} (5 s by default; the drill compresses
 * it) are retained on cancellation in {@link Settings#checkpointDirectory()}, so the job can be
 * cancelled ({@link #cancel()}) and started again from its last checkpoint ({@link
 * #restartFromCheckpoint()}), as an operator restarts a Flink job. The sink flushes before every
 * checkpoint barrier (at least once). Records without an id or with an unparsable {@code datetime}
 * are dropped and counted (metric {@code invalidRecords}); the seed's job used the wall clock for
 * the latter, which nothing can reproduce.
 *
 * <p>For the drill's "slow primary" scenario a {@link Throttle} can be put right after the source
 * (chained to it): while set, it limits the records per second the job reads, so its consumer group
 * falls behind.
 *
 * <p>This class is thread-safe.
 */
public final class FlinkPrimaryJob {

  private static final Logger LOG = LoggerFactory.getLogger(FlinkPrimaryJob.class);

  /**
   * The job's settings.
   *
   * @param jobName the job's name ({@code monitoring.flink_job_name})
   * @param bootstrapServers Kafka bootstrap servers
   * @param topic the input topic
   * @param groupId the consumer group ({@code flink-consumer})
   * @param modelEndpoint the model service's predict URL
   * @param influxUrl InfluxDB base URL
   * @param database InfluxDB database
   * @param measurement the measurement
   * @param sourceTag the {@code source} tag value
   * @param window the window size
   * @param maxOutOfOrderness the watermark's bound
   * @param checkpointInterval time between checkpoints
   * @param checkpointDirectory where checkpoints are kept (retained on cancellation)
   * @param parallelism the job's parallelism
   * @param throttle name of a {@link Throttle} after the source, or null for none
   * @param modelClient how the async model call uses the JDK HTTP client
   * @param modelConcurrency model calls in flight at most (the async operator's capacity, and the
   *     {@link ModelClient#POOLED} pool's size)
   */
  public record Settings(
      String jobName,
      String bootstrapServers,
      String topic,
      String groupId,
      String modelEndpoint,
      String influxUrl,
      String database,
      String measurement,
      String sourceTag,
      Duration window,
      Duration maxOutOfOrderness,
      Duration checkpointInterval,
      Path checkpointDirectory,
      int parallelism,
      String throttle,
      ModelClient modelClient,
      int modelConcurrency) {

    /**
     * Model calls in flight by default: {@code ml_service.max_concurrency}'s default, so that the
     * primary and the fallback call the model service alike.
     */
    public static final int DEFAULT_MODEL_CONCURRENCY = 32;

    /**
     * Validates the components.
     *
     * @throws NullPointerException for a missing component (except {@code throttle})
     * @throws IllegalArgumentException for a non-positive duration, parallelism or concurrency
     */
    public Settings {
      requireNonNull(jobName, "jobName");
      requireNonNull(bootstrapServers, "bootstrapServers");
      requireNonNull(topic, "topic");
      requireNonNull(groupId, "groupId");
      requireNonNull(modelEndpoint, "modelEndpoint");
      requireNonNull(influxUrl, "influxUrl");
      requireNonNull(database, "database");
      requireNonNull(measurement, "measurement");
      requireNonNull(sourceTag, "sourceTag");
      requireNonNull(checkpointDirectory, "checkpointDirectory");
      if (window.toMillis() <= 0
          || checkpointInterval.toMillis() <= 0
          || maxOutOfOrderness.isNegative()) {
        throw new IllegalArgumentException(
            "window and checkpointInterval must be > 0, maxOutOfOrderness >= 0");
      }
      if (parallelism < 1) {
        throw new IllegalArgumentException("parallelism must be >= 1, but was " + parallelism);
      }
      requireNonNull(modelClient, "modelClient");
      if (modelConcurrency < 1) {
        throw new IllegalArgumentException(
            "modelConcurrency must be >= 1, but was " + modelConcurrency);
      }
    }

    /**
     * The settings with the {@link ModelClient#POOLED} model client and {@link
     * #DEFAULT_MODEL_CONCURRENCY} calls in flight.
     *
     * @param jobName the job's name
     * @param bootstrapServers Kafka bootstrap servers
     * @param topic the input topic
     * @param groupId the consumer group
     * @param modelEndpoint the model service's predict URL
     * @param influxUrl InfluxDB base URL
     * @param database InfluxDB database
     * @param measurement the measurement
     * @param sourceTag the {@code source} tag value
     * @param window the window size
     * @param maxOutOfOrderness the watermark's bound
     * @param checkpointInterval time between checkpoints
     * @param checkpointDirectory where checkpoints are kept
     * @param parallelism the job's parallelism
     * @param throttle name of a {@link Throttle} after the source, or null for none
     */
    public Settings(
        String jobName,
        String bootstrapServers,
        String topic,
        String groupId,
        String modelEndpoint,
        String influxUrl,
        String database,
        String measurement,
        String sourceTag,
        Duration window,
        Duration maxOutOfOrderness,
        Duration checkpointInterval,
        Path checkpointDirectory,
        int parallelism,
        String throttle) {
      this(
          jobName,
          bootstrapServers,
          topic,
          groupId,
          modelEndpoint,
          influxUrl,
          database,
          measurement,
          sourceTag,
          window,
          maxOutOfOrderness,
          checkpointInterval,
          checkpointDirectory,
          parallelism,
          throttle,
          ModelClient.POOLED,
          DEFAULT_MODEL_CONCURRENCY);
    }

    /**
     * The seed's job: {@code nurse-stress-primary} on {@code stress-topic}, group {@code
     * flink-consumer}, {@code flink_sink.nurse_stress} with {@code source=flink}, 5 s windows, 5 s
     * out-of-orderness, checkpoints every 5 s, parallelism 1, no throttle.
     *
     * @param bootstrapServers Kafka bootstrap servers
     * @param modelEndpoint the model service's predict URL
     * @param influxUrl InfluxDB base URL
     * @param checkpointDirectory where checkpoints are kept
     * @return the settings
     */
    public static Settings of(
        String bootstrapServers, String modelEndpoint, String influxUrl, Path checkpointDirectory) {
      return new Settings(
          "nurse-stress-primary",
          bootstrapServers,
          "stress-topic",
          "flink-consumer",
          modelEndpoint,
          influxUrl,
          "flink_sink",
          "nurse_stress",
          "flink",
          Duration.ofSeconds(5),
          Duration.ofSeconds(5),
          Duration.ofSeconds(5),
          checkpointDirectory,
          1,
          null);
    }

    /**
     * @param interval time between checkpoints
     * @return a copy with that interval
     */
    public Settings withCheckpointInterval(Duration interval) {
      return copy(interval, throttle, modelClient, modelConcurrency);
    }

    /**
     * @param name the {@link Throttle} to put after the source
     * @return a copy with that throttle
     */
    public Settings withThrottle(String name) {
      return copy(checkpointInterval, name, modelClient, modelConcurrency);
    }

    /**
     * @param client how the model call uses the HTTP client
     * @param concurrency model calls in flight at most
     * @return a copy with that model client
     */
    public Settings withModelClient(ModelClient client, int concurrency) {
      return copy(checkpointInterval, throttle, client, concurrency);
    }

    /** A copy with the components the {@code with} methods change; the rest stay as they are. */
    private Settings copy(
        Duration checkpointInterval,
        String throttle,
        ModelClient modelClient,
        int modelConcurrency) {
      return new Settings(
          jobName,
          bootstrapServers,
          topic,
          groupId,
          modelEndpoint,
          influxUrl,
          database,
          measurement,
          sourceTag,
          window,
          maxOutOfOrderness,
          checkpointInterval,
          checkpointDirectory,
          parallelism,
          throttle,
          modelClient,
          modelConcurrency);
    }
  }

  /** How the async model call uses the JDK {@link HttpClient}. */
  public enum ModelClient {
    /**
     * Blocking {@code send} on a bounded pool of {@code modelConcurrency} threads, the HTTP client
     * on its own small executor: the fallback's {@code ModelServiceClient} pattern (the default, so
     * that the drain benchmark compares like with like).
     */
    POOLED,
    /**
     * {@code sendAsync} on a default client, as the seed's job did. On a machine with 2 cores or
     * fewer every response is completed through a newly started thread (BENCHMARKS.md, "Model
     * calls"), which makes this variant markedly more expensive per call.
     */
    SEND_ASYNC
  }

  private final FlinkCluster cluster;
  private final Settings settings;
  private JobID jobId;
  private Path lastRestoredFrom;

  private FlinkPrimaryJob(FlinkCluster cluster, Settings settings) {
    this.cluster = cluster;
    this.settings = settings;
  }

  /**
   * Submits the job (from the group's committed offsets, else the earliest) and waits until it
   * runs.
   *
   * @param cluster the cluster
   * @param settings the job's settings
   * @return the running job
   * @throws io.fallback.testkit.TestServerException if it does not run within 60 s
   */
  public static FlinkPrimaryJob start(FlinkCluster cluster, Settings settings) {
    FlinkPrimaryJob job =
        new FlinkPrimaryJob(
            requireNonNull(cluster, "cluster"), requireNonNull(settings, "settings"));
    job.submit(null);
    return job;
  }

  /**
   * @return the id of the job's current run
   */
  public synchronized JobID jobId() {
    return jobId;
  }

  /**
   * @return the settings
   */
  public Settings settings() {
    return settings;
  }

  /**
   * @return the checkpoint the current run was restored from, or empty for a fresh start
   */
  public synchronized Optional<Path> restoredFrom() {
    return Optional.ofNullable(lastRestoredFrom);
  }

  /**
   * @return the status of the current run
   */
  public synchronized JobStatus status() {
    return cluster.status(jobId);
  }

  /**
   * Cancels the current run and waits until it is CANCELED. Its checkpoints are retained.
   *
   * @return the last completed checkpoint, if any
   */
  public synchronized Optional<Path> cancel() {
    cluster.cancel(jobId);
    cluster.awaitStatus(jobId, JobStatus.CANCELED, Duration.ofSeconds(60));
    Optional<Path> last = latestCheckpoint(settings.checkpointDirectory(), jobId);
    LOG.info(
        "flink job {} cancelled; last checkpoint: {}",
        jobId,
        last.map(Path::toString).orElse("none"));
    return last;
  }

  /**
   * Submits the job again from the last completed checkpoint of the previous run (as {@code flink
   * run -s <checkpoint>}), or from the committed offsets when there is none, and waits until it
   * runs.
   *
   * @return the checkpoint it was restored from, if any
   * @throws IllegalStateException if the current run is not terminal
   */
  public synchronized Optional<Path> restartFromCheckpoint() {
    if (!cluster.status(jobId).isGloballyTerminalState()) {
      throw new IllegalStateException(
          "flink job " + jobId + " is " + cluster.status(jobId) + "; cancel it first");
    }
    Optional<Path> checkpoint = latestCheckpoint(settings.checkpointDirectory(), jobId);
    submit(checkpoint.orElse(null));
    return checkpoint;
  }

  /**
   * The last completed checkpoint of a job: the highest {@code chk-N} holding {@code _metadata}.
   *
   * @param checkpointDirectory the job's checkpoint directory setting
   * @param job the job run
   * @return the checkpoint's directory, if any
   */
  public static Optional<Path> latestCheckpoint(Path checkpointDirectory, JobID job) {
    Path dir = checkpointDirectory.resolve(job.toHexString());
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    try (Stream<Path> children = Files.list(dir)) {
      return children
          .filter(p -> p.getFileName().toString().startsWith("chk-"))
          .filter(p -> Files.exists(p.resolve("_metadata")))
          .max(
              Comparator.comparingLong(
                  p -> Long.parseLong(p.getFileName().toString().substring(4))));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  private void submit(Path restoreFrom) {
    StreamGraph graph = define(settings).getStreamGraph();
    graph.setJobName(settings.jobName());
    JobGraph jobGraph = graph.getJobGraph();
    if (restoreFrom != null) {
      jobGraph.setSavepointRestoreSettings(
          SavepointRestoreSettings.forPath(restoreFrom.toUri().toString(), false));
    }
    jobId = cluster.submit(jobGraph);
    lastRestoredFrom = restoreFrom;
    cluster.awaitStatus(jobId, JobStatus.RUNNING, Duration.ofSeconds(60));
    LOG.info(
        "flink job '{}' running as {}{}",
        settings.jobName(),
        jobId,
        restoreFrom == null ? "" : ", restored from " + restoreFrom);
  }

  /**
   * Defines the job on a new environment (not executed).
   *
   * @param settings the settings
   * @return the environment holding the job
   */
  public static StreamExecutionEnvironment define(Settings settings) {
    Configuration config = new Configuration();
    config.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    config.set(
        CheckpointingOptions.CHECKPOINTS_DIRECTORY,
        settings.checkpointDirectory().toUri().toString());
    config.set(
        CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    config.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, Integer.MAX_VALUE);
    config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, Integer.MAX_VALUE);
    config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.setParallelism(settings.parallelism());
    env.enableCheckpointing(
        settings.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);

    KafkaSource<SensorEvent> source =
        KafkaSource.<SensorEvent>builder()
            .setBootstrapServers(settings.bootstrapServers())
            .setTopics(settings.topic())
            .setGroupId(settings.groupId())
            .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
            .setDeserializer(new SensorEventDeserializer())
            .setProperty("commit.offsets.on.checkpoint", "true")
            .build();
    WatermarkStrategy<SensorEvent> watermarks =
        WatermarkStrategy.<SensorEvent>forBoundedOutOfOrderness(settings.maxOutOfOrderness())
            .withTimestampAssigner((event, kafkaTimestamp) -> event.eventTime);

    DataStream<SensorEvent> events =
        env.fromSource(source, watermarks, "kafka-source").uid("kafka-source");
    if (settings.throttle() != null) {
      events = events.map(new Throttle.Map(settings.throttle())).name("throttle").uid("throttle");
    }
    DataStream<PrimaryPoint> windows =
        events
            .keyBy(event -> event.id)
            .window(TumblingEventTimeWindows.of(settings.window()))
            .aggregate(new MeanAggregate(), new WindowBounds())
            .name("5s-window-means")
            .uid("window-means");
    DataStream<PrimaryPoint> scored =
        AsyncDataStream.orderedWaitWithRetry(
                windows,
                new ModelCall(
                    settings.modelEndpoint(), settings.modelClient(), settings.modelConcurrency()),
                30,
                TimeUnit.SECONDS,
                Math.max(100, settings.modelConcurrency()),
                new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder<PrimaryPoint>(5, 500)
                    .ifException(RetryPredicates.HAS_EXCEPTION_PREDICATE)
                    .build())
            .name("model-call")
            .uid("model-call");
    scored
        .sinkTo(
            new InfluxLineSink(
                settings.influxUrl(),
                settings.database(),
                settings.measurement(),
                settings.sourceTag(),
                Duration.ofMillis(200),
                5000))
        .name("influxdb-sink")
        .uid("influxdb-sink");
    return env;
  }

  /**
   * Raw Avro datum → {@link SensorEvent}; drops (and counts) records without id or a parsable
   * datetime.
   */
  static final class SensorEventDeserializer
      implements KafkaRecordDeserializationSchema<SensorEvent> {
    private static final long serialVersionUID = 1L;
    private static final DateTimeFormatter DATETIME =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    private transient SensorAvro avro;
    private transient Counter invalid;

    @Override
    public void open(
        org.apache.flink.api.common.serialization.DeserializationSchema.InitializationContext
            context) {
      avro = new SensorAvro();
      invalid = context.getMetricGroup().counter("invalidRecords");
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<SensorEvent> out) {
      try {
        GenericRecord r = avro.decode(record.value());
        Object id = r.get("id");
        Object datetime = r.get("datetime");
        if (id == null || datetime == null) {
          invalid.inc();
          return;
        }
        SensorEvent e = new SensorEvent();
        e.id = id.toString();
        e.eventTime =
            LocalDateTime.parse(datetime.toString(), DATETIME)
                .toInstant(ZoneOffset.UTC)
                .toEpochMilli();
        e.x = (Float) r.get("X");
        e.y = (Float) r.get("Y");
        e.z = (Float) r.get("Z");
        e.eda = (Float) r.get("EDA");
        e.hr = (Float) r.get("HR");
        e.temp = (Float) r.get("TEMP");
        out.collect(e);
      } catch (IOException | DateTimeParseException | ClassCastException e) {
        // undecodable datum or unparsable datetime: dropped and counted
        invalid.inc();
      }
    }

    @Override
    public TypeInformation<SensorEvent> getProducedType() {
      return TypeInformation.of(SensorEvent.class);
    }
  }

  /** Per-field sums in double, null as 0, and a count. */
  public static class MeanAccumulator {
    /** Sums of X, Y, Z, EDA, HR, TEMP. */
    public double[] sums = new double[SensorReading.FIELDS];

    /** Records added. */
    public long count;

    /** An empty accumulator. */
    public MeanAccumulator() {}
  }

  /** The seed job's aggregate: double sums, {@code mean = (float) (sum / count)}. */
  static final class MeanAggregate
      implements AggregateFunction<SensorEvent, MeanAccumulator, PrimaryPoint> {
    private static final long serialVersionUID = 1L;

    @Override
    public MeanAccumulator createAccumulator() {
      return new MeanAccumulator();
    }

    @Override
    public MeanAccumulator add(SensorEvent event, MeanAccumulator acc) {
      for (int i = 0; i < SensorReading.FIELDS; i++) {
        acc.sums[i] += event.valueOrZero(i);
      }
      acc.count++;
      return acc;
    }

    @Override
    public PrimaryPoint getResult(MeanAccumulator acc) {
      PrimaryPoint p = new PrimaryPoint();
      p.count = acc.count;
      p.means = new float[SensorReading.FIELDS];
      for (int i = 0; i < p.means.length; i++) {
        p.means[i] = (float) (acc.sums[i] / acc.count);
      }
      return p;
    }

    @Override
    public MeanAccumulator merge(MeanAccumulator a, MeanAccumulator b) {
      for (int i = 0; i < SensorReading.FIELDS; i++) {
        a.sums[i] += b.sums[i];
      }
      a.count += b.count;
      return a;
    }
  }

  /** Adds the key and the window bounds to the aggregate's means and count. */
  static final class WindowBounds
      extends ProcessWindowFunction<PrimaryPoint, PrimaryPoint, String, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(
        String key, Context context, Iterable<PrimaryPoint> results, Collector<PrimaryPoint> out) {
      PrimaryPoint p = results.iterator().next();
      p.id = key;
      p.windowStart = context.window().getStart();
      p.windowEnd = context.window().getEnd();
      out.collect(p);
    }
  }

  /**
   * The seed's model call, asynchronous: {@code GET <endpoint>?x=..&y=..&z=..&eda=..&hr=..&temp=..}
   * with the means as {@link Float#toString(float)}; a failure completes exceptionally (retried by
   * the async operator, then failing the job), never with an invented level.
   */
  static final class ModelCall extends RichAsyncFunction<PrimaryPoint, PrimaryPoint> {
    private static final long serialVersionUID = 1L;
    private static final Pattern LEVEL =
        Pattern.compile("\"stress_level_prediction\"\\s*:\\s*\"?(-?\\d+)\"?");
    private static final String[] PARAMETERS = {"x", "y", "z", "eda", "hr", "temp"};
    private final String endpoint;
    private final ModelClient client;
    private final int concurrency;
    private transient HttpClient http;
    private transient ExecutorService io;
    private transient ExecutorService callers;

    ModelCall(String endpoint, ModelClient client, int concurrency) {
      this.endpoint = endpoint;
      this.client = client;
      this.concurrency = concurrency;
    }

    @Override
    public void open(OpenContext openContext) {
      HttpClient.Builder builder =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5));
      if (client == ModelClient.POOLED) {
        // as ModelServiceClient: the HTTP client's own threads never block; one caller thread per
        // call in flight blocks in send (no thread start per response, unlike sendAsync here)
        io =
            Executors.newFixedThreadPool(
                Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors())),
                daemonThreads("flink-model-io-"));
        callers = Executors.newFixedThreadPool(concurrency, daemonThreads("flink-model-call-"));
        builder.executor(io);
      }
      http = builder.build();
    }

    @Override
    public void close() {
      if (callers != null) {
        callers.shutdownNow();
        io.shutdownNow();
      }
    }

    private static ThreadFactory daemonThreads(String prefix) {
      AtomicInteger count = new AtomicInteger();
      return r -> {
        Thread t = new Thread(r, prefix + count.incrementAndGet());
        t.setDaemon(true);
        return t;
      };
    }

    @Override
    public void asyncInvoke(PrimaryPoint point, ResultFuture<PrimaryPoint> result) {
      StringBuilder url = new StringBuilder(endpoint).append(endpoint.contains("?") ? '&' : '?');
      for (int i = 0; i < PARAMETERS.length; i++) {
        if (i > 0) {
          url.append('&');
        }
        url.append(PARAMETERS[i])
            .append('=')
            .append(URLEncoder.encode(Float.toString(point.means[i]), StandardCharsets.UTF_8));
      }
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(url.toString()))
              .timeout(Duration.ofSeconds(10))
              .header(ModelService.CLIENT_HEADER, "flink")
              .GET()
              .build();
      if (client == ModelClient.SEND_ASYNC) {
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
            .whenComplete(
                (response, error) -> {
                  if (error != null) {
                    result.completeExceptionally(error);
                  } else {
                    complete(point, response, result);
                  }
                });
        return;
      }
      try {
        callers.execute(
            () -> {
              HttpResponse<String> response;
              try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString());
              } catch (IOException e) {
                result.completeExceptionally(e);
                return;
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                result.completeExceptionally(e);
                return;
              }
              complete(point, response, result);
            });
      } catch (RejectedExecutionException e) {
        // closing: the operator is being torn down
        result.completeExceptionally(e);
      }
    }

    private static void complete(
        PrimaryPoint point, HttpResponse<String> response, ResultFuture<PrimaryPoint> result) {
      Matcher m = LEVEL.matcher(response.body());
      if (response.statusCode() != 200 || !m.find()) {
        result.completeExceptionally(
            new IOException(
                "model service answered " + response.statusCode() + ": " + response.body()));
        return;
      }
      result.complete(Collections.singleton(point.withStressLevel(Integer.parseInt(m.group(1)))));
    }
  }

  /**
   * A switchable rate limit on the records the primary reads, shared through a static registry (the
   * MiniCluster runs in this JVM): the drill's way to make the primary slow without stopping it.
   *
   * <p>This class is thread-safe.
   */
  public static final class Throttle {
    private static final ConcurrentHashMap<String, Double> RATES = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, Boolean> FAILURES = new ConcurrentHashMap<>();

    private Throttle() {}

    /**
     * Makes the throttle fail once: the next record it sees throws, so the job fails and Flink's
     * restart strategy (fixed delay, 1 s) restarts it from its last checkpoint. The drill's way to
     * make a short blip of the primary.
     *
     * @param name the throttle's name
     */
    public static void failNext(String name) {
      FAILURES.put(name, Boolean.TRUE);
      LOG.info("throttle '{}': the next record fails the job once", name);
    }

    /**
     * Limits the throttle to a number of records per second; 0 or less removes the limit.
     *
     * @param name the throttle's name
     * @param recordsPerSecond the limit
     */
    public static void set(String name, double recordsPerSecond) {
      if (recordsPerSecond > 0) {
        RATES.put(name, recordsPerSecond);
      } else {
        RATES.remove(name);
      }
      LOG.info(
          "throttle '{}': {}",
          name,
          recordsPerSecond > 0 ? recordsPerSecond + " records/s" : "off");
    }

    /**
     * @param name the throttle's name
     * @return its limit in records per second, 0 when off
     */
    public static double rate(String name) {
      return RATES.getOrDefault(name, 0.0);
    }

    /** The operator: passes every record through, pausing as long as the limit requires. */
    static final class Map implements MapFunction<SensorEvent, SensorEvent> {
      private static final long serialVersionUID = 1L;
      private final String name;

      Map(String name) {
        this.name = name;
      }

      @Override
      public SensorEvent map(SensorEvent event) {
        if (FAILURES.remove(name) != null) {
          throw new IllegalStateException("throttle '" + name + "': failure injected by the drill");
        }
        double rate = rate(name);
        if (rate > 0) {
          // the simulated slowness itself
          LockSupport.parkNanos((long) (1_000_000_000L / rate));
        }
        return event;
      }
    }
  }
}
