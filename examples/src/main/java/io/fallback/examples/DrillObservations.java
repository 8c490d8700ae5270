package io.fallback.examples;

import static java.util.Objects.requireNonNull;

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
 * @param shadow the shadow run, or null when it did not run
 * @param launcher the fallback launcher process at its end, or null when it was not started
 * @param unreadable why the observations could not be read (the exception's text), or null
 */
record DrillObservations(
    DrillSettings settings,
    List<String> timeline,
    Duration wallTime,
    String failure,
    Pipeline pipeline,
    List<Scenario> scenarios,
    Shadow shadow,
    Launcher launcher,
    String unreadable) {

  /**
   * Copies the lists.
   *
   * @throws NullPointerException for a null settings, timeline, wall time or scenario list
   */
  DrillObservations {
    requireNonNull(settings, "settings");
    timeline = List.copyOf(timeline);
    requireNonNull(wallTime, "wallTime");
    scenarios = List.copyOf(scenarios);
  }

  /**
   * What Kafka, InfluxDB and the model service showed at the end of the timeline.
   *
   * @param reference the expected windows, from what the producer had acknowledged
   * @param producerFailures records the producer failed to send
   * @param stored the points of the drill's database (every source)
   * @param writes every point InfluxDB acknowledged through the {@link InfluxWriteRecorder}, in
   *     arrival order (the shadow run's too)
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
   */
  record Scenario(
      String name,
      long fault,
      long recovery,
      Long triggeredAt,
      Long handedBackAt,
      ModeWatcher.Episode episode) {

    /**
     * Validates the name.
     *
     * @throws NullPointerException for a null name
     */
    Scenario {
      requireNonNull(name, "name");
    }
  }

  /**
   * The shadow run: a second, forced launcher over the whole topic into its own database.
   *
   * @param start when it was forced into FALLBACK, epoch milliseconds
   * @param points the points of its database
   * @param activation the {@code activation} of its {@code /status} at the end, or null when absent
   */
  record Shadow(long start, List<InfluxPoints.Point> points, ModeWatcher.Activation activation) {

    /**
     * Copies the points.
     *
     * @throws NullPointerException for null points
     */
    Shadow {
      points = List.copyOf(points);
    }
  }

  /**
   * The fallback launcher process as seen from outside, after it was stopped.
   *
   * @param jar the jar's file name
   * @param pid its process id
   * @param logFile its log file (absolute path)
   * @param exitCode its exit code, or null when it did not exit
   * @param log its whole log
   * @param metrics its last {@code GET /metrics} text, or null when not readable
   */
  record Launcher(
      String jar, long pid, String logFile, Integer exitCode, String log, String metrics) {

    /**
     * Validates the components.
     *
     * @throws NullPointerException for a null jar, log file or log
     */
    Launcher {
      requireNonNull(jar, "jar");
      requireNonNull(logFile, "logFile");
      requireNonNull(log, "log");
    }
  }
}
