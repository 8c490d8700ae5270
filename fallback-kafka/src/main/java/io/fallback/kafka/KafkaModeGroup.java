package io.fallback.kafka;

import io.fallback.core.Sink;
import io.fallback.core.mode.Cause;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeOverride;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.Transition;
import io.fallback.core.supervisor.FallbackSupervisor;
import io.fallback.core.supervisor.ModeAuthority;
import io.fallback.core.supervisor.ModeFencedSink;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several fallback instances with the same {@code kafka.group_id} agree on one mode through Kafka
 * (DESIGN section 8): the {@link ModeAuthority} of their supervisors.
 *
 * <ul>
 *   <li><b>Who decides.</b> Every instance joins the election ({@link GroupDeciderElection}, group
 *       {@code <group>.decider} on the one-partition decision topic); the member assigned that
 *       partition decides. A dead or silent decider loses it after the session timeout.
 *   <li><b>Fencing.</b> Once elected, the decider claims the transactional id {@code
 *       <group>.decider} ({@link GroupDecisionPublisher#claim()}), which fences any earlier decider
 *       at the broker; it then reads the log to its committed end, takes the newest decision, and
 *       restates it with the next epoch (cause {@code claim}). A decider that the broker fences
 *       stops deciding at once and rejoins the election as an ordinary member.
 *   <li><b>Following.</b> Every instance, the decider too, reads the log with {@code
 *       read_committed} ({@link GroupDecisionReader}) and hands each newer decision to its
 *       supervisor ({@link FallbackSupervisor#adopt}), which starts or stops its fallback loop;
 *       nothing older than the newest epoch taken is ever acted on.
 *   <li><b>Overrides.</b> An override given to any instance is written as a request; the decider
 *       applies it and publishes the result as a decision.
 * </ul>
 *
 * <p>The data partitions are split by the fallback's own consumer group as for one instance; this
 * class only decides whether the instances read them. Thread-safe.
 */
public final class KafkaModeGroup implements ModeAuthority, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger("io.fallback");

  /**
   * What a group needs.
   *
   * @param bootstrapServers the brokers
   * @param clientProperties passthrough client properties (security...)
   * @param groupId the fallback's consumer group ({@code kafka.group_id}); the election group and
   *     the transactional id derive from it
   * @param topic the decision topic
   * @param instance this instance's identity, unique in the group
   * @param sessionTimeout how long a silent decider keeps the role
   * @param timeout bound of a claim, a publish, a request and each admin call
   */
  public record Settings(
      String bootstrapServers,
      Map<String, Object> clientProperties,
      String groupId,
      String topic,
      String instance,
      Duration sessionTimeout,
      Duration timeout) {

    /**
     * Checks and copies the components.
     *
     * @throws NullPointerException for a null component
     */
    public Settings {
      Objects.requireNonNull(bootstrapServers, "bootstrapServers");
      clientProperties = Map.copyOf(clientProperties);
      Objects.requireNonNull(groupId, "groupId");
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(instance, "instance");
      Objects.requireNonNull(sessionTimeout, "sessionTimeout");
      Objects.requireNonNull(timeout, "timeout");
    }
  }

  /**
   * The group as this instance sees it, for {@code /status}.
   *
   * @param instance this instance
   * @param deciding whether it decides now
   * @param newest the newest decision read
   * @param adoptedEpoch the epoch this instance's supervisor acts on
   * @param instances the members of the election (every running instance), sorted
   * @param fenced how often this instance was fenced as decider
   */
  public record Snapshot(
      String instance,
      boolean deciding,
      Optional<GroupDecision> newest,
      long adoptedEpoch,
      List<String> instances,
      int fenced) {}

  private final Settings settings;
  private final Clock clock;
  private final Admin admin;
  private final GroupDecisionPublisher publisher;
  private final ExecutorService claims;
  private volatile GroupDecisionReader reader;
  private volatile GroupDeciderElection election;
  private volatile FallbackSupervisor supervisor;
  private volatile boolean deciding;
  private volatile boolean claiming;
  private volatile boolean closed;
  private volatile List<String> members = List.of();
  private volatile long membersReadAt;
  private volatile int fenced;

  private KafkaModeGroup(Settings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.admin =
        Admin.create(ClientConfigs.admin(settings.bootstrapServers(), settings.clientProperties()));
    GroupDecisionLog.ensureTopic(admin, settings.topic(), settings.timeout());
    this.publisher =
        new GroupDecisionPublisher(
            settings.bootstrapServers(),
            settings.clientProperties(),
            settings.topic(),
            settings.groupId(),
            settings.timeout());
    this.claims =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "fallback-decider");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Creates the decision topic if needed (one partition, compacted) and the producers; nothing is
   * read or joined before {@link #join}.
   *
   * @param settings the group's settings
   * @return the group
   * @throws KafkaSourceException when the decision topic cannot be created or has the wrong shape
   */
  public static KafkaModeGroup create(Settings settings) {
    return new KafkaModeGroup(Objects.requireNonNull(settings, "settings"), Clock.systemUTC());
  }

  /**
   * Starts following the group: reads the decision log to its end (bounded by the timeout) and
   * hands the newest decision to the supervisor, so an instance started during an outage starts its
   * fallback at once; then joins the election. Call before starting the supervisor.
   *
   * @param supervisor this instance's supervisor, built with this group as its authority
   */
  public synchronized void join(FallbackSupervisor supervisor) {
    if (this.supervisor != null) {
      throw new IllegalStateException("already joined");
    }
    this.supervisor = Objects.requireNonNull(supervisor, "supervisor");
    reader =
        new GroupDecisionReader(
            settings.bootstrapServers(),
            settings.clientProperties(),
            settings.topic(),
            new GroupDecisionReader.Listener() {
              @Override
              public void decided(GroupDecision decision) {
                follow(decision);
              }

              @Override
              public void requested(String override, String from) {
                apply(override, from);
              }
            });
    if (!awaitReadThrough()) {
      LOG.warn(
          "Group {}: decision topic {} not read to its end within {}; following as decisions"
              + " arrive",
          settings.groupId(),
          settings.topic(),
          settings.timeout());
    }
    election =
        new GroupDeciderElection(
            settings.bootstrapServers(),
            settings.clientProperties(),
            settings.topic(),
            settings.groupId() + ".decider",
            settings.instance(),
            settings.sessionTimeout(),
            new GroupDeciderElection.Listener() {
              @Override
              public void elected() {
                claims.execute(KafkaModeGroup.this::claim);
              }

              @Override
              public void deposed() {
                deciding = false;
              }
            });
    LOG.info(
        "Group {}: instance {} joined (decision topic {})",
        settings.groupId(),
        settings.instance(),
        settings.topic());
  }

  /**
   * Wraps the fallback's sink so that no batch is written once this instance has taken a decision
   * that stops the fallback: between the decision and the loop's stop, processed batches would
   * otherwise still be written (the clean stop of a lone instance), while the primary may already
   * be writing the same windows. A write already in flight when the decision arrives finishes.
   *
   * @param sink the sink
   * @param <O> the output type
   * @return a sink that throws {@link ModeFencedSink.NotFallback} unless the mode taken is FALLBACK
   */
  public <O> Sink<O> fence(Sink<O> sink) {
    return new ModeFencedSink<>(
        sink,
        () -> {
          FallbackSupervisor s = supervisor;
          return s == null ? ModeState.initial(Instant.now(clock)) : s.state();
        });
  }

  @Override
  public boolean deciding() {
    return deciding && !closed;
  }

  @Override
  public synchronized OptionalLong publish(ModeState next, Optional<Transition> transition) {
    if (!deciding()) {
      return OptionalLong.empty();
    }
    long epoch = reader.newest().map(GroupDecision::epoch).orElse(0L) + 1;
    long adopted = supervisor == null ? 0 : supervisor.adoptedEpoch();
    epoch = Math.max(epoch, adopted + 1);
    GroupDecision decision =
        new GroupDecision(
            epoch,
            next.mode().name(),
            next.override().name(),
            transition
                .map(t -> t.cause().name().toLowerCase(Locale.ROOT))
                .orElse(claiming ? "claim" : "manual"),
            transition
                .map(Transition::detail)
                .orElse(
                    claiming ? "new decider restates the group's mode" : next.override().name()),
            Instant.now(clock),
            settings.instance());
    try {
      publisher.publish(decision);
    } catch (GroupDecisionPublisher.Fenced e) {
      deciding = false;
      fenced++;
      LOG.warn(
          "Group {}: fenced as decider ({}); decision epoch {} ({}) not published; following"
              + " the newer decider",
          settings.groupId(),
          e.getMessage(),
          epoch,
          decision.mode());
      election.resign();
      return OptionalLong.empty();
    } catch (KafkaException e) {
      LOG.warn(
          "Group {}: decision epoch {} ({}) not published: {}",
          settings.groupId(),
          epoch,
          decision.mode(),
          e.toString());
      return OptionalLong.empty();
    }
    LOG.info(
        "Group {}: published decision epoch {}: {} ({}: {})",
        settings.groupId(),
        epoch,
        decision.mode(),
        decision.cause(),
        decision.detail());
    return OptionalLong.of(epoch);
  }

  @Override
  public void request(ModeOverride override) {
    publisher.request(override.name(), settings.instance());
    LOG.info(
        "Group {}: override {} requested from the decider", settings.groupId(), override.name());
  }

  /**
   * The epoch of the newest decision this instance's supervisor acts on.
   *
   * @return the epoch, 0 before the first
   */
  public long adoptedEpoch() {
    FallbackSupervisor s = supervisor;
    return s == null ? 0 : s.adoptedEpoch();
  }

  /**
   * How often this instance was fenced as decider.
   *
   * @return the count
   */
  public int fenced() {
    return fenced;
  }

  /**
   * What this instance knows of the group. The members are read from the election group at most
   * every few seconds.
   *
   * @return a snapshot
   */
  public Snapshot snapshot() {
    GroupDecisionReader r = reader;
    return new Snapshot(
        settings.instance(),
        deciding(),
        r == null ? Optional.empty() : r.newest(),
        adoptedEpoch(),
        members(),
        fenced);
  }

  /** The election group's members by client id (every running instance); cached for 2 s. */
  private List<String> members() {
    long now = clock.millis();
    if (now - membersReadAt < 2_000) {
      return members;
    }
    membersReadAt = now;
    String group = settings.groupId() + ".decider";
    try {
      ConsumerGroupDescription d =
          KafkaCalls.await(
              admin.describeConsumerGroups(List.of(group)).describedGroups().get(group),
              Duration.ofSeconds(2));
      List<String> ids = new ArrayList<>();
      for (MemberDescription m : d.members()) {
        ids.add(m.clientId());
      }
      ids.sort(null);
      members = List.copyOf(ids);
    } catch (RuntimeException e) {
      LOG.debug("Group {}: cannot list the instances: {}", settings.groupId(), e.toString());
    }
    return members;
  }

  /** On the decider thread: claims the role, continues the epochs, applies pending overrides. */
  private void claim() {
    if (closed || election == null || !election.elected()) {
      return;
    }
    try {
      publisher.claim();
    } catch (KafkaException e) {
      LOG.warn(
          "Group {}: elected but could not claim the decider's transactional id: {}; rejoining",
          settings.groupId(),
          e.toString());
      election.resign();
      return;
    }
    if (!awaitReadThrough()) {
      LOG.warn(
          "Group {}: elected but the decision log was not read to its end; rejoining",
          settings.groupId());
      election.resign();
      return;
    }
    reader.newest().ifPresent(this::follow);
    if (!election.elected()) {
      return;
    }
    deciding = true;
    claiming = true;
    try {
      OptionalLong epoch = supervisor.restate();
      if (epoch.isPresent()) {
        LOG.info(
            "Group {}: {} decides from epoch {}",
            settings.groupId(),
            settings.instance(),
            epoch.getAsLong());
      }
    } finally {
      claiming = false;
    }
    for (GroupDecisionReader.Request r : reader.pending()) {
      apply(r.override(), r.from());
    }
  }

  /** A newer decision read from the log: this instance's supervisor takes it. */
  private void follow(GroupDecision d) {
    FallbackSupervisor s = supervisor;
    if (s == null) {
      return;
    }
    Mode mode;
    ModeOverride override;
    Cause cause;
    try {
      mode = Mode.valueOf(d.mode());
      override = ModeOverride.valueOf(d.override());
      cause = causeOf(d.cause());
    } catch (IllegalArgumentException e) {
      LOG.warn(
          "Group {}: ignoring decision epoch {}: {}",
          settings.groupId(),
          d.epoch(),
          e.getMessage());
      return;
    }
    Mode before = s.state().mode();
    if (s.adopt(d.epoch(), mode, override, cause, d.detail())) {
      LOG.info(
          "Group {}: decision epoch {} by {}: {}{} ({}: {})",
          settings.groupId(),
          d.epoch(),
          d.decider(),
          mode,
          before == mode ? "" : " (was " + before + ")",
          d.cause(),
          d.detail());
    }
  }

  /** An override request read from the log: the decider applies it (publishing a decision). */
  private void apply(String override, String from) {
    FallbackSupervisor s = supervisor;
    if (s == null || !deciding()) {
      return;
    }
    ModeOverride o;
    try {
      o = ModeOverride.valueOf(override);
    } catch (IllegalArgumentException e) {
      LOG.warn(
          "Group {}: ignoring override request {} from {}", settings.groupId(), override, from);
      return;
    }
    LOG.info("Group {}: applying override {} requested by {}", settings.groupId(), o, from);
    s.override(o);
  }

  private static Cause causeOf(String cause) {
    return switch (cause) {
      case "latency" -> Cause.LATENCY;
      case "unhealthy" -> Cause.UNHEALTHY;
      case "recovered" -> Cause.RECOVERED;
      default -> Cause.MANUAL;
    };
  }

  /** Waits until the reader has read everything committed so far, up to the timeout. */
  private boolean awaitReadThrough() {
    long end;
    TopicPartition tp = new TopicPartition(settings.topic(), 0);
    try {
      end =
          KafkaCalls.await(
                  admin
                      .listOffsets(
                          Map.of(tp, OffsetSpec.latest()),
                          new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                      .partitionResult(tp),
                  settings.timeout())
              .offset();
    } catch (RuntimeException e) {
      LOG.warn(
          "Group {}: cannot read the decision log's end: {}", settings.groupId(), e.toString());
      return false;
    }
    return reader.awaitReadThrough(end, settings.timeout());
  }

  /**
   * Leaves the election first (another instance is elected at once), then stops reading and closes
   * the producers and the admin client. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    deciding = false;
    if (election != null) {
      election.close();
    }
    claims.shutdownNow();
    try {
      claims.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (reader != null) {
      reader.close();
    }
    publisher.close();
    admin.close(Duration.ofSeconds(5));
  }
}
