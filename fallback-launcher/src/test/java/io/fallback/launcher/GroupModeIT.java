package io.fallback.launcher;

import static io.fallback.launcher.LauncherProcesses.FATAL;
import static io.fallback.launcher.LauncherProcesses.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fallback.kafka.GroupDecision;
import io.fallback.testkit.InfluxDbExtension;
import io.fallback.testkit.InfluxDbServer;
import io.fallback.testkit.KafkaBroker;
import io.fallback.testkit.KafkaBrokerExtension;
import io.fallback.testkit.LauncherProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several launcher processes of the shipped jar in one group (issue 15, DESIGN section 8), against
 * a real broker and a real influxd, watched from outside only ({@code /status}, logs, InfluxDB, the
 * decision topic): three instances on a six-partition topic share a drain, one is SIGKILLed in the
 * middle of it and restarted; an override sent to a follower switches every instance; the decider
 * is SIGKILLed as it publishes; a paused decider comes back fenced.
 *
 * <p>The model answers one call at a time in 20 ms, so a drain lasts long enough to crash an
 * instance in the middle of it.
 */
class GroupModeIT {

  private static final int NURSES = 12;
  private static final int PARTITIONS = 6;
  private static final int SESSION_SECONDS = 6;
  private static final int CHECK_SECONDS = 1;
  private static final Duration PATIENCE = Duration.ofSeconds(90);

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();

  @RegisterExtension
  static final StubModelExtension MODEL = new StubModelExtension(Duration.ofMillis(20));

  private static Path jar;
  private static KafkaBroker kafka;
  private static InfluxDbServer influx;

  @TempDir Path dir;

  @BeforeAll
  static void startServers() {
    jar = LauncherProcess.locate();
    kafka = KAFKA.broker();
    influx = INFLUX.server();
  }

  @Test
  void threeInstances_shareADrain_oneKilledMidDrainAndRestarted_handBack_nothingMissingOrTwice()
      throws Exception {
    String topic = "group-drain";
    String database = "group_drain";
    influx.createDatabase(database);
    NurseTopic nurses =
        NurseTopic.create(
            kafka, topic, Instant.now().minusSeconds(600).toEpochMilli(), NURSES, PARTITIONS);
    int before = 300; // 30 s the primary processes
    int after = before + 3000; // 5 min more: the backlog of the outage
    nurses.produce(0, before);
    int primaryWindows = nurses.expectedWindows(before);

    // the stand-in primary (a forced launcher writing with source tag flink, as Flink does in the
    // drill) processes the first 30 s, then stops: its group's lag grows with the new input
    Path primaryFile = dir.resolve("primary.yaml");
    Files.writeString(
        primaryFile,
        config(topic, "primary-" + topic, database, 30)
            .replace("latency_threshold_seconds: 30", "latency_threshold_seconds: 0")
            .replace("  resume_threshold_seconds: 10\n", "")
            .replace("primary_group_id: \"primary-", "primary_group_id: \"nobody-")
            .replace("source_tag: dask-fallback", "source_tag: flink")
            .replace("group:\n  enabled: true", "group:\n  enabled: false"));
    try (LauncherProcess primary =
        LauncherProcesses.launch(jar, primaryFile, Path.of("target", "group-it-primary.log"))) {
      LauncherProcesses.awaitLauncher(
          primary,
          "the primary wrote the first 30 s",
          PATIENCE,
          () -> NurseTopic.countPoints(influx, database, "flink") == primaryWindows);
    }
    // its position, as Flink's checkpoint commits it (open windows included): caught up
    catchUpPrimary("primary-" + topic, topic);

    String yaml = config(topic, "fallback-" + topic, database, 30);
    int[] ports = {freePort(), freePort(), freePort()};
    List<LauncherProcess> group = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        group.add(start("drain-" + i, yaml, ports[i]));
      }
      awaitAgreement(group, "PRIMARY");
      assertThat(groupOf(group.get(0)).path("instances")).hasSize(3);

      nurses.produce(before, after);
      int all = nurses.expectedWindows(after);
      awaitAgreement(group, "FALLBACK");
      JsonNode trigger = groupOf(group.get(0)).path("decision");
      assertThat(trigger.path("cause").asText()).isEqualTo("latency");

      // mid-drain: the decider, reading partitions, is SIGKILLed; the others keep the mode
      LauncherProcess decider = decider(group);
      int victim = group.indexOf(decider);
      awaitGroup(
          group,
          "a drain under way with the decider reading partitions",
          () ->
              !groupOf(decider).path("partitions").isEmpty()
                  && NurseTopic.countPoints(influx, database, "dask-fallback") >= 50);
      int atKill = NurseTopic.countPoints(influx, database, "dask-fallback");
      decider.kill();
      assertThat(atKill)
          .as("killed in the middle of the drain")
          .isLessThan((all - primaryWindows) / 2);
      List<LauncherProcess> survivors = new ArrayList<>(group);
      survivors.remove(decider);
      for (LauncherProcess s : survivors) {
        assertThat(LauncherProcesses.mode(s)).isEqualTo("FALLBACK");
      }
      // restarted as the same member (same port: same static membership and instance id)
      LauncherProcess restarted = start("drain-" + victim + "-restarted", yaml, ports[victim]);
      group.set(victim, restarted);
      awaitGroup(
          group,
          "the backlog drained, every instance following one decider",
          () -> NurseTopic.countPoints(influx, database, "dask-fallback") == all - primaryWindows);
      awaitAgreement(group, "FALLBACK");

      // hand back: the primary is caught up (its group's offsets at the end, as after Flink's
      // restart from the fallback's position)
      catchUpPrimary("primary-" + topic, topic);
      awaitAgreement(group, "PRIMARY");
      assertThat(groupOf(group.get(0)).path("decision").path("cause").asText())
          .isEqualTo("recovered");

      Map<String, List<String>> windows = NurseTopic.sourcesByWindow(influx, database);
      assertThat(windows).as("missing 0: every window once").hasSize(all);
      assertThat(windows.values().stream().filter(s -> s.size() > 1))
          .as("written by both sources (conflicting, or re-written by the fallback): 0")
          .isEmpty();
      assertThat(NurseTopic.countPoints(influx, database, "flink")).isEqualTo(primaryWindows);
      assertHistory("fallback-" + topic + ".decisions");
    } finally {
      group.forEach(LauncherProcess::close);
    }
  }

  @Test
  void overrideOnAFollower_switchesAll_deciderKilledAsItPublishes_pausedDeciderIsFenced()
      throws Exception {
    String topic = "group-control";
    String database = "group_control";
    influx.createDatabase(database);
    NurseTopic nurses =
        NurseTopic.create(
            kafka, topic, Instant.now().minusSeconds(600).toEpochMilli(), NURSES, PARTITIONS);
    nurses.produce(0, 100);
    int windows = nurses.expectedWindows(100);
    String decisions = "fallback-" + topic + ".decisions";
    // a threshold no lag reaches: only the operator switches this group
    String yaml = config(topic, "fallback-" + topic, database, 86_400);
    List<LauncherProcess> group = new ArrayList<>();
    LauncherProcess paused = null;
    try {
      for (int i = 0; i < 3; i++) {
        group.add(start("control-" + i, yaml, freePort()));
      }
      awaitAgreement(group, "PRIMARY");

      // an override sent to a follower switches every instance
      LauncherProcess decider = decider(group);
      List<LauncherProcess> followers = new ArrayList<>(group);
      followers.remove(decider);
      JsonNode answer =
          new ObjectMapper()
              .readTree(
                  followers.get(0).request("POST", "/mode?mode=force-fallback", TOKEN).body());
      assertThat(answer.path("requested").asText()).isEqualTo("FORCE_FALLBACK");
      awaitAgreement(group, "FALLBACK");
      JsonNode forced = groupOf(followers.get(1)).path("decision");
      assertThat(forced.path("override").asText()).isEqualTo("FORCE_FALLBACK");
      assertThat(forced.path("decider").asText())
          .isEqualTo(groupOf(decider).path("instance").asText());
      awaitGroup(
          group,
          "the input drained",
          () -> NurseTopic.countPoints(influx, database, "dask-fallback") == windows);

      // the decider is SIGKILLed as soon as a follower's request is in the log: before, while or
      // after it publishes the switch; the survivors converge on the requested mode either way
      Instant killedAt;
      try (KafkaConsumer<byte[], byte[]> log = tail(decisions)) {
        followers.get(0).request("POST", "/mode?mode=force-primary", TOKEN);
        String key = "request/" + groupOf(followers.get(0)).path("instance").asText();
        await("the request in the decision log")
            .atMost(Duration.ofSeconds(30))
            .until(() -> hasKey(log, key));
        decider.kill();
        killedAt = Instant.now();
      }
      awaitAgreement(followers, "PRIMARY");
      Duration converged = Duration.between(killedAt, Instant.now());
      JsonNode after = groupOf(followers.get(0)).path("decision");
      assertThat(after.path("override").asText()).isEqualTo("FORCE_PRIMARY");
      System.out.printf(
          "GroupModeIT: decider killed at a publish; the survivors agreed on epoch %d (decider %s)"
              + " %.1f s later%n",
          after.path("epoch").asLong(),
          after.path("decider").asText(),
          converged.toMillis() / 1000.0);
      // one session timeout plus one check interval, plus the claim, the read-through and this
      // test's polling of two JVMs on two cores
      assertThat(converged).isLessThan(Duration.ofSeconds(SESSION_SECONDS + CHECK_SECONDS + 5));
      for (LauncherProcess s : followers) {
        assertNothingWrittenAfterThePrimaryWasDecided(s);
      }

      // a paused decider (SIGSTOP for longer than the session timeout) comes back: its decision is
      // fenced and changes nothing; the override it was given reaches the new decider
      paused = decider(followers);
      LauncherProcess other = followers.get(followers.get(0) == paused ? 1 : 0);
      long epochBefore = groupOf(other).path("decision").path("epoch").asLong();
      signal("STOP", paused);
      String otherId = groupOf(other).path("instance").asText();
      awaitGroup(
          List.of(other),
          "the other instance elected and claiming",
          () -> {
            JsonNode g = groupOf(other);
            return g.path("deciding").asBoolean()
                && g.path("decision").path("decider").asText().equals(otherId)
                && g.path("decision").path("epoch").asLong() > epochBefore;
          });
      long claimEpoch = groupOf(other).path("decision").path("epoch").asLong();
      signal("CONT", paused);
      LauncherProcess resumed = paused;
      paused = null;
      resumed.request("POST", "/mode?mode=force-fallback", TOKEN);
      awaitAgreement(followers, "FALLBACK");
      assertThat(groupOf(resumed).path("deciding").asBoolean()).isFalse();
      assertThat(groupOf(resumed).path("decision").path("decider").asText()).isEqualTo(otherId);
      List<GroupDecision> history = assertHistory(decisions);
      String resumedId = groupOf(resumed).path("instance").asText();
      assertThat(history.stream().filter(d -> d.epoch() > claimEpoch))
          .as("after the new decider's claim, only it decided")
          .isNotEmpty()
          .allMatch(d -> d.decider().equals(otherId));
      boolean fenced = resumed.messages().stream().anyMatch(m -> m.contains("fenced as decider"));
      assertThat(
              fenced
                  || resumed.messages().stream()
                      .anyMatch(m -> m.startsWith("No longer the decider of group")))
          .as("the paused decider learnt it was deposed, from the broker or from the group")
          .isTrue();
      System.out.printf(
          "GroupModeIT: the resumed decider %s %s%n",
          resumedId,
          fenced
              ? "published late and was fenced by the broker"
              : "learnt from the group that it was deposed before publishing");
    } finally {
      if (paused != null) {
        signal("CONT", paused);
      }
      group.forEach(LauncherProcess::close);
    }
  }

  @Test
  void hotSpare_withNoPartitionToSpare_takesOverTheDeadInstancesPartition() throws Exception {
    String topic = "group-spare";
    String database = "group_spare";
    influx.createDatabase(database);
    NurseTopic nurses =
        NurseTopic.create(kafka, topic, Instant.now().minusSeconds(600).toEpochMilli(), 3, 1);
    nurses.produce(0, 100);
    String yaml = config(topic, "fallback-" + topic, database, 86_400);
    List<LauncherProcess> pair = new ArrayList<>();
    try {
      pair.add(start("spare-0", yaml, freePort()));
      pair.add(start("spare-1", yaml, freePort()));
      awaitAgreement(pair, "PRIMARY");
      pair.get(1).request("POST", "/mode?mode=force-fallback", TOKEN);
      awaitAgreement(pair, "FALLBACK");
      awaitGroup(
          pair,
          "one instance reading the one partition, the other a spare",
          () -> pair.stream().filter(p -> !groupOf(p).path("partitions").isEmpty()).count() == 1);
      LauncherProcess owner =
          pair.stream().filter(p -> !groupOf(p).path("partitions").isEmpty()).findFirst().get();
      LauncherProcess spare = pair.get(pair.get(0) == owner ? 1 : 0);
      assertThat(groupOf(spare).path("partitions")).isEmpty();

      nurses.produce(100, 3100); // 5 min more: the owner dies in the middle of it
      int all = nurses.expectedWindows(3100);
      awaitGroup(
          pair,
          "the owner draining",
          () -> NurseTopic.countPoints(influx, database, "dask-fallback") > all / 4);
      owner.kill();
      Instant killedAt = Instant.now();
      awaitGroup(
          List.of(spare),
          "the spare reading the dead instance's partition",
          () -> groupOf(spare).path("partitions").size() == 1);
      Duration takeover = Duration.between(killedAt, Instant.now());
      awaitGroup(
          List.of(spare),
          "the spare finished the drain",
          () -> NurseTopic.countPoints(influx, database, "dask-fallback") == all);
      assertThat(NurseTopic.sourcesByWindow(influx, database)).hasSize(all);
      assertThat(LauncherProcesses.mode(spare)).isEqualTo("FALLBACK");
      System.out.printf(
          "GroupModeIT: the hot spare read the dead instance's partition %.1f s after SIGKILL"
              + " (session timeout %d s)%n",
          takeover.toMillis() / 1000.0, SESSION_SECONDS);
      assertThat(takeover).isLessThan(Duration.ofSeconds(SESSION_SECONDS + 10));
    } finally {
      pair.forEach(LauncherProcess::close);
    }
  }

  private String config(String topic, String groupId, String database, int threshold) {
    return String.join(
        "\n",
        "kafka:",
        "  bootstrap_servers: \"" + kafka.bootstrapServers() + "\"",
        "  topic: \"" + topic + "\"",
        "  group_id: \"" + groupId + "\"",
        "  auto_offset_reset: earliest",
        "processing:",
        "  batch_size: 500",
        "  batch_timeout_seconds: 1",
        "monitoring:",
        "  latency_threshold_seconds: " + threshold,
        "  consecutive_violations: 2",
        "  resume_threshold_seconds: 10",
        "  consecutive_recoveries: 2",
        "  check_interval_seconds: " + CHECK_SECONDS,
        "  probe_timeout_seconds: 5",
        "  health_probe: none",
        "  primary_group_id: \"primary-" + topic + "\"",
        "ml_service:",
        "  endpoint: \"" + MODEL.endpoint() + "\"",
        "  timeout_seconds: 5",
        "influxdb:",
        "  url: \"" + influx.url() + "\"",
        "  database: " + database,
        "  source_tag: dask-fallback",
        "  primary_source: flink",
        "group:",
        "  enabled: true",
        "  session_timeout_seconds: " + SESSION_SECONDS,
        "");
  }

  private LauncherProcess start(String name, String yaml, int port) throws IOException {
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(file, yaml);
    return LauncherProcesses.launch(
        jar, file, Path.of("target", "group-it-" + name + ".log"), name, port);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static JsonNode groupOf(LauncherProcess p) {
    return p.status().path("group");
  }

  /** The instance that decides now (exactly one of them). */
  private static LauncherProcess decider(List<LauncherProcess> instances) {
    List<LauncherProcess> deciding =
        instances.stream().filter(p -> groupOf(p).path("deciding").asBoolean()).toList();
    assertThat(deciding).as("exactly one decider").hasSize(1);
    return deciding.get(0);
  }

  /**
   * Waits until every instance acts on the same newest decision, of this mode, and one of them
   * decides.
   */
  private static void awaitAgreement(List<LauncherProcess> instances, String mode) {
    awaitGroup(
        instances,
        "every instance in " + mode + " at the same epoch, one deciding",
        () -> {
          Set<Long> epochs = new HashSet<>();
          int deciding = 0;
          for (LauncherProcess p : instances) {
            JsonNode status = p.status();
            JsonNode g = status.path("group");
            long epoch = g.path("decision").path("epoch").asLong(-1);
            if (!status.path("mode").asText().equals(mode)
                || !g.path("decision").path("mode").asText().equals(mode)
                || g.path("adopted_epoch").asLong() != epoch) {
              return false;
            }
            epochs.add(epoch);
            deciding += g.path("deciding").asBoolean() ? 1 : 0;
          }
          return epochs.size() == 1 && deciding == 1;
        });
  }

  private static void awaitGroup(
      List<LauncherProcess> instances, String what, Callable<Boolean> condition) {
    try {
      await(what)
          .atMost(PATIENCE)
          .pollInterval(Duration.ofMillis(200))
          .failFast(
              "an instance exited or its log shows a fatal error",
              () ->
                  instances.stream()
                      .anyMatch(p -> !p.isAlive() || FATAL.matcher(p.logText()).find()))
          .until(condition);
    } catch (ConditionTimeoutException | TerminalFailureException e) {
      StringBuilder logs = new StringBuilder();
      for (LauncherProcess p : instances) {
        logs.append("\n--- ")
            .append(p.logFile().toAbsolutePath())
            .append(":\n")
            .append(String.join("\n", p.lastLines(25)));
      }
      throw new AssertionError(e.getMessage() + logs, e);
    }
  }

  /** No "Wrote N points" line after the instance took the decision that stopped its fallback. */
  private static void assertNothingWrittenAfterThePrimaryWasDecided(LauncherProcess p) {
    List<String> lines = p.messages();
    int decided = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(": PRIMARY (was FALLBACK)")) {
        decided = i;
      }
    }
    assertThat(decided).as("the instance took the decision").isNotNegative();
    assertThat(lines.subList(decided, lines.size()))
        .as("written after the decision to stop")
        .noneMatch(m -> m.startsWith("Wrote "));
  }

  /** Moves the primary's committed offsets to the end: it has caught up. */
  private static void catchUpPrimary(String primaryGroup, String topic) throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    Map<TopicPartition, OffsetAndMetadata> end =
        kafka.admin().listOffsets(latest).all().get().entrySet().stream()
            .collect(
                Collectors.toMap(
                    Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue().offset())));
    kafka.admin().alterConsumerGroupOffsets(primaryGroup, end).all().get();
  }

  /** A consumer at the end of the decision topic, reading uncommitted records too. */
  private static KafkaConsumer<byte[], byte[]> tail(String topic) {
    KafkaConsumer<byte[], byte[]> c = consumer("read_uncommitted");
    TopicPartition tp = new TopicPartition(topic, 0);
    c.assign(List.of(tp));
    c.seekToEnd(List.of(tp));
    c.position(tp);
    return c;
  }

  private static boolean hasKey(KafkaConsumer<byte[], byte[]> c, String key) {
    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(50))) {
      if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(key)) {
        return true;
      }
    }
    return false;
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String isolation) {
    Map<String, Object> config = new HashMap<>(kafka.clientConfig());
    config.put("key.deserializer", ByteArrayDeserializer.class.getName());
    config.put("value.deserializer", ByteArrayDeserializer.class.getName());
    config.put("isolation.level", isolation);
    config.put("enable.auto.commit", "false");
    return new KafkaConsumer<>(config);
  }

  /**
   * The committed decisions, in log order; asserts that their epochs strictly increase, so that no
   * two deciders ever published the same epoch.
   */
  private static List<GroupDecision> assertHistory(String topic) {
    List<GroupDecision> history = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = consumer("read_committed")) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      while (c.position(tp) < end) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals("decision")) {
            history.add(GroupDecision.parse(r.value()));
          }
        }
      }
    }
    assertThat(history).isNotEmpty();
    for (int i = 1; i < history.size(); i++) {
      assertThat(history.get(i).epoch())
          .as("epoch of decision %d (%s) after %s", i, history.get(i), history.get(i - 1))
          .isGreaterThan(history.get(i - 1).epoch());
    }
    return history;
  }

  private static void signal(String signal, LauncherProcess p) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
    assertThat(kill.waitFor()).as("kill -%s %d", signal, p.pid()).isZero();
  }
}
