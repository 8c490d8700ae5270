package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The drill's sizes and compressed timings.
 *
 * @param nurses number of nurses
 * @param hz readings per second per nurse
 * @param seed the producer's seed
 * @param nullRate share of null numeric fields
 * @param backlog event-time span produced at once before the live stream starts
 * @param checkInterval the fallback's {@code check_interval_seconds}
 * @param violations {@code consecutive_violations}
 * @param threshold {@code latency_threshold_seconds}
 * @param resume {@code resume_threshold_seconds}
 * @param recoveries {@code consecutive_recoveries}
 * @param checkpointInterval the Flink job's checkpoint interval
 * @param outageAfterTrigger how long the Flink job stays cancelled after the fallback took over
 * @param slowRate records per second the slowed Flink job reads (scenario 2)
 * @param slowAfterTrigger how long Flink stays slow after the fallback took over
 * @param stepTimeout the longest wait for any step of the timeline
 * @param replay whether to run the replay (a second, forced fallback over the whole topic into its
 *     own database, compared with Flink point for point)
 * @param fastPath whether to run the fast-path launcher beside the main one (check every 60 s,
 *     health probes every 5 s, 3 confirmations): the blip and its cancel → trigger
 * @param shadowMode whether to relaunch the main launcher with {@code shadow.enabled} after the
 *     first cancel (a second cancel and the slow scenario then run with shadow mode) and to run a
 *     deliberately wrong shadow launcher
 * @param report where the Markdown report is written
 */
public record DrillSettings(
    int nurses,
    int hz,
    long seed,
    double nullRate,
    Duration backlog,
    Duration checkInterval,
    int violations,
    Duration threshold,
    Duration resume,
    int recoveries,
    Duration checkpointInterval,
    Duration outageAfterTrigger,
    double slowRate,
    Duration slowAfterTrigger,
    Duration stepTimeout,
    boolean replay,
    boolean fastPath,
    boolean shadowMode,
    Path report) {

  /**
   * Validates the components.
   *
   * @throws NullPointerException for a null component
   * @throws IllegalArgumentException for a non-positive size
   */
  public DrillSettings {
    requireNonNull(backlog, "backlog");
    requireNonNull(checkInterval, "checkInterval");
    requireNonNull(threshold, "threshold");
    requireNonNull(resume, "resume");
    requireNonNull(checkpointInterval, "checkpointInterval");
    requireNonNull(outageAfterTrigger, "outageAfterTrigger");
    requireNonNull(slowAfterTrigger, "slowAfterTrigger");
    requireNonNull(stepTimeout, "stepTimeout");
    requireNonNull(report, "report");
    if (nurses < 1 || hz < 1 || violations < 1 || recoveries < 1) {
      throw new IllegalArgumentException("nurses, hz, violations and recoveries must be >= 1");
    }
    if (slowRate <= 0 || slowRate >= (double) nurses * hz) {
      throw new IllegalArgumentException(
          "slowRate must be > 0 and below the input rate "
              + nurses * hz
              + "/s, but was "
              + slowRate);
    }
  }

  /**
   * The README demo: 8 nurses at 32 Hz (256 records/s) after a 5-minute backlog, check every 2 s,
   * threshold 10 s, resume below 5 s.
   *
   * @return the settings
   */
  public static DrillSettings demo() {
    return new DrillSettings(
        8,
        32,
        42,
        0.005,
        Duration.ofMinutes(5),
        Duration.ofSeconds(2),
        3,
        Duration.ofSeconds(10),
        Duration.ofSeconds(5),
        2,
        Duration.ofSeconds(2),
        Duration.ofSeconds(8),
        16,
        Duration.ofSeconds(6),
        Duration.ofSeconds(60),
        true,
        true,
        true,
        defaultReport());
  }

  /**
   * The CI-sized drill (DrillIT): 4 nurses, a 1-minute backlog, shorter outages, same thresholds.
   *
   * @return the settings
   */
  public static DrillSettings ci() {
    return new DrillSettings(
        4,
        32,
        7,
        0.005,
        Duration.ofSeconds(60),
        Duration.ofSeconds(2),
        3,
        Duration.ofSeconds(10),
        Duration.ofSeconds(5),
        2,
        Duration.ofSeconds(2),
        Duration.ofSeconds(5),
        12,
        Duration.ofSeconds(4),
        Duration.ofSeconds(60),
        true,
        true,
        true,
        defaultReport());
  }

  /**
   * Applies command-line options to these settings: {@code --ci}, {@code --nurses=N}, {@code
   * --seed=N}, {@code --no-replay} (also by its former name {@code --no-shadow}), {@code
   * --no-fast-path}, {@code --no-shadow-mode}, {@code --report=PATH}.
   *
   * @param args the options
   * @return the settings
   * @throws IllegalArgumentException for an unknown option
   */
  public static DrillSettings parse(String... args) {
    DrillSettings s = demo();
    for (String arg : args) {
      if (arg.equals("--ci")) {
        s = ci().withReport(s.report);
      }
    }
    for (String arg : args) {
      if (arg.equals("--ci") || arg.isBlank()) {
        continue;
      } else if (arg.startsWith("--nurses=")) {
        int n = Integer.parseInt(arg.substring("--nurses=".length()));
        s = s.copy(n, s.seed, s.replay, s.fastPath, s.shadowMode, s.report);
      } else if (arg.startsWith("--seed=")) {
        long seed = Long.parseLong(arg.substring("--seed=".length()));
        s = s.copy(s.nurses, seed, s.replay, s.fastPath, s.shadowMode, s.report);
      } else if (arg.equals("--no-replay") || arg.equals("--no-shadow")) {
        s = s.copy(s.nurses, s.seed, false, s.fastPath, s.shadowMode, s.report);
      } else if (arg.equals("--no-fast-path")) {
        s = s.copy(s.nurses, s.seed, s.replay, false, s.shadowMode, s.report);
      } else if (arg.equals("--no-shadow-mode")) {
        s = s.copy(s.nurses, s.seed, s.replay, s.fastPath, false, s.report);
      } else if (arg.startsWith("--report=")) {
        s = s.withReport(Path.of(arg.substring("--report=".length())));
      } else {
        throw new IllegalArgumentException(
            "unknown option '"
                + arg
                + "'; allowed: --ci, --nurses=N, --seed=N, --no-replay, --no-fast-path,"
                + " --no-shadow-mode, --report=PATH");
      }
    }
    return s;
  }

  /**
   * @param path where the Markdown report goes
   * @return a copy with that path
   */
  public DrillSettings withReport(Path path) {
    return copy(nurses, seed, replay, fastPath, shadowMode, path);
  }

  /** A copy with the components the options change; the rest stay as they are. */
  private DrillSettings copy(
      int nurses, long seed, boolean replay, boolean fastPath, boolean shadowMode, Path report) {
    return new DrillSettings(
        nurses,
        hz,
        seed,
        nullRate,
        backlog,
        checkInterval,
        violations,
        threshold,
        resume,
        recoveries,
        checkpointInterval,
        outageAfterTrigger,
        slowRate,
        slowAfterTrigger,
        stepTimeout,
        replay,
        fastPath,
        shadowMode,
        report);
  }

  /**
   * @return the scenarios the timeline runs: cancel and slow, and with shadow mode a second cancel
   */
  public int scenarioCount() {
    return shadowMode ? 3 : 2;
  }

  /**
   * @return records per second produced
   */
  public int inputRate() {
    return nurses * hz;
  }

  /**
   * {@code examples/target/drill-report.md} from the repository root, else {@code
   * target/drill-report.md}.
   */
  private static Path defaultReport() {
    return targetDirectory().resolve("drill-report.md");
  }

  /**
   * Where the drill keeps what it leaves behind (the report, the fallback launchers' configuration
   * files and logs): {@code examples/target} from the repository root, else {@code target} (the
   * examples module, as Maven runs it).
   *
   * @return the directory (it may not exist yet)
   */
  static Path targetDirectory() {
    Path fromRoot = Path.of("examples", "target");
    return fromRoot.toFile().isDirectory() ? fromRoot : Path.of("target");
  }
}
