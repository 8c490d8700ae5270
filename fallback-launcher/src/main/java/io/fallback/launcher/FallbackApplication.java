package io.fallback.launcher;

import io.fallback.core.Health;
import io.fallback.core.HealthProbe;
import io.fallback.core.LatencySource;
import io.fallback.core.loop.FallbackLoop;
import io.fallback.core.loop.LoopSettings;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.ModeOverride;
import io.fallback.core.supervisor.FallbackSupervisor;
import io.fallback.core.supervisor.LoopRunner;
import io.fallback.core.supervisor.Scheduler;
import io.fallback.core.window.WindowSpec;
import io.fallback.core.window.WindowStage;
import io.fallback.http.FlinkProbeSettings;
import io.fallback.http.FlinkRestHealthProbe;
import io.fallback.http.ModelServiceClient;
import io.fallback.http.WindowedModelProcessor;
import io.fallback.influx.InfluxFreshnessLatencySource;
import io.fallback.influx.InfluxPrimaryProgress;
import io.fallback.influx.InfluxSettings;
import io.fallback.influx.InfluxSink;
import io.fallback.kafka.KafkaBatchSource;
import io.fallback.kafka.KafkaSourceSettings;
import io.fallback.kafka.KafkaTimeLagSource;
import io.fallback.kafka.RecordFormat;
import io.fallback.launcher.config.ConfigLoader;
import io.fallback.launcher.config.FallbackConfig;
import io.fallback.launcher.config.Keys;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fallback processor wired from a configuration: latency source(s), health probe, Kafka source,
 * model-service processor, InfluxDB sink, supervisor and the status/metrics endpoint. This is what
 * {@code java -jar fallback-launcher.jar run} runs, and what tests and the drill start in-process.
 *
 * <p>{@link #close()} is the clean shutdown of SIGTERM: stop scheduling checks, let the batch in flight
 * finish or abandon it uncommitted, commit what was written, close clients with a timeout. Thread-safe.
 */
public final class FallbackApplication implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger("io.fallback");
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final ScheduledExecutorService scheduler;
  private final ExecutorService probes;
  private final LoopRunner runner;
  private final FallbackSupervisor supervisor;
  private final StatusServer status;
  private final PrometheusMeterRegistry registry;
  private boolean closed;

  private FallbackApplication(FallbackConfig config, Map<String, String> environment) throws IOException {
    ConfigLoader loader = new ConfigLoader(environment);
    config.warnings().forEach(w -> LOG.warn("Config: {}", w));
    InstantSource clock = InstantSource.system();
    WindowSpec spec = config.windowSpec();
    KafkaSourceSettings kafka = kafkaSettings(config, loader);
    InfluxSettings influx = influxSettings(config, loader);

    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MetricsListener metrics = new MetricsListener(registry);
    DeadLetterMetrics deadLetters = new DeadLetterMetrics(registry);

    LatencySource latency = latencySource(config, kafka, influx, clock);
    HealthProbe health = healthProbe(config);
    ModelServiceClient model =
        ModelServiceClient.of(
            config.modelServiceSettings(),
            spec.fieldNames());
    resources.add(model);
    InfluxSink sink = InfluxSink.of(influx, spec);
    resources.add(sink);
    InfluxPrimaryProgress progress = InfluxPrimaryProgress.of(influx, spec);
    WindowedModelProcessor processor = WindowedModelProcessor.of(model);
    LoopSettings loopSettings =
        new LoopSettings(
            Duration.ofMillis(config.integer(Keys.COMMIT_INTERVAL)), Duration.ofSeconds(1), Duration.ofSeconds(30));

    scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fallback-supervisor");
              t.setDaemon(true);
              return t;
            });
    probes =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "fallback-probe");
              t.setDaemon(true);
              return t;
            });
    FallbackSupervisor[] holder = new FallbackSupervisor[1];
    SeedLogListener seedLog =
        new SeedLogListener(
            () -> holder[0] == null ? io.fallback.core.mode.Mode.PRIMARY : holder[0].state().mode());
    ActivationTracker tracker = new ActivationTracker(clock);
    CompositeListener listener = new CompositeListener(List.of(seedLog, metrics, tracker));
    runner =
        LoopRunner.builder(
            () ->
                new FallbackLoop<>(
                    deadLetters.attach(
                        KafkaBatchSource.builder(kafka, spec).primaryProgress(progress).clock(clock).build()),
                    new WindowStage(spec),
                    processor,
                    sink,
                    listener,
                    clock,
                    loopSettings))
            .listener(listener)
            .clock(clock)
            .restartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60))
            .build();
    supervisor =
        FallbackSupervisor.builder()
            .policy(config.policy())
            .latencySource(latency)
            .healthProbe(health)
            .activity(runner)
            .listener(listener)
            .clock(clock)
            .scheduler(Scheduler.of(scheduler))
            .probeExecutor(probes)
            .checkInterval(config.seconds(Keys.CHECK_INTERVAL))
            .probeTimeout(config.seconds(Keys.PROBE_TIMEOUT))
            .build();
    holder[0] = supervisor;
    registry.gauge("fallback_violations", supervisor, s -> s.state().violations());
    metrics.watchLoop(runner::status);
    KafkaBacklog backlog = new KafkaBacklog(kafka, clock);
    resources.add(backlog);
    metrics.watchBacklog(backlog);
    Optional<String> token =
        config.string(Keys.SERVER_TOKEN_ENV).map(environment::get).filter(t -> !t.isBlank());
    status =
        new StatusServer(
            config.string(Keys.SERVER_BIND).orElseThrow(),
            config.integer(Keys.SERVER_PORT),
            supervisor,
            registry,
            token,
            backlog,
            tracker,
            runner::status,
            clock);
    LOG.info(
        "Status endpoint on http://{}:{} (POST /mode {})",
        config.string(Keys.SERVER_BIND).orElseThrow(),
        status.port(),
        token.isPresent() ? "enabled" : "disabled: " + config.string(Keys.SERVER_TOKEN_ENV).orElseThrow() + " is not set");
    supervisor.start();
  }

  /**
   * Wires and starts everything.
   *
   * @param config the validated configuration
   * @param environment where secrets and the admin token are read from
   * @return the running application
   * @throws UncheckedIOException if the status endpoint cannot bind
   */
  public static FallbackApplication start(FallbackConfig config, Map<String, String> environment) {
    try {
      return new FallbackApplication(config, environment);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the status endpoint: " + e.getMessage(), e);
    }
  }

  /** @return the bound port of the status endpoint */
  public int statusPort() {
    return status.port();
  }

  /** @return the supervisor's current state */
  public ModeState state() {
    return supervisor.state();
  }

  /**
   * Applies an operator override, as {@code POST /mode} does.
   *
   * @param override the override
   * @return the state after it
   */
  public ModeState override(ModeOverride override) {
    return supervisor.override(override);
  }

  /** @return the metrics registry (Prometheus) */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Stops checks, stops the fallback loop (finishing or abandoning its batch, committing what was
   * written), then closes every client with a timeout. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    LOG.info("Shutting down...");
    supervisor.close();
    if (!runner.close(CLOSE_TIMEOUT)) {
      LOG.warn("Fallback processor did not stop within {}; abandoning its batch uncommitted", CLOSE_TIMEOUT);
    }
    status.close();
    scheduler.shutdownNow();
    probes.shutdownNow();
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception e) {
        LOG.warn("Error closing {}: {}", r, e.toString());
      }
    }
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.info("Shutdown complete");
  }

  private LatencySource latencySource(
      FallbackConfig config, KafkaSourceSettings kafka, InfluxSettings influx, InstantSource clock) {
    String choice = config.string(Keys.LATENCY_SOURCE).orElseThrow();
    List<LatencySource> sources = new ArrayList<>();
    if (!choice.equals("influx_freshness")) {
      KafkaTimeLagSource lag = KafkaTimeLagSource.of(kafka, clock);
      resources.add(lag);
      sources.add(lag);
    }
    if (!choice.equals("kafka_lag")) {
      sources.add(InfluxFreshnessLatencySource.of(influx, clock));
    }
    return sources.size() == 1 ? sources.get(0) : new WorstLatency(sources);
  }

  private static HealthProbe healthProbe(FallbackConfig config) {
    String mode = config.string(Keys.HEALTH_MODE).orElseThrow();
    if (mode.equals("none")) {
      return new HealthProbe() {
        @Override
        public Health check() {
          return Health.healthy("health probe disabled (monitoring.health_probe: none)");
        }

        @Override
        public String name() {
          return "none";
        }
      };
    }
    FlinkProbeSettings.Builder b =
        FlinkProbeSettings.builder(URI.create(config.string(Keys.FLINK_URL).orElseThrow()))
            .mode(FlinkProbeSettings.Mode.fromConfig(mode))
            .timeout(config.seconds(Keys.PROBE_TIMEOUT));
    config.string(Keys.FLINK_JOB).ifPresent(b::jobName);
    config.string(Keys.FLINK_JOB_ID).ifPresent(b::jobId);
    Duration age = config.seconds(Keys.MAX_CHECKPOINT_AGE);
    if (!age.isZero()) {
      b.maxCheckpointAge(age);
    }
    return FlinkRestHealthProbe.of(b.build());
  }

  static KafkaSourceSettings kafkaSettings(FallbackConfig config, ConfigLoader loader) {
    KafkaSourceSettings.Builder b =
        KafkaSourceSettings.builder()
            .bootstrapServers(config.string(Keys.KAFKA_BOOTSTRAP).orElseThrow())
            .topic(config.string(Keys.KAFKA_TOPIC).orElseThrow())
            .groupId(config.string(Keys.KAFKA_GROUP).orElseThrow())
            .autoOffsetReset(KafkaSourceSettings.OffsetReset.parse(config.string(Keys.KAFKA_RESET).orElseThrow()))
            .batchSize(batchSize(config))
            .batchTimeout(config.seconds(Keys.BATCH_TIMEOUT))
            .dlqTopic(config.dlqTopic())
            .keyField(config.string(Keys.KEY_FIELD).orElseThrow())
            .timestampField(config.string(Keys.TIMESTAMP_FIELD).orElseThrow())
            .timestampFormat(config.string(Keys.TIMESTAMP_FORMAT).orElseThrow())
            .format(RecordFormat.valueOf(config.string(Keys.FORMAT).orElseThrow().toUpperCase(java.util.Locale.ROOT)))
            .primaryGroupId(config.string(Keys.PRIMARY_GROUP).orElseThrow())
            .advancePrimaryOffsets(config.bool(Keys.ADVANCE_PRIMARY))
            .rewindMargin(config.seconds(Keys.REWIND_MARGIN))
            .clientProperties(config.map(Keys.KAFKA_PROPERTIES));
    config.file(Keys.SCHEMA_FILE).ifPresent(b::schemaFile);
    loader.secret(config, Keys.KAFKA_SASL_ENV, Keys.KAFKA_SASL_FILE)
        .ifPresent(jaas -> b.clientProperty("sasl.jaas.config", jaas));
    StaticMembership.derive(
            config.string(Keys.KAFKA_GROUP).orElseThrow(),
            config.integer(Keys.SERVER_PORT),
            config.map(Keys.KAFKA_PROPERTIES),
            StaticMembership::localHostName)
        .ifPresent(id -> b.clientProperty("consumer." + StaticMembership.KEY, id));
    return b.build();
  }

  /**
   * The batch size, capped so that one batch of records fits the memory bound
   * (n_workers x memory_limit), at an estimated 1 KiB per decoded record in flight.
   */
  static int batchSize(FallbackConfig config) {
    int configured = config.integer(Keys.BATCH_SIZE);
    long cap = Math.max(1, config.memoryBound() / 1024);
    if (configured > cap) {
      LOG.warn(
          "processing.batch_size {} exceeds what dask.memory_limit allows ({} records); using {}",
          configured, cap, cap);
      return (int) cap;
    }
    return configured;
  }

  static InfluxSettings influxSettings(FallbackConfig config, ConfigLoader loader) {
    InfluxSettings.Builder b =
        InfluxSettings.builder()
            .url(URI.create(config.string(Keys.INFLUX_URL).orElseThrow()))
            .apiVersion(InfluxSettings.ApiVersion.parse(config.string(Keys.INFLUX_VERSION).orElseThrow()))
            .database(config.string(Keys.INFLUX_DB).orElseThrow())
            .measurement(config.string(Keys.INFLUX_MEASUREMENT).orElseThrow())
            .sourceTag(config.string(Keys.SOURCE_TAG).orElseThrow())
            .sourceAsField(config.bool(Keys.SOURCE_AS_FIELD))
            .primaryMeasurement(
                config.string(Keys.PRIMARY_MEASUREMENT).orElse(config.string(Keys.INFLUX_MEASUREMENT).orElseThrow()))
            .chunkSize(config.integer(Keys.INFLUX_CHUNK))
            .timeout(config.seconds(Keys.INFLUX_TIMEOUT))
            .maxRetryDuration(config.seconds(Keys.INFLUX_RETRY_SECONDS));
    config.string(Keys.INFLUX_RP).ifPresent(b::retentionPolicy);
    config.string(Keys.PRIMARY_SOURCE).ifPresent(b::primarySource);
    config.string(Keys.INFLUX_ORG).ifPresent(b::org);
    config.string(Keys.INFLUX_BUCKET).ifPresent(b::bucket);
    config.string(Keys.INFLUX_USER)
        .ifPresent(user -> b.credentials(user,
            loader.secret(config, Keys.INFLUX_PASSWORD_ENV, Keys.INFLUX_PASSWORD_FILE).orElse("")));
    loader.secret(config, Keys.INFLUX_TOKEN_ENV, Keys.INFLUX_TOKEN_FILE).ifPresent(b::token);
    return b.build();
  }
}
