package io.fallback.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fallback.kafka.GroupDecision;
import io.fallback.kafka.KafkaBatchSource;
import io.fallback.kafka.KafkaModeGroup;
import io.fallback.kafka.KafkaSourceSettings;
import io.fallback.launcher.config.FallbackConfig;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The launcher's side of {@code group.enabled}: the {@link KafkaModeGroup} its supervisor follows,
 * the {@code group} section of {@code /status}, and the group's meters. Thread-safe.
 */
final class GroupMode implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Bound of a claim, a publish, an override request and the admin calls. */
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final KafkaModeGroup group;
  private final AtomicReference<KafkaBatchSource> source = new AtomicReference<>();

  private GroupMode(KafkaModeGroup group) {
    this.group = group;
  }

  /**
   * Creates the group (and its decision topic, on first use).
   *
   * @param config the configuration
   * @param kafka the fallback's Kafka settings
   * @return the group, not joined yet
   */
  static GroupMode create(FallbackConfig config, KafkaSourceSettings kafka) {
    return new GroupMode(
        KafkaModeGroup.create(
            new KafkaModeGroup.Settings(
                kafka.bootstrapServers(),
                kafka.clientProperties(),
                kafka.groupId(),
                config.group().decisionTopic(kafka.groupId()),
                instanceId(config),
                config.group().sessionTimeout(),
                TIMEOUT)));
  }

  /**
   * {@code group.instance_id}, or {@code <host name>-<server.port>} ({@code -pid-N} for port 0).
   */
  static String instanceId(FallbackConfig config) {
    return config
        .group()
        .instanceId()
        .orElseGet(
            () ->
                StaticMembership.localHostName()
                    + "-"
                    + (config.server().port() == 0
                        ? "pid-" + ProcessHandle.current().pid()
                        : Integer.toString(config.server().port())));
  }

  /**
   * @return the group, the supervisor's authority
   */
  KafkaModeGroup group() {
    return group;
  }

  /**
   * Remembers the fallback's source of the current activation, for the partitions in {@code
   * /status}.
   *
   * @param s the source
   * @return the same source
   */
  KafkaBatchSource track(KafkaBatchSource s) {
    source.set(s);
    return s;
  }

  /**
   * Registers {@code fallback_group_epoch}, {@code fallback_group_deciding} and {@code
   * fallback_group_fenced_total}.
   *
   * @param registry where
   * @param group the group, absent when {@code group.enabled} is false (the meters read 0)
   */
  static void register(MeterRegistry registry, Supplier<GroupMode> group) {
    Gauge.builder("fallback_group_epoch", group, g -> g.get() == null ? 0 : g.get().epoch())
        .description("epoch of the newest group decision this instance acts on (group.enabled)")
        .strongReference(true)
        .register(registry);
    Gauge.builder(
            "fallback_group_deciding",
            group,
            g -> g.get() != null && g.get().group.deciding() ? 1 : 0)
        .description("1 while this instance is the group's decider")
        .strongReference(true)
        .register(registry);
    FunctionCounter.builder(
            "fallback_group_fenced", group, g -> g.get() == null ? 0 : g.get().fenced())
        .description("decisions of this instance the broker fenced (a newer decider had claimed)")
        .register(registry);
  }

  // the meters read counters only: a snapshot would also list the instances (an admin call)
  private double epoch() {
    return group.adoptedEpoch();
  }

  private double fenced() {
    return group.fenced();
  }

  /** The {@code group} section of {@code /status}. */
  JsonNode statusJson() {
    KafkaModeGroup.Snapshot s = group.snapshot();
    ObjectNode n = JSON.createObjectNode();
    n.put("instance", s.instance());
    n.put("deciding", s.deciding());
    n.put("adopted_epoch", s.adoptedEpoch());
    s.newest()
        .ifPresentOrElse(d -> decision(n.putObject("decision"), d), () -> n.putNull("decision"));
    KafkaBatchSource src = source.get();
    Set<Integer> partitions = src == null ? Set.of() : new TreeSet<>(src.ownedPartitions());
    ArrayNode owned = n.putArray("partitions");
    partitions.forEach(owned::add);
    ArrayNode instances = n.putArray("instances");
    s.instances().forEach(instances::add);
    n.put("fenced", s.fenced());
    return n;
  }

  private static void decision(ObjectNode o, GroupDecision d) {
    o.put("epoch", d.epoch());
    o.put("mode", d.mode());
    o.put("override", d.override());
    o.put("cause", d.cause());
    o.put("detail", d.detail());
    o.put("at", d.at().toString());
    o.put("decider", d.decider());
  }

  /** Leaves the election (another instance decides at once) and stops following. */
  @Override
  public void close() {
    group.close();
  }
}
