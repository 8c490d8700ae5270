package io.fallback.examples;

import io.fallback.core.Checkpoint;
import io.fallback.core.FallbackListener;
import io.fallback.core.Health;
import io.fallback.core.HealthProbe;
import io.fallback.core.LatencySource;
import io.fallback.core.Sink;
import io.fallback.core.loop.FallbackLoop;
import io.fallback.core.loop.LoopSettings;
import io.fallback.core.mode.CheckVerdict;
import io.fallback.core.mode.ModePolicy;
import io.fallback.core.mode.ModeState;
import io.fallback.core.mode.ModeStateMachine;
import io.fallback.core.mode.Observation;
import io.fallback.core.mode.Transition;
import io.fallback.core.supervisor.FallbackSupervisor;
import io.fallback.core.supervisor.LoopRunner;
import io.fallback.core.supervisor.Scheduler;
import io.fallback.core.testing.InMemoryBatchSource;
import io.fallback.core.window.Reading;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.core.window.WindowStage;
import java.time.Duration;
import java.time.InstantSource;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A simulation of the whole fallback cycle in about 40 seconds, with the real core (supervisor,
 * state machine, loop, windows) and simulated parts around it: an in-memory topic with 2
 * partitions, a scripted primary that processes the topic with the same windows, stalls, and
 * recovers, and an in-memory sink. It prints the seed's log lines, then checks the outputs: every
 * window with input written once, fallback windows equal to a reference computed from the produced
 * records.
 *
 * <p>The Kafka, InfluxDB, Flink and model-service adapters replace the simulated parts in the
 * drill.
 */
public final class SimulationDemo {

  private static final WindowSpec SPEC =
      new WindowSpec(Duration.ofSeconds(5), Duration.ofSeconds(1), WindowSpec.NURSE_FIELDS);
  private static final int NURSES = 4;
  private static final int HZ = 32;

  private final InstantSource clock = InstantSource.system();
  private final InMemoryBatchSource.Log<Reading> topic = new InMemoryBatchSource.Log<>(2);
  private final InMemoryBatchSource.Log<Reading> fallbackGroup = topic;
  private final Map<String, ScoredWindow> points = new ConcurrentHashMap<>();
  private final Map<String, String> pointSource = new ConcurrentHashMap<>();
  private final List<String> duplicates = new ArrayList<>();
  private int conflicting;
  private final SimulatedPrimary primary = new SimulatedPrimary();

  /**
   * Runs the simulation.
   *
   * @param args ignored
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    int failures = new SimulationDemo().run();
    System.exit(failures == 0 ? 0 : 1);
  }

  private static void log(String level, String message) {
    System.out.printf("%s %-5s %s%n", LocalTime.now(ZoneOffset.UTC).withNano(0), level, message);
  }

  /** The deterministic demo model: stress level from the mean heart rate. */
  static int stressLevel(WindowResult w) {
    float hr = w.mean(4);
    return hr < 80 ? 0 : hr < 100 ? 1 : 2;
  }

  int run() throws Exception {
    ScheduledExecutorService threads = Executors.newScheduledThreadPool(3);
    Random random = new Random(42);
    long startMillis = clock.millis();
    threads.scheduleAtFixedRate(() -> produce(random), 0, 1000 / HZ, TimeUnit.MILLISECONDS);
    threads.scheduleAtFixedRate(primary::process, 200, 200, TimeUnit.MILLISECONDS);

    FallbackListener listener = new SeedLines();
    LoopRunner runner =
        new LoopRunner(
            () -> {
              // hand-over: start from the primary's committed position (the Kafka adapter reads the
              // primary group's offsets; here the simulated primary shares its checkpoints)
              Map<Integer, Checkpoint> own = fallbackGroup.committed();
              Map<Integer, Checkpoint> start = new HashMap<>();
              primary
                  .committed()
                  .forEach(
                      (p, c) -> {
                        Checkpoint mine = own.get(p);
                        if (mine == null || mine.offset() < c.offset()) {
                          start.put(p, c);
                        }
                      });
              fallbackGroup.commit(start);
              return new FallbackLoop<>(
                  new InMemoryBatchSource<>(fallbackGroup, 1000, SimulationDemo::sleep),
                  new WindowStage(SPEC),
                  windows ->
                      windows.stream().map(w -> new ScoredWindow(w, stressLevel(w))).toList(),
                  write("dask-fallback"),
                  listener,
                  clock,
                  new LoopSettings(
                      Duration.ofMillis(500), Duration.ofMillis(200), Duration.ofSeconds(2)));
            },
            listener);
    ModePolicy policy =
        new ModePolicy(Duration.ofSeconds(4), 3, Duration.ofSeconds(2), 1, Duration.ofSeconds(5));
    FallbackSupervisor supervisor =
        FallbackSupervisor.builder()
            .policy(policy)
            .latencySource(primary)
            .healthProbe(primary)
            .activity(runner)
            .listener(listener)
            .clock(clock)
            .scheduler(Scheduler.of(threads))
            .probeExecutor(threads)
            .checkInterval(Duration.ofSeconds(1))
            .probeTimeout(Duration.ofMillis(500))
            .build();
    log(
        "INFO",
        "Simulation: 4 nurses at 32 Hz on a 2-partition in-memory topic; primary stalls at 8 s, recovers at 24 s");
    supervisor.start();

    sleep(Duration.ofSeconds(8));
    primary.stalled = true;
    log("WARN", "[simulation] the primary job is cancelled");
    sleep(Duration.ofSeconds(16));
    primary.stalled = false;
    log("WARN", "[simulation] the primary job is restarted from its checkpoint");
    sleep(Duration.ofSeconds(12));
    producing = false;
    sleep(Duration.ofSeconds(8)); // let the last windows close
    supervisor.close();
    runner.close(Duration.ofSeconds(10));
    threads.shutdownNow();
    threads.awaitTermination(5, TimeUnit.SECONDS);
    return verify(startMillis);
  }

  private volatile boolean producing = true;
  private final long[] seq = new long[NURSES];

  private void produce(Random random) {
    if (!producing) {
      return;
    }
    long now = clock.millis();
    for (int n = 0; n < NURSES; n++) {
      float[] v = {
        (float) (random.nextGaussian() * 10 + 20),
        (float) (random.nextGaussian() * 10 + 20),
        (float) (random.nextGaussian() * 10 + 20),
        0.1f + random.nextFloat() * 4.9f,
        60 + random.nextFloat() * 70,
        30 + random.nextFloat() * 6
      };
      topic.append(n % 2, new Reading("nurse-" + n, now, v));
      seq[n]++;
    }
  }

  private Sink<ScoredWindow> write(String source) {
    return outputs -> {
      for (ScoredWindow s : outputs) {
        String id = s.window().key() + "@" + s.window().start();
        String before = pointSource.putIfAbsent(id, source);
        ScoredWindow previous = points.put(id, s);
        if (before != null) {
          synchronized (duplicates) {
            duplicates.add(id + " by " + before + " and " + source);
            if (!s.equals(previous)) {
              conflicting++;
            }
          }
        }
      }
    };
  }

  private int verify(long startMillis) {
    WindowStage reference = new WindowStage(SPEC);
    Map<String, WindowResult> expected = new HashMap<>();
    for (int p = 0; p < topic.partitionCount(); p++) {
      reference.assigned(p, Optional.empty());
      for (long o = 0; o < topic.size(p); o++) {
        reference.add(p, o, topic.read(p, o));
      }
    }
    for (WindowResult w : reference.drainFired()) {
      expected.put(w.key() + "@" + w.start(), w);
    }
    long fromFallback = pointSource.values().stream().filter("dask-fallback"::equals).count();
    long missing = expected.keySet().stream().filter(id -> !points.containsKey(id)).count();
    long mismatches =
        expected.entrySet().stream()
            .filter(e -> points.containsKey(e.getKey()))
            .filter(e -> !points.get(e.getKey()).window().equals(e.getValue()))
            .count();
    System.out.println();
    System.out.println("| check                                  | value |");
    System.out.println("|----------------------------------------|-------|");
    System.out.printf(
        Locale.ROOT, "| complete windows with input            | %5d |%n", expected.size());
    System.out.printf(
        Locale.ROOT,
        "| written by the primary                 | %5d |%n",
        expected.size() - fromFallback);
    System.out.printf(
        Locale.ROOT, "| written by the fallback                | %5d |%n", fromFallback);
    System.out.printf(Locale.ROOT, "| missing                                | %5d |%n", missing);
    System.out.printf(
        Locale.ROOT, "| written by both sources (overlap)      | %5d |%n", duplicates.size());
    System.out.printf(
        Locale.ROOT, "| of which with different values         | %5d |%n", conflicting);
    System.out.printf(
        Locale.ROOT, "| mismatches against the reference       | %5d |%n", mismatches);
    System.out.printf(
        Locale.ROOT,
        "| wall time                              | %4ds |%n",
        (clock.millis() - startMillis) / 1000);
    int failures = 0;
    if (missing > 0 || mismatches > 0 || conflicting > 0 || fromFallback == 0) {
      System.out.println(
          "FAILED: missing, mismatching or conflicting windows, or no fallback output");
      failures++;
    }
    return failures;
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A scripted primary: processes the topic with the same windows, commits its positions, and
   * reports its own latency and health. While stalled it processes nothing and reports the job
   * cancelled.
   */
  private final class SimulatedPrimary implements LatencySource, HealthProbe {
    volatile boolean stalled;
    private final WindowStage stage = new WindowStage(SPEC);
    private final long[] position = new long[2];
    private final Map<Integer, Checkpoint> committed = new ConcurrentHashMap<>();

    SimulatedPrimary() {
      stage.assigned(0, Optional.empty());
      stage.assigned(1, Optional.empty());
    }

    synchronized void process() {
      if (stalled) {
        return;
      }
      for (int p = 0; p < 2; p++) {
        while (position[p] < topic.size(p)) {
          stage.add(p, position[p], topic.read(p, position[p]));
          position[p]++;
        }
      }
      Sink<ScoredWindow> sink = write("flink");
      List<WindowResult> fired = stage.drainFired();
      if (!fired.isEmpty()) {
        sink.write(fired.stream().map(w -> new ScoredWindow(w, stressLevel(w))).toList());
      }
      committed.putAll(stage.checkpoints());
    }

    Map<Integer, Checkpoint> committed() {
      return Map.copyOf(committed);
    }

    @Override
    public synchronized Optional<Duration> currentLatency() {
      long oldest = Long.MAX_VALUE;
      for (int p = 0; p < 2; p++) {
        if (position[p] < topic.size(p)) {
          oldest = Math.min(oldest, topic.read(p, position[p]).eventTime());
        }
      }
      return Optional.of(
          oldest == Long.MAX_VALUE ? Duration.ZERO : Duration.ofMillis(clock.millis() - oldest));
    }

    @Override
    public Health check() {
      return stalled
          ? Health.unhealthy("job nurse-stress is CANCELED")
          : Health.healthy("job nurse-stress is RUNNING");
    }

    @Override
    public String name() {
      return "simulated-primary";
    }
  }

  /** The seed's log lines, printed to the console. */
  private static final class SeedLines implements FallbackListener {
    @Override
    public void monitorStarted() {
      log("INFO", "Starting latency monitor...");
      log("INFO", "Monitoring Flink/Spark processing health...");
    }

    @Override
    public void checkCompleted(Observation o, CheckVerdict v, ModeState s) {
      switch (v.kind()) {
        case VIOLATION ->
            log("WARN", "Latency violation " + v.count() + "/" + v.limit() + ": " + v.reason());
        case OK -> {
          log("INFO", "Current processing latency: " + v.reason());
          log("INFO", "Flink is healthy");
        }
        case RECOVERING -> log("INFO", "Primary processing path is healthy");
        default -> {}
      }
    }

    @Override
    public void transitioned(Transition t) {
      if (t.to() == io.fallback.core.mode.Mode.FALLBACK) {
        log("ERROR", "TRIGGERING DASK FALLBACK MODE (" + t.cause() + ": " + t.detail() + ")");
      } else {
        log("INFO", "RESUMING PRIMARY PROCESSING MODE (" + t.cause() + ": " + t.detail() + ")");
      }
    }

    @Override
    public void fallbackStarting() {
      log("INFO", "Starting Dask fallback processor...");
    }

    @Override
    public void fallbackStopping() {
      log("INFO", "Stopping Dask fallback processor...");
    }

    @Override
    public void fallbackStopped(Throwable failure) {
      log(
          failure == null ? "INFO" : "ERROR",
          failure == null
              ? "Returned to primary processing path"
              : "Fallback processor failed: " + failure);
    }

    @Override
    public void batchCollected(int records, Duration took) {
      log("INFO", "Collected " + records + " messages in " + ModeStateMachine.seconds(took));
    }

    @Override
    public void batchProcessed(int windows, int outputs, Duration took) {
      log("INFO", "Processed batch in " + ModeStateMachine.seconds(took));
    }

    @Override
    public void batchWritten(int outputs, Duration took) {
      log("INFO", "Wrote " + outputs + " points to the in-memory sink");
    }
  }
}
