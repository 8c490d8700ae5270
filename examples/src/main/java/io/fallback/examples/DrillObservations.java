package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import io.fallback.core.mode.Mode;
import java.time.Duration;
import java.util.List;

/**
 * Everything one drill run observed, as plain values: the input of {@link DrillChecks}. {@link
 * Drill} collects it from the servers, the launcher process and its own timeline; a test can make
 * it up.
 *
 * <p>Immutable and thread-safe (the lists are copied; {@link Reference}, the points and the writes
 * are immutable).
 *
 * @param settings the drill's sizes and timings (the report's title)
 * @param timeline what happened, with offsets from the drill's start
 * @param wallTime how long the drill took
 * @param failure why the timeline stopped early, or null
 * @param pipeline what the pipeline's servers showed at the end, or null when it did not start (no
 *     producer or no write recorder)
 * @param scenarios the faults of the primary, in the order they were run (a scenario stopped early
 *     has nulls where nothing was seen)
 * @param replay the replay run, or null when it did not run
 * @param launcher the main fallback launcher process at its end, or null when it was not started
 * @param unreadable why the observations could not be read (the exception's text), or null
 * @param fastPath the fast-path launcher's blip and cancel, or null when it did not run
 * @param shadowMode the main launcher's shadow mode, or null when it did not run
 * @param wrongShadow the deliberately wrong shadow launcher, or null when it did not run
 * @param otherLaunchers the other launcher processes at their end (the main launcher before its
 *     relaunch, the fast-path and the wrong shadow launchers)
 */
record DrillObservations(
    DrillSettings settings,
    List<String> timeline,
    Duration wallTime,
    String failure,
    Pipeline pipeline,
    List<Scenario> scenarios,
    Replay replay,
    Launcher launcher,
    String unreadable,
    FastPath fastPath,
    ShadowMode shadowMode,
    WrongShadow wrongShadow,
    List<Launcher> otherLaunchers) {

  /**
   * Copies the lists.
   *
   * @throws NullPointerException for a null settings, timeline, wall time or list
   */
  DrillObservations {
    requireNonNull(settings, "settings");
    timeline = List.copyOf(timeline);
    requireNonNull(wallTime, "wallTime");
    scenarios = List.copyOf(scenarios);
    otherLaunchers = List.copyOf(otherLaunchers);
  }

  /**
   * Observations of a run without the fast path, shadow mode and other launchers.
   *
   * @param settings the drill's sizes and timings
   * @param timeline what happened
   * @param wallTime how long the drill took
   * @param failure why the timeline stopped early, or null
   * @param pipeline what the pipeline's servers showed, or null
   * @param scenarios the faults of the primary
   * @param replay the replay run, or null
   * @param launcher the main launcher process at its end, or null
   * @param unreadable why the observations could not be read, or null
   */
  DrillObservations(
      DrillSettings settings,
      List<String> timeline,
      Duration wallTime,
      String failure,
      Pipeline pipeline,
      List<Scenario> scenarios,
      Replay replay,
      Launcher launcher,
      String unreadable) {
    this(
        settings,
        timeline,
        wallTime,
        failure,
        pipeline,
        scenarios,
        replay,
        launcher,
        unreadable,
        null,
        null,
        null,
        List.of());
  }

  /**
   * What Kafka, InfluxDB and the model service showed at the end of the timeline.
   *
   * @param reference the expected windows, from what the producer had acknowledged
   * @param producerFailures records the producer failed to send
   * @param stored the points of the drill's database (every source)
   * @param writes every point InfluxDB acknowledged through the {@link InfluxWriteRecorder}, in
   *     arrival order (the replay run's too)
   * @param deadLetters records in the fallback's dead-letter topic
   * @param refusedWrites write requests InfluxDB did not acknowledge
   * @param primaryPredictions model predictions asked by Flink
   * @param fallbackPredictions model predictions asked by the fallback launchers
   * @param injectedModelErrors 503 answers the model service injected
   */
  record Pipeline(
      Reference reference,
      long producerFailures,
      List<InfluxPoints.Point> stored,
      List<InfluxWriteRecorder.Write> writes,
      long deadLetters,
      long refusedWrites,
      long primaryPredictions,
      long fallbackPredictions,
      long injectedModelErrors) {

    /**
     * Copies the lists.
     *
     * @throws NullPointerException for a null reference or list
     */
    Pipeline {
      requireNonNull(reference, "reference");
      stored = List.copyOf(stored);
      writes = List.copyOf(writes);
    }
  }

  /**
   * One fault of the primary, all times in epoch milliseconds of the drill's clock.
   *
   * @param name the scenario ({@code cancel}, {@code slow})
   * @param fault when the fault was injected
   * @param recovery when the primary was given back its means (restarted, unthrottled), or 0 before
   *     that
   * @param triggeredAt when the watcher saw the transition to FALLBACK, or null when it did not
   *     happen
   * @param handedBackAt when the watcher saw the transition back to PRIMARY, or null when it did
   *     not happen
   * @param episode the stay in FALLBACK with its {@code activation}, or null when not seen
   * @param shadowMode whether the main launcher ran with {@code shadow.enabled}
   */
  record Scenario(
      String name,
      long fault,
      long recovery,
      Long triggeredAt,
      Long handedBackAt,
      ModeWatcher.Episode episode,
      boolean shadowMode) {

    /**
     * Validates the name.
     *
     * @throws NullPointerException for a null name
     */
    Scenario {
      requireNonNull(name, "name");
    }

    /**
     * A scenario without shadow mode.
     *
     * @param name the scenario
     * @param fault when the fault was injected
     * @param recovery when the primary was given back its means, or 0
     * @param triggeredAt when the transition to FALLBACK was seen, or null
     * @param handedBackAt when the transition back to PRIMARY was seen, or null
     * @param episode the stay in FALLBACK, or null
     */
    Scenario(
        String name,
        long fault,
        long recovery,
        Long triggeredAt,
        Long handedBackAt,
        ModeWatcher.Episode episode) {
      this(name, fault, recovery, triggeredAt, handedBackAt, episode, false);
    }
  }

  /**
   * The fast-path launcher (check every 60 s, health probes every 5 s, 3 confirmations) beside the
   * main one: a one-probe blip of the primary, then the first cancel.
   *
   * @param injections failures injected into the Flink job until a probe saw one (0: the blip did
   *     not run)
   * @param unhealthyProbes the fast launcher's {@code
   *     fallback_health_probes_total{result="unhealthy"}} rise during the blip
   * @param healthyAfter whether a healthy probe followed
   * @param fastTransitions transitions the fast launcher made during the blip
   * @param mainTransitions transitions the main launcher made during the blip
   * @param fastMode the fast launcher's mode after the blip, or null
   * @param mainMode the main launcher's mode after the blip, or null
   * @param probeLines the fast launcher's log lines about its probes during the blip ({@code Flink
   *     health probe unhealthy 1/3: ...}, {@code ... healthy again: ...})
   * @param cancelFault when the first cancel was injected, epoch milliseconds, or 0 when not run
   * @param triggeredAt when the fast launcher's transition to FALLBACK was seen, or null
   * @param trigger that transition, or null
   */
  record FastPath(
      int injections,
      long unhealthyProbes,
      boolean healthyAfter,
      int fastTransitions,
      int mainTransitions,
      Mode fastMode,
      Mode mainMode,
      List<String> probeLines,
      long cancelFault,
      Long triggeredAt,
      ModeWatcher.StatusTransition trigger) {

    /**
     * Copies the list.
     *
     * @throws NullPointerException for a null list
     */
    FastPath {
      probeLines = List.copyOf(probeLines);
    }
  }

  /**
   * The main launcher's shadow mode ({@code shadow.enabled}, the correct configuration).
   *
   * @param steady its {@code shadow} section in steady state, before the first fault with shadow
   *     mode, or null when not read
   * @param end its {@code shadow} section when it was stopped, or null when not read
   */
  record ShadowMode(ModeWatcher.ShadowStatus steady, ModeWatcher.ShadowStatus end) {}

  /**
   * A shadow launcher with a deliberately wrong configuration, beside a healthy primary.
   *
   * @param wrongSetting what is wrong in its configuration, in words
   * @param milestones when its first comparison and first difference were seen
   * @param last its last {@code shadow} section, or null when not read
   * @param differenceLines its log's {@code Shadow difference:} lines
   * @param alertLines its log's {@code Shadow: the fallback would not produce ...} lines
   */
  record WrongShadow(
      String wrongSetting,
      ModeWatcher.ShadowMilestones milestones,
      ModeWatcher.ShadowStatus last,
      List<String> differenceLines,
      List<String> alertLines) {

    /**
     * Copies the lists.
     *
     * @throws NullPointerException for a null setting, milestones or list
     */
    WrongShadow {
      requireNonNull(wrongSetting, "wrongSetting");
      requireNonNull(milestones, "milestones");
      differenceLines = List.copyOf(differenceLines);
      alertLines = List.copyOf(alertLines);
    }
  }

  /**
   * The replay run: a second, forced launcher over the whole topic into its own database.
   *
   * @param start when it was forced into FALLBACK, epoch milliseconds
   * @param points the points of its database
   * @param activation the {@code activation} of its {@code /status} at the end, or null when absent
   */
  record Replay(long start, List<InfluxPoints.Point> points, ModeWatcher.Activation activation) {

    /**
     * Copies the points.
     *
     * @throws NullPointerException for null points
     */
    Replay {
      points = List.copyOf(points);
    }
  }

  /**
   * A fallback launcher process as seen from outside, after it was stopped.
   *
   * @param name the drill's name for it ({@code fallback}, {@code fast}, {@code wrong-shadow})
   * @param jar the jar's file name
   * @param pid its process id
   * @param logFile its log file (absolute path)
   * @param exitCode its exit code, or null when it did not exit
   * @param log its whole log
   * @param metrics its last {@code GET /metrics} text, or null when not readable
   */
  record Launcher(
      String name,
      String jar,
      long pid,
      String logFile,
      Integer exitCode,
      String log,
      String metrics) {

    /**
     * Validates the components.
     *
     * @throws NullPointerException for a null name, jar, log file or log
     */
    Launcher {
      requireNonNull(name, "name");
      requireNonNull(jar, "jar");
      requireNonNull(logFile, "logFile");
      requireNonNull(log, "log");
    }
  }
}
