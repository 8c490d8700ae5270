package io.fallback.launcher;

import io.fallback.core.Fallback;
import io.fallback.core.FallbackListener;
import io.fallback.core.Health;
import io.fallback.core.HealthProbe;
import io.fallback.core.LatencySource;
import io.fallback.core.loop.LoopSettings;
import io.fallback.core.mode.ModeOverride;
import io.fallback.core.mode.ModeState;
import io.fallback.core.supervisor.FallbackSupervisor;
import io.fallback.core.window.WindowSpec;
import io.fallback.http.FlinkProbeSettings;
import io.fallback.http.FlinkRestHealthProbe;
import io.fallback.http.ModelServiceClient;
import io.fallback.http.WindowedModelProcessor;
import io.fallback.influx.InfluxFreshnessLatencySource;
import io.fallback.influx.InfluxPrimaryProgress;
import io.fallback.influx.InfluxSettings;
import io.fallback.influx.InfluxSink;
import io.fallback.kafka.GroupBacklog;
import io.fallback.kafka.KafkaBatchSource;
import io.fallback.kafka.KafkaSourceSettings;
import io.fallback.kafka.KafkaTimeLagSource;
import io.fallback.launcher.config.ConfigLoader;
import io.fallback.launcher.config.FallbackConfig;
import io.fallback.launcher.config.MonitoringConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fallback processor wired from a configuration: latency source(s), health probe, Kafka source,
 * model-service processor, InfluxDB sink, supervisor and the status/metrics endpoint. This is what
 * {@code java -jar fallback-launcher.jar run} runs, and what tests and the drill start in-process.
 *
 * <p>{@link #close()} is the clean shutdown of SIGTERM: stop scheduling checks, let the batch in
 * flight finish or abandon it uncommitted, commit what was written, close clients with a timeout.
 * Thread-safe.
 */
public final class FallbackApplication implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger("io.fallback");
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
  private static final String SESSION_TIMEOUT = "session.timeout.ms";

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final Fallback fallback;
  private final StatusServer status;
  private final Optional<ShadowMode> shadow;
  private final Optional<GroupMode> group;
  private final PrometheusMeterRegistry registry;
  private boolean closed;

  private FallbackApplication(FallbackConfig config, Map<String, String> environment)
      throws IOException {
    ConfigLoader loader = new ConfigLoader(environment);
    config.warnings().forEach(w -> LOG.warn("Config: {}", w));
    InstantSource clock = InstantSource.system();
    WindowSpec spec = config.windowSpec();
    KafkaSourceSettings kafka = kafkaSettings(config, loader);
    InfluxSettings influx = influxSettings(config, loader);

    LauncherMetrics meters = new LauncherMetrics(clock);
    resources.add(meters);
    registry = meters.registry();
    MetricsListener metrics = meters.events();
    DeadLetterMetrics deadLetters = meters.deadLetters();

    Dependencies dependencies = Dependencies.of(config, kafka.bootstrapServers(), clock);
    LatencySource latency = latencySource(config, kafka, influx, clock, dependencies);
    HealthProbe health = healthProbe(config, dependencies);
    ModelServiceClient model =
        ModelServiceClient.of(config.modelServiceSettings(), spec.fieldNames());
    resources.add(model);
    InfluxSink sink = InfluxSink.of(influx, spec);
    resources.add(sink);
    InfluxPrimaryProgress progress = InfluxPrimaryProgress.of(influx, spec);
    WindowedModelProcessor processor = WindowedModelProcessor.of(model);
    LoopSettings loopSettings =
        new LoopSettings(
            config.processing().commitInterval(),
            Duration.ofSeconds(1),
            Duration.ofSeconds(30),
            config.processing().pipelineDepth());

    FallbackSupervisor[] holder = new FallbackSupervisor[1];
    SeedLogListener seedLog =
        new SeedLogListener(
            () ->
                holder[0] == null ? io.fallback.core.mode.Mode.PRIMARY : holder[0].state().mode());
    ActivationTracker tracker = new ActivationTracker(clock);
    // shadow mode (shadow.enabled): the fallback's group runs the shadow while the primary is
    // healthy; the sequencing listener hands the group over to the fallback and back
    shadow =
        config.shadow().enabled()
            ? Optional.of(
                ShadowMode.create(
                    config.shadow(),
                    kafka,
                    spec,
                    influx,
                    progress,
                    model,
                    deadLetters,
                    loopSettings,
                    clock))
            : Optional.empty();
    List<FallbackListener> listeners =
        new ArrayList<>(
            List.of(
                seedLog,
                metrics,
                tracker,
                new ReachabilityListener(dependencies.model(), dependencies.influx())));
    shadow.ifPresent(s -> listeners.add(s.sequencing()));
    meters.watchShadow(() -> shadow.map(ShadowMode::report));
    // group.enabled: the instances with this kafka.group_id follow one decider (DESIGN section 8)
    group =
        config.group().enabled() ? Optional.of(GroupMode.create(config, kafka)) : Optional.empty();
    meters.watchGroup(() -> group.orElse(null));
    CompositeListener listener = new CompositeListener(listeners);
    // the one wiring path (io.fallback.core.Fallback), the same an embedding application uses
    fallback =
        Fallback.builder()
            .latencySource(latency)
            .healthProbe(health)
            .source(
                () ->
                    track(
                        deadLetters.attach(
                            KafkaBatchSource.builder(kafka, spec)
                                .primaryProgress(progress)
                                // the shadow keeps the group's offsets at the primary's output
                                .preferOwnOffsets(config.shadow().enabled())
                                .clock(clock)
                                .build())))
            .windowSpec(spec)
            .processor(processor)
            // group.enabled: nothing is written once the group has decided the primary writes
            .sink(group.isPresent() ? group.get().group().fence(sink) : sink)
            .policy(config.policy())
            .loopSettings(loopSettings)
            .checkInterval(config.monitoring().checkInterval())
            .probeTimeout(config.monitoring().probeTimeout())
            .supervisorOption(
                b ->
                    b.healthCheckInterval(config.monitoring().healthCheckInterval().orElse(null))
                        .authority(group.map(GroupMode::group).orElse(null)))
            .restartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60))
            .closeTimeout(CLOSE_TIMEOUT)
            .clock(clock)
            .listener(listener)
            .build();
    FallbackSupervisor supervisor = fallback.supervisor();
    holder[0] = supervisor;
    metrics.watchMode(supervisor::state);
    metrics.watchLoop(fallback::loopStatus);
    KafkaBacklog backlog =
        KafkaBacklog.start(
            kafka,
            clock,
            KafkaBacklog.interval(config.monitoring().checkInterval()),
            dependencies.kafka().watchBacklog(metrics::backlogSampled));
    resources.add(backlog);
    Optional<String> token =
        Optional.ofNullable(environment.get(config.server().tokenEnv())).filter(t -> !t.isBlank());
    status =
        new StatusServer(
            config.server().bind(),
            config.server().port(),
            supervisor,
            registry,
            token,
            backlog,
            tracker,
            fallback::loopStatus,
            clock,
            new InstanceHealth(
                config.monitoring().checkInterval(),
                config.monitoring().probeTimeout(),
                config.server().readyProgressBound()));
    LOG.info(
        "Status endpoint on http://{}:{} (POST /mode {})",
        config.server().bind(),
        status.port(),
        token.isPresent() ? "enabled" : "disabled: " + config.server().tokenEnv() + " is not set");
    shadow.ifPresent(
        s -> {
          status.addSection("shadow", s::statusJson);
          s.start();
        });
    group.ifPresent(
        g -> {
          status.addSection("group", g::statusJson);
          // the newest decision first: an instance started during an outage starts its fallback
          g.group().join(supervisor);
        });
    fallback.start();
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

  /**
   * @return the bound port of the status endpoint
   */
  public int statusPort() {
    return status.port();
  }

  /**
   * @return the supervisor's current state
   */
  public ModeState state() {
    return fallback.state();
  }

  /**
   * Applies an operator override, as {@code POST /mode} does.
   *
   * @param override the override
   * @return the state after it
   */
  public ModeState override(ModeOverride override) {
    return fallback.override(override);
  }

  /**
   * @return the metrics registry (Prometheus)
   */
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
    // the shadow first: it must not start again when the fallback stops below
    shadow.ifPresent(ShadowMode::close);
    // leave the election before stopping: another instance decides at once
    group.ifPresent(GroupMode::close);
    if (!fallback.close(CLOSE_TIMEOUT)) {
      LOG.warn(
          "Fallback processor did not stop within {}; abandoning its batch uncommitted",
          CLOSE_TIMEOUT);
    }
    status.close();
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception e) {
        LOG.warn("Error closing {}: {}", r, e.toString());
      }
    }
    LOG.info("Shutdown complete");
  }

  private LatencySource latencySource(
      FallbackConfig config,
      KafkaSourceSettings kafka,
      InfluxSettings influx,
      InstantSource clock,
      Dependencies dependencies) {
    MonitoringConfig.LatencyMeasure choice = config.monitoring().latencySource();
    List<LatencySource> sources = new ArrayList<>();
    if (choice.usesKafkaLag()) {
      KafkaTimeLagSource lag = KafkaTimeLagSource.of(kafka, clock);
      resources.add(lag);
      sources.add(dependencies.kafka().watch(lag));
    }
    if (choice.usesInfluxFreshness()) {
      // idle guard (DESIGN section 10): the age counts only while the topic holds input newer than
      // the primary's newest point
      GroupBacklog topic = GroupBacklog.of(kafka, config.monitoring().probeTimeout());
      resources.add(topic);
      sources.add(
          dependencies
              .influx()
              .watch(InfluxFreshnessLatencySource.of(influx, clock, topic::newestRecordTime)));
    }
    return sources.size() == 1 ? sources.get(0) : new WorstLatency(sources);
  }

  private static HealthProbe healthProbe(FallbackConfig config, Dependencies dependencies) {
    Optional<FlinkProbeSettings> flink = config.flinkProbeSettings();
    if (flink.isEmpty()) {
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
    return dependencies.flink().watch(FlinkRestHealthProbe.of(flink.get()));
  }

  private KafkaBatchSource track(KafkaBatchSource source) {
    return group.map(g -> g.track(source)).orElse(source);
  }

  static KafkaSourceSettings kafkaSettings(FallbackConfig config, ConfigLoader loader) {
    // dask.n_workers x memory_limit bounds the bytes of records a batch holds (as measured per
    // record by the source), not an assumed size per record
    KafkaSourceSettings.Builder b =
        config.kafkaSourceSettings(loader.secrets()).toBuilder()
            .memoryBudget(config.dask().memoryBound());
    StaticMembership.derive(
            config.kafka().groupId(),
            config.server().port(),
            config.kafka().properties(),
            StaticMembership::localHostName)
        .ifPresent(id -> b.clientProperty("consumer." + StaticMembership.KEY, id));
    Map<String, String> properties = config.kafka().properties();
    if (config.group().enabled()
        && !properties.containsKey(SESSION_TIMEOUT)
        && !properties.containsKey("consumer." + SESSION_TIMEOUT)) {
      // a dead instance's partitions move on after one group session timeout
      long ms = config.group().sessionTimeout().toMillis();
      b.clientProperty("consumer." + SESSION_TIMEOUT, Long.toString(ms));
      // a tenth: the others learn of the rebalance at their next heartbeat
      b.clientProperty("consumer.heartbeat.interval.ms", Long.toString(Math.max(100, ms / 10)));
    }
    return b.build();
  }

  static InfluxSettings influxSettings(FallbackConfig config, ConfigLoader loader) {
    return config.influxSettings(loader.secrets());
  }
}
