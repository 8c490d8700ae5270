package io.fallback.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fallback.testkit.InfluxDbServer;
import io.fallback.testkit.KafkaBroker;
import io.fallback.testkit.LauncherProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group drain benchmark (issue 15): the same backlog drained by 1, 2 and 3 launcher processes that
 * share one {@code kafka.group_id} with {@code group.enabled: true}, and the time from an
 * instance's death to its partitions being processed again. Not run by {@code ./mvnw verify};
 * {@code scripts/group-bench.sh} runs it.
 *
 * <p>Starts the test kit's Kafka broker, {@code influxd} and the {@link ModelService} once, writes
 * a backlog of {@code --records} (default 200 000) raw Avro records, 17 nurses at 32 Hz with past
 * event times, to the 6-partition topic {@code group-bench-topic}, then, one run after the other:
 *
 * <ol>
 *   <li>for each count of {@code --instances} (default {@code 1,2,3}): that many shipped launcher
 *       jars as their own processes ({@code java -jar fallback-launcher.jar run --config ...}),
 *       each with its own status port, a fresh group ({@code group-bench-n<N>}) and database, so
 *       that each run drains the whole topic from the start. Once they have formed one group (every
 *       {@code /status} lists all instances, one decides), {@code POST /mode?mode=force-fallback}
 *       goes to the last one started; the clock runs from that request until all due windows are in
 *       InfluxDB, and every instance must report FALLBACK;
 *   <li>unless {@code --no-kill}: three instances drain again (group {@code group-bench-kill}),
 *       paced by a model service that answers after {@code --kill-model-latency-ms} (50) with
 *       {@code --kill-model-concurrency} (2) calls in flight and {@code batch_size} {@code
 *       --kill-batch-size} (1000) per instance, so that the drain lasts long enough to kill one
 *       instance in the middle and a batch is short next to the take-over. Once the assignment has
 *       settled and the victim (a follower, or the decider with {@code --kill-decider}) has written
 *       points, it is SIGKILLed; its partitions and their committed offsets in the fallback group
 *       are read at the kill, then the benchmark measures how long until another instance's {@code
 *       /status} lists them and until every one of them has a committed offset beyond its value at
 *       the kill. The partitions move only after {@code group.session_timeout_seconds} (6, the
 *       broker's minimum).
 * </ol>
 *
 * <p>Every run's output is compared with the reference (missing and differing windows must be 0,
 * else exit 1). Printed: one table with the runs, records/s and the ratio to the first run (the
 * one-instance run by default), the launchers' CPU seconds, the take-over times, the machine.
 *
 * <pre>
 * scripts/group-bench.sh --records=200000
 * scripts/group-bench.sh --records=1000000 --instances=1,2,3,4 --kill-decider
 * </pre>
 */
public final class GroupDrainBenchmark {

  private static final Logger LOG = LoggerFactory.getLogger("group-benchmark");
  private static final String TOPIC = "group-bench-topic";
  private static final int PARTITIONS = 6;
  private static final String MEASUREMENT = "nurse_stress";
  private static final String SOURCE = "group-bench";
  private static final String TOKEN = "group-bench-token";
  private static final int NURSES = 17;
  private static final int HZ = 32;
  private static final int KILL_INSTANCES = 3;
  private static final Duration GROUP_FORMED_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration POLL = Duration.ofMillis(100);
  private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux
  private static final ObjectMapper JSON = new ObjectMapper();

  private long records = 200_000;
  private int[] instanceCounts = {1, 2, 3};
  private int batchSize = 10_000;
  private int modelConcurrency = 32;
  private int sessionTimeoutSeconds = 6;
  private Duration deadline = Duration.ofMinutes(5);
  private boolean kill = true;
  private boolean killDecider;
  private long killModelLatencyMs = 50;
  private int killModelConcurrency = 2;
  private int killBatchSize = 1_000;

  private final BenchmarkRun resources = new BenchmarkRun(LOG, "[group-bench]");
  private KafkaBroker kafka;
  private InfluxDbServer influx;
  private ModelService model;
  private Path workDir;
  private Path logDir;
  private Reference reference;

  private GroupDrainBenchmark() {}

  /** One drain: {@code instances} launchers from the trigger until all due windows are written. */
  private record Drain(
      String name,
      int instances,
      double allFallbackSeconds,
      double seconds,
      double launcherCpuSeconds,
      String partitions,
      long epoch,
      OutputCheck check) {}

  /** The death of one instance in a drain, and the take-over of its partitions. */
  private record Takeover(
      Drain drain,
      String victim,
      boolean victimDecided,
      double killAtSeconds,
      long pointsAtKill,
      List<Integer> partitions,
      Map<Integer, Long> committedAtKill,
      Map<Integer, Long> endOffsets,
      double listedSeconds,
      double reprocessedSeconds,
      String newOwners) {}

  /**
   * Runs the benchmark.
   *
   * @param args {@code --records=N} (default 200000), {@code --instances=1,2,3}, {@code
   *     --batch-size=N} (10000), {@code --model-concurrency=N} (32), {@code --session-timeout-s=N}
   *     (6), {@code --deadline-s=N} (300 per run), {@code --no-kill}, {@code --kill-decider},
   *     {@code --kill-model-latency-ms=N} (50), {@code --kill-model-concurrency=N} (2), {@code
   *     --kill-batch-size=N} (1000)
   */
  public static void main(String[] args) {
    GroupDrainBenchmark b = new GroupDrainBenchmark();
    for (String a : args) {
      if (a.isBlank()) {
        continue;
      }
      String[] kv = a.split("=", 2);
      String text = kv.length == 2 ? kv[1] : "";
      switch (kv[0]) {
        case "--records" -> b.records = BenchmarkRun.number(text);
        case "--instances" ->
            b.instanceCounts =
                Arrays.stream(text.split(","))
                    .mapToInt(s -> (int) BenchmarkRun.number(s.trim()))
                    .toArray();
        case "--batch-size" -> b.batchSize = (int) BenchmarkRun.number(text);
        case "--model-concurrency" -> b.modelConcurrency = (int) BenchmarkRun.number(text);
        case "--session-timeout-s" -> b.sessionTimeoutSeconds = (int) BenchmarkRun.number(text);
        case "--deadline-s" -> b.deadline = Duration.ofSeconds(BenchmarkRun.number(text));
        case "--no-kill" -> b.kill = false;
        case "--kill-decider" -> b.killDecider = true;
        case "--kill-model-latency-ms" -> b.killModelLatencyMs = BenchmarkRun.number(text);
        case "--kill-model-concurrency" -> b.killModelConcurrency = (int) BenchmarkRun.number(text);
        case "--kill-batch-size" -> b.killBatchSize = (int) BenchmarkRun.number(text);
        default -> {
          System.err.println(
              "usage: GroupDrainBenchmark [--records=N] [--instances=1,2,3] [--batch-size=N]"
                  + " [--model-concurrency=N] [--session-timeout-s=N] [--deadline-s=N]"
                  + " [--no-kill] [--kill-decider] [--kill-model-latency-ms=N]"
                  + " [--kill-model-concurrency=N] [--kill-batch-size=N]");
          System.exit(a.equals("--help") ? 0 : 2);
        }
      }
    }
    b.resources.exitWith(b::run);
  }

  private int run() throws Exception {
    if (instanceCounts.length == 0 || Arrays.stream(instanceCounts).anyMatch(n -> n < 1)) {
      throw new IllegalArgumentException("--instances takes counts >= 1, e.g. 1,2,3");
    }
    Path jar = LauncherProcess.locate();
    LOG.info("[group-bench] launcher jar {}; starting Kafka, influxd and the model service", jar);
    CompletableFuture<KafkaBroker> k = CompletableFuture.supplyAsync(KafkaBroker::start);
    CompletableFuture<InfluxDbServer> i = CompletableFuture.supplyAsync(InfluxDbServer::start);
    kafka = resources.closing(k.join());
    influx = resources.closing(i.join());
    model = resources.closing(ModelService.start());
    workDir = Files.createTempDirectory("group-bench-");
    resources.deleting(workDir);
    // the launchers' logs stay for inspection (target/group-bench below the working directory)
    logDir = Files.createDirectories(Path.of("target", "group-bench").toAbsolutePath());
    kafka.createTopic(TOPIC, PARTITIONS);

    // the backlog: whole 1/32 s ticks of 17 nurses, event times in the past
    long ticks = (records + NURSES - 1) / NURSES;
    long spanMillis = ticks * 1000 / HZ;
    long origin = System.currentTimeMillis() - spanMillis - 60_000;
    long produceStart = System.nanoTime();
    reference =
        BenchmarkRun.produceBacklog(
            kafka.bootstrapServers(), TOPIC, NURSES, HZ, origin, origin + spanMillis);
    LOG.info(
        String.format(
            Locale.ROOT,
            "[group-bench] backlog: %,d records on %d partitions, %,d due windows, produced in"
                + " %.1f s",
            reference.records(),
            PARTITIONS,
            reference.due().size(),
            (System.nanoTime() - produceStart) / 1e9));

    List<Drain> drains = new ArrayList<>();
    for (int n : instanceCounts) {
      drains.add(drain("n" + n, n, modelConcurrency));
    }
    Takeover takeover = kill ? takeover() : null;

    String table = table(drains, takeover);
    System.out.println(table);
    boolean ok =
        Stream.concat(
                drains.stream(), takeover == null ? Stream.empty() : Stream.of(takeover.drain()))
            .allMatch(d -> d.check().missing() == 0 && d.check().mismatches() == 0);
    if (takeover != null && Double.isNaN(takeover.reprocessedSeconds())) {
      ok = false;
    }
    return ok ? 0 : 1;
  }

  /**
   * Drains the backlog with {@code n} launchers in a fresh group and database: started, grouped,
   * triggered through one instance, timed until every due window is written.
   */
  private Drain drain(String label, int n, int concurrency) throws Exception {
    List<LauncherProcess> launchers = startGroup(label, n, concurrency, batchSize);
    try {
      LauncherProcess trigger = launchers.get(n - 1);
      long[] cpuBefore = launchers.stream().mapToLong(l -> cpuTicks(l.pid())).toArray();
      long start = System.nanoTime();
      trigger.setMode("force-fallback");
      LOG.info("[group-bench] {}: force-fallback sent to {}", label, trigger);
      long[] fallbackAt = new long[n];
      Arrays.fill(fallbackAt, -1);
      Map<Integer, Set<Integer>> partitions = new TreeMap<>();
      long[] doneAt = {-1};
      long due = reference.due().size();
      long[] lastLogged = {-1};
      awaitUntil(
          label + ": all " + due + " due windows written and every instance in FALLBACK",
          start,
          deadline,
          launchers,
          () -> {
            observe(launchers, fallbackAt, partitions);
            long points = count(dbOf(label));
            if (points >= due && doneAt[0] < 0) {
              doneAt[0] = System.nanoTime();
            }
            if (points / 1000 != lastLogged[0] / 1000) {
              LOG.info("[group-bench] {}: {} of {} windows", label, points, due);
              lastLogged[0] = points;
            }
            return doneAt[0] >= 0 && Arrays.stream(fallbackAt).allMatch(t -> t >= 0);
          });
      double cpu = 0;
      for (int i = 0; i < n; i++) {
        cpu += (cpuTicks(launchers.get(i).pid()) - cpuBefore[i]) / (double) TICKS_PER_SECOND;
      }
      long epoch = launchers.get(0).status().path("group").path("adopted_epoch").asLong(-1);
      Drain d =
          new Drain(
              label,
              n,
              (Arrays.stream(fallbackAt).max().orElseThrow() - start) / 1e9,
              (doneAt[0] - start) / 1e9,
              cpu,
              describe(partitions, n),
              epoch,
              OutputCheck.of(reference, InfluxPoints.read(influx.url(), dbOf(label), MEASUREMENT)));
      LOG.info(
          String.format(
              Locale.ROOT,
              "[group-bench] %s: %d instance(s), FALLBACK on all after %.2f s, all windows after"
                  + " %.2f s, partitions %s, missing %d, differing %d",
              label,
              n,
              d.allFallbackSeconds(),
              d.seconds(),
              d.partitions(),
              d.check().missing(),
              d.check().mismatches()));
      return d;
    } finally {
      stop(launchers);
    }
  }

  /**
   * Three instances drain a paced backlog; one is SIGKILLed mid-drain, and the take-over of its
   * partitions is timed from the moment it is dead.
   */
  private Takeover takeover() throws Exception {
    String label = "kill";
    model.faults(ModelService.Faults.latency(Duration.ofMillis(killModelLatencyMs)));
    List<LauncherProcess> launchers =
        startGroup(label, KILL_INSTANCES, killModelConcurrency, killBatchSize);
    try {
      String group = groupOf(label);
      long due = reference.due().size();
      long start = System.nanoTime();
      launchers.get(KILL_INSTANCES - 1).setMode("force-fallback");
      long[] fallbackAt = new long[KILL_INSTANCES];
      Arrays.fill(fallbackAt, -1);
      Map<Integer, Set<Integer>> partitions = new TreeMap<>();
      long[] cpuBefore = launchers.stream().mapToLong(l -> cpuTicks(l.pid())).toArray();

      // the victim: once every instance is in FALLBACK and the six partitions are split among the
      // three without overlap, the follower (or the decider) that has written points and has the
      // most left to read on each of its partitions
      int[] victimIndex = {-1};
      List<Integer> victimPartitions = new ArrayList<>();
      String[] tooLate = {null};
      awaitUntil(
          label + ": the assignment settled and the victim writing",
          start,
          deadline,
          launchers,
          () -> {
            List<JsonNode> statuses = observe(launchers, fallbackAt, partitions);
            if (Arrays.stream(fallbackAt).anyMatch(t -> t < 0) || !settled(statuses)) {
              return false;
            }
            Map<Integer, Long> ends = endOffsets(allPartitions());
            Map<Integer, Long> committed = committed(group, allPartitions());
            double best = -1;
            for (int i = 0; i < statuses.size(); i++) {
              JsonNode s = statuses.get(i);
              if (s.path("group").path("deciding").asBoolean() != killDecider
                  || s.path("activation").path("points_written").asLong() <= 0) {
                continue;
              }
              double left = 1;
              List<Integer> owned = new ArrayList<>();
              for (JsonNode p : s.path("group").path("partitions")) {
                long end = ends.get(p.asInt());
                owned.add(p.asInt());
                left = Math.min(left, (end - committed.getOrDefault(p.asInt(), 0L)) / (double) end);
              }
              if (left > best) {
                best = left;
                victimIndex[0] = i;
                victimPartitions.clear();
                victimPartitions.addAll(owned);
              }
            }
            if (victimIndex[0] < 0) {
              return false;
            }
            if (best < 0.1) {
              tooLate[0] =
                  String.format(
                      Locale.ROOT,
                      "every candidate's partitions are almost drained already (at most %.0f %% left"
                          + " on %s): raise --kill-model-latency-ms or --records so that the kill"
                          + " falls mid-drain",
                      best * 100,
                      victimPartitions);
            }
            return true;
          });
      if (tooLate[0] != null) {
        throw new IllegalStateException(label + ": " + tooLate[0]);
      }
      LauncherProcess victim = launchers.get(victimIndex[0]);
      String victimId = instanceId(victim);
      Map<Integer, Long> ends = endOffsets(victimPartitions);
      long victimTicks = cpuTicks(victim.pid());
      long killStart = System.nanoTime();
      victim.kill();
      long dead = System.nanoTime();
      Map<Integer, Long> atKill = committed(group, victimPartitions);
      long pointsAtKill = count(dbOf(label));
      LOG.info(
          "[group-bench] {}: SIGKILLed {} ({}) {} s after the trigger; its partitions {}, committed"
              + " offsets at the kill {} of {}; {} of {} windows written",
          label,
          victimId,
          victim,
          String.format(Locale.ROOT, "%.2f", (killStart - start) / 1e9),
          victimPartitions,
          atKill,
          ends,
          pointsAtKill,
          due);

      List<LauncherProcess> survivors = new ArrayList<>(launchers);
      survivors.remove(victim);
      long[] listedAt = {-1};
      long[] reprocessedAt = {-1};
      long[] doneAt = {-1};
      Map<Integer, String> newOwners = new TreeMap<>();
      Set<Integer> wanted = new TreeSet<>(victimPartitions);
      Map<Integer, Set<Integer>> survivorPartitions = new TreeMap<>();
      long[] survivorFallback = new long[survivors.size()];
      Arrays.fill(survivorFallback, -1);
      try {
        awaitUntil(
            label + ": the dead instance's partitions " + wanted + " processed again",
            dead,
            deadline,
            survivors,
            () -> {
              List<JsonNode> statuses = observe(survivors, survivorFallback, survivorPartitions);
              long now = System.nanoTime();
              if (listedAt[0] < 0) {
                for (JsonNode s : statuses) {
                  s.path("group")
                      .path("partitions")
                      .forEach(
                          p -> {
                            if (wanted.contains(p.asInt())) {
                              newOwners.put(p.asInt(), s.path("group").path("instance").asText());
                            }
                          });
                }
                if (newOwners.keySet().containsAll(wanted)) {
                  listedAt[0] = now;
                }
              }
              if (reprocessedAt[0] < 0) {
                Map<Integer, Long> c = committed(group, victimPartitions);
                if (wanted.stream()
                    .allMatch(p -> c.getOrDefault(p, -1L) > atKill.getOrDefault(p, -1L))) {
                  reprocessedAt[0] = now;
                  LOG.info("[group-bench] {}: committed offsets now {}", label, c);
                }
              }
              if (doneAt[0] < 0 && count(dbOf(label)) >= due) {
                doneAt[0] = now;
              }
              return listedAt[0] >= 0 && reprocessedAt[0] >= 0 && doneAt[0] >= 0;
            });
      } catch (IllegalStateException e) {
        LOG.error("[group-bench] {}: {}", label, e.getMessage());
      }
      double cpu = 0;
      for (int i = 0; i < launchers.size(); i++) {
        long ticks = i == victimIndex[0] ? victimTicks : cpuTicks(launchers.get(i).pid());
        cpu += (ticks - cpuBefore[i]) / (double) TICKS_PER_SECOND;
      }
      long epoch = survivors.get(0).status().path("group").path("adopted_epoch").asLong(-1);
      Drain d =
          new Drain(
              label,
              KILL_INSTANCES,
              (Arrays.stream(fallbackAt).max().orElseThrow() - start) / 1e9,
              doneAt[0] < 0 ? Double.NaN : (doneAt[0] - start) / 1e9,
              cpu,
              describe(partitions, KILL_INSTANCES),
              epoch,
              OutputCheck.of(reference, InfluxPoints.read(influx.url(), dbOf(label), MEASUREMENT)));
      Takeover t =
          new Takeover(
              d,
              victimId,
              killDecider,
              (killStart - start) / 1e9,
              pointsAtKill,
              List.copyOf(victimPartitions),
              atKill,
              ends,
              listedAt[0] < 0 ? Double.NaN : (listedAt[0] - dead) / 1e9,
              reprocessedAt[0] < 0 ? Double.NaN : (reprocessedAt[0] - dead) / 1e9,
              newOwners.toString());
      LOG.info(
          String.format(
              Locale.ROOT,
              "[group-bench] %s: partitions listed by a survivor %.2f s and committed beyond the"
                  + " kill %.2f s after the death; all windows %.2f s after the trigger; missing %d,"
                  + " differing %d",
              label,
              t.listedSeconds(),
              t.reprocessedSeconds(),
              d.seconds(),
              d.check().missing(),
              d.check().mismatches()));
      return t;
    } finally {
      stop(launchers);
      model.faults(ModelService.Faults.NONE);
    }
  }

  /**
   * Starts {@code n} launchers with one configuration (group {@code group-bench-<label>}, database
   * {@code group_bench_<label>}) at once and waits until they form one group: every instance's
   * {@code /status} lists {@code n} instances, exactly one decides.
   */
  private List<LauncherProcess> startGroup(String label, int n, int concurrency, int batch)
      throws IOException, InterruptedException {
    influx.createDatabase(dbOf(label));
    Path config = workDir.resolve("group-bench-" + label + ".yaml");
    Files.writeString(config, yaml(label, concurrency, batch));
    Path jar = LauncherProcess.locate();
    List<CompletableFuture<LauncherProcess>> starting = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      String name = label + "-" + i;
      // the kit gives each process a free status port (FALLBACK_SERVER_PORT): the instance ids
      // (<host>-<port>) and the static consumer memberships are distinct
      starting.add(
          CompletableFuture.supplyAsync(
              () ->
                  resources.closing(
                      LauncherProcess.builder(jar, config)
                          .name(name)
                          .token(TOKEN)
                          .logFile(logDir.resolve(name + ".log"))
                          .startTimeout(Duration.ofSeconds(90))
                          .stopGrace(Duration.ofSeconds(20))
                          .start())));
    }
    List<LauncherProcess> launchers = new ArrayList<>();
    try {
      for (CompletableFuture<LauncherProcess> f : starting) {
        launchers.add(f.get());
      }
    } catch (ExecutionException e) {
      stop(launchers);
      throw new IllegalStateException(label + ": a launcher did not start", e.getCause());
    }
    long t0 = System.nanoTime();
    awaitUntil(
        label + ": " + n + " instance(s) forming one group",
        t0,
        GROUP_FORMED_TIMEOUT,
        launchers,
        () -> {
          int deciding = 0;
          for (LauncherProcess l : launchers) {
            JsonNode g = l.status().path("group");
            if (g.path("instances").size() != n) {
              return false;
            }
            deciding += g.path("deciding").asBoolean() ? 1 : 0;
          }
          return deciding == 1;
        });
    LOG.info(
        "[group-bench] {}: {} instance(s) grouped {} s after all answered /status; logs in {}",
        label,
        n,
        String.format(Locale.ROOT, "%.2f", (System.nanoTime() - t0) / 1e9),
        logDir);
    return launchers;
  }

  private String yaml(String label, int concurrency, int batch) {
    return String.join(
        "\n",
        "kafka:",
        "  bootstrap_servers: \"" + kafka.bootstrapServers() + "\"",
        "  topic: " + TOPIC,
        "  group_id: " + groupOf(label),
        "  auto_offset_reset: earliest",
        "processing:",
        "  batch_size: " + batch,
        "  batch_timeout_seconds: 0.2",
        // PRIMARY until the override: no health probe, a threshold the backlog never reaches
        "monitoring:",
        "  latency_threshold_seconds: 86400",
        "  check_interval_seconds: 60",
        "  primary_group_id: group-bench-no-primary",
        "  health_probe: none",
        "ml_service:",
        "  endpoint: \"" + model.predictUrl() + "\"",
        "  max_concurrency: " + concurrency,
        "influxdb:",
        "  url: \"" + influx.url() + "\"",
        "  database: " + dbOf(label),
        "  measurement: " + MEASUREMENT,
        "  source_tag: " + SOURCE,
        "group:",
        "  enabled: true",
        "  session_timeout_seconds: " + sessionTimeoutSeconds,
        "");
  }

  private static String groupOf(String label) {
    return "group-bench-" + label;
  }

  private static String dbOf(String label) {
    return "group_bench_" + label;
  }

  /**
   * Reads every instance's {@code /status}: the first time each reports FALLBACK goes into {@code
   * fallbackAt}, every partition it lists into its set in {@code partitions}.
   *
   * @return the statuses, in the order of {@code launchers}
   */
  private static List<JsonNode> observe(
      List<LauncherProcess> launchers, long[] fallbackAt, Map<Integer, Set<Integer>> partitions) {
    List<JsonNode> statuses = new ArrayList<>(launchers.size());
    for (int i = 0; i < launchers.size(); i++) {
      JsonNode s = launchers.get(i).status();
      statuses.add(s);
      if (fallbackAt[i] < 0 && "FALLBACK".equals(s.path("mode").asText())) {
        fallbackAt[i] = System.nanoTime();
      }
      Set<Integer> seen = partitions.computeIfAbsent(i, k -> new TreeSet<>());
      s.path("group").path("partitions").forEach(p -> seen.add(p.asInt()));
    }
    return statuses;
  }

  /** Whether the instances' partitions cover the topic, each partition exactly once. */
  private static boolean settled(List<JsonNode> statuses) {
    List<Integer> all = new ArrayList<>();
    for (JsonNode s : statuses) {
      JsonNode owned = s.path("group").path("partitions");
      if (owned.isEmpty()) {
        return false;
      }
      owned.forEach(p -> all.add(p.asInt()));
    }
    return all.size() == PARTITIONS && new TreeSet<>(all).size() == PARTITIONS;
  }

  private static String instanceId(LauncherProcess l) {
    return l.status().path("group").path("instance").asText("?");
  }

  /** Per instance, in start order, the partitions its {@code /status} listed at some point. */
  private static String describe(Map<Integer, Set<Integer>> partitions, int instances) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      Set<Integer> p = partitions.getOrDefault(i, Set.of());
      out.add(p.isEmpty() ? "-" : p.stream().map(String::valueOf).collect(Collectors.joining(",")));
    }
    return String.join(" / ", out);
  }

  /**
   * Polls {@code done} every 100 ms until it holds; fails when {@code timeout} since {@code start}
   * has passed or a watched launcher exited, quoting the launchers' last log lines.
   *
   * @return when it held ({@link System#nanoTime()})
   */
  private static long awaitUntil(
      String what,
      long start,
      Duration timeout,
      List<LauncherProcess> watched,
      BooleanSupplier done)
      throws InterruptedException {
    long end = start + timeout.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < end) {
      for (LauncherProcess l : watched) {
        l.ensureRunning();
      }
      try {
        if (done.getAsBoolean()) {
          return System.nanoTime();
        }
        last = null;
      } catch (RuntimeException e) {
        // a /status or a query that did not answer this time: poll again
        last = e;
      }
      Thread.sleep(POLL.toMillis());
    }
    StringBuilder sb =
        new StringBuilder("timed out after ")
            .append(timeout.toSeconds())
            .append(" s waiting for ")
            .append(what);
    if (last != null) {
      sb.append(" (last error: ").append(last).append(')');
    }
    for (LauncherProcess l : watched) {
      sb.append("\n--- ").append(l).append(":\n");
      l.lastLines(15).forEach(line -> sb.append(line).append('\n'));
    }
    throw new IllegalStateException(sb.toString());
  }

  /** Points in a database (one count query). */
  private long count(String database) {
    String body =
        influx.query(database, "SELECT count(\"stress_level\") FROM \"" + MEASUREMENT + "\"");
    try {
      JsonNode values =
          JSON.readTree(body).path("results").path(0).path("series").path(0).path("values");
      return values.isMissingNode() || values.isEmpty() ? 0 : values.path(0).path(1).asLong();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The committed offsets of some of the topic's partitions in a group (absent: none). */
  private Map<Integer, Long> committed(String group, List<Integer> partitions) {
    try {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          kafka.admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      Map<Integer, Long> out = new TreeMap<>();
      for (int p : partitions) {
        OffsetAndMetadata o = offsets.get(new TopicPartition(TOPIC, p));
        if (o != null) {
          out.put(p, o.offset());
        }
      }
      return out;
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot read the offsets of " + group, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The end offsets of some of the topic's partitions. */
  private Map<Integer, Long> endOffsets(List<Integer> partitions) {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    partitions.forEach(p -> request.put(new TopicPartition(TOPIC, p), OffsetSpec.latest()));
    Map<Integer, Long> out = new TreeMap<>();
    try {
      kafka
          .admin()
          .listOffsets(request)
          .all()
          .get()
          .forEach((tp, info) -> out.put(tp.partition(), info.offset()));
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot read the end offsets of " + TOPIC, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    return out;
  }

  private static List<Integer> allPartitions() {
    List<Integer> all = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      all.add(p);
    }
    return all;
  }

  /** The table of all runs, the take-over and the machine. */
  private String table(List<Drain> drains, Takeover takeover) {
    long total = reference.records();
    int due = reference.due().size();
    int cores = Runtime.getRuntime().availableProcessors();
    Drain base = drains.get(0);
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "%nGroup drain: %,d records, %,d due windows (%d nurses x %d Hz, %d partitions),"
                + " batch_size %d, max_concurrency %d per instance, group.session_timeout_seconds"
                + " %d; %d cores (nproc), load average at end %s%n",
            total,
            due,
            NURSES,
            HZ,
            PARTITIONS,
            batchSize,
            modelConcurrency,
            sessionTimeoutSeconds,
            cores,
            BenchmarkRun.loadAverage()));
    out.append(
        String.format(
            Locale.ROOT,
            "| %-35s | %9s | %8s | %10s | %8s | %9s | %14s | %s | %5s | %7s | %9s |%n",
            "run",
            "FALLBACK",
            "seconds",
            "records/s",
            "/ " + base.instances() + " inst",
            "windows/s",
            "launcher CPU-s",
            "partitions",
            "epoch",
            "missing",
            "differing"));
    out.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Drain d : drains) {
      out.append(
          row(
              d.instances() + (d.instances() == 1 ? " instance" : " instances"),
              d,
              String.format(Locale.ROOT, "%.2fx", base.seconds() / d.seconds())));
    }
    if (takeover != null) {
      out.append(row("3, one SIGKILLed (paced, see below)", takeover.drain(), ""));
    }
    out.append(
        "FALLBACK = seconds from POST /mode?mode=force-fallback (sent to the last instance started)"
            + " until every instance's /status reports FALLBACK; seconds = from that request until"
            + " InfluxDB holds every due window (consumer group joins and rebalances included);"
            + " records/s = backlog / seconds; launcher CPU-s = the launcher processes' own CPU"
            + " over that time; partitions = per instance, in start order, the data partitions its"
            + " /status listed at some point of the drain ('-': none before the drain ended: the"
            + " first instance in FALLBACK reads every partition until the others have joined);"
            + " epoch = the decision epoch the instances follow at the end.\n");
    if (takeover != null) {
      StringBuilder offsets = new StringBuilder();
      for (int p : takeover.partitions()) {
        Long c = takeover.committedAtKill().get(p);
        offsets
            .append(offsets.length() == 0 ? "" : ", ")
            .append('p')
            .append(p)
            .append(' ')
            .append(c == null ? "none" : String.format(Locale.ROOT, "%,d", c))
            .append(String.format(Locale.ROOT, " of %,d", takeover.endOffsets().get(p)));
      }
      out.append(
          String.format(
              Locale.ROOT,
              "death to reprocessing: %s %s SIGKILLed %.2f s after the trigger (%,d of %,d windows"
                  + " written); its partitions, committed offset at the kill of end offset: %s."
                  + " Another instance's /status listed all of them %s s after the death (new"
                  + " owners %s); each had a committed offset beyond its value at the kill %s s"
                  + " after the death; all windows written %s s after the trigger.%n",
              takeover.victimDecided() ? "the decider" : "the follower",
              takeover.victim(),
              takeover.killAtSeconds(),
              takeover.pointsAtKill(),
              due,
              offsets,
              seconds(takeover.listedSeconds()),
              takeover.newOwners(),
              seconds(takeover.reprocessedSeconds()),
              seconds(takeover.drain().seconds())));
      out.append(
          String.format(
              Locale.ROOT,
              "the dead instance's partitions move only after the group session timeout"
                  + " (group.session_timeout_seconds: %d, also the fallback consumer's"
                  + " session.timeout.ms; the broker's minimum is 6 s); the rest is the rebalance,"
                  + " then the new owner's batches in flight and its first batch of them, written"
                  + " and committed. The kill run is paced (model service answering after %d ms,"
                  + " %d calls in flight and batch_size %d per instance) so that the kill falls"
                  + " mid-drain; its seconds do not compare with the rows above.%n",
              sessionTimeoutSeconds,
              killModelLatencyMs,
              killModelConcurrency,
              killBatchSize));
    }
    out.append(
        String.format(
            Locale.ROOT,
            "on this machine (%d cores) the broker, influxd, the model stub and every launcher JVM"
                + " share the same cores: on 2 cores more instances show the coordination overhead"
                + " (more JVMs, group joins and rebalances, the decision topic), not a speed-up;"
                + " a speed-up needs instances on their own cores or machines.%n",
            cores));
    out.append("launcher logs: ").append(logDir).append('\n');
    return out.toString();
  }

  private String row(String name, Drain d, String ratio) {
    return String.format(
        Locale.ROOT,
        "| %-35s | %9.2f | %8s | %10s | %8s | %9s | %14.2f | %s | %5d | %7d | %9d |%n",
        name,
        d.allFallbackSeconds(),
        Double.isNaN(d.seconds()) ? "-" : String.format(Locale.ROOT, "%.2f", d.seconds()),
        rate(reference.records(), d.seconds()),
        ratio,
        rate(reference.due().size(), d.seconds()),
        d.launcherCpuSeconds(),
        d.partitions(),
        d.epoch(),
        d.check().missing(),
        d.check().mismatches());
  }

  private static String seconds(double s) {
    return Double.isNaN(s) ? "(not within the deadline)" : String.format(Locale.ROOT, "%.2f", s);
  }

  private static String rate(long n, double seconds) {
    return Double.isNaN(seconds) ? "-" : String.format(Locale.ROOT, "%,.0f", n / seconds);
  }

  /** utime + stime of a process in clock ticks, 0 where {@code /proc} cannot be read. */
  private static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // fields after the command (which may hold spaces) start after the last ')'
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** Stops launchers as an operator would (SIGTERM), all at once. */
  private static void stop(List<LauncherProcess> launchers) {
    CompletableFuture.allOf(
            launchers.stream()
                .map(l -> CompletableFuture.runAsync(l::close))
                .toArray(CompletableFuture[]::new))
        .exceptionally(
            e -> {
              LOG.warn("[group-bench] error stopping a launcher: {}", e.toString());
              return null;
            })
        .join();
  }
}
