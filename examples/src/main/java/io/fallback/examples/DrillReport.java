package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The drill's "what just happened" summary: the data checks (each with its expectation and
 * verdict), the timings of each scenario and the timeline, rendered as a console table and as
 * Markdown.
 *
 * <p>Immutable and thread-safe.
 *
 * @param title one line naming the run (sizes)
 * @param checks the checks, in report order
 * @param scenarios the timings per scenario
 * @param timeline what happened, with offsets from the drill's start
 * @param samples examples of problems found (empty when all passed)
 * @param wallTime how long the drill took
 * @param failure why the timeline stopped early, or null
 */
public record DrillReport(
    String title,
    List<Check> checks,
    List<Timings> scenarios,
    List<String> timeline,
    List<String> samples,
    Duration wallTime,
    String failure) {

  /**
   * One check.
   *
   * @param name what is counted
   * @param value the measured value
   * @param expected what it must be, or a note for reported-only values, or the goal
   * @param pass the verdict, or null for a value that is reported only
   * @param goalMet for a reported value measured against a goal (DESIGN §9): whether it met it;
   *     null for values without a goal. It never fails the drill; the report shows a missed goal.
   */
  public record Check(String name, String value, String expected, Boolean pass, Boolean goalMet) {

    /**
     * A check without a goal.
     *
     * @param name what is counted
     * @param value the measured value
     * @param expected what it must be, or a note
     * @param pass the verdict, or null for a value that is reported only
     */
    public Check(String name, String value, String expected, Boolean pass) {
      this(name, value, expected, pass, null);
    }

    /**
     * A check that must hold.
     *
     * @param name what is counted
     * @param value the count
     * @param expected the required count
     * @return the check
     */
    public static Check equal(String name, long value, long expected) {
      return new Check(
          name,
          String.format(Locale.ROOT, "%,d", value),
          String.format(Locale.ROOT, "%,d", expected),
          value == expected);
    }

    /**
     * A condition that must hold.
     *
     * @param name what is checked
     * @param value what was seen
     * @param expected what is required
     * @param pass whether it holds
     * @return the check
     */
    public static Check that(String name, String value, String expected, boolean pass) {
      return new Check(name, value, expected, pass);
    }

    /**
     * A value reported without a verdict.
     *
     * @param name what is counted
     * @param value the value
     * @param note why it is not a failure
     * @return the check
     */
    public static Check info(String name, String value, String note) {
      return new Check(name, value, note, null);
    }

    /**
     * A value reported against a goal: shown as met or missed, never failing the drill.
     *
     * @param name what is measured
     * @param value the value
     * @param goal the goal, in words
     * @param met whether the value met it
     * @return the check
     */
    public static Check goal(String name, String value, String goal, boolean met) {
      return new Check(name, value, goal, null, met);
    }

    /**
     * @return the result column: PASS, FAIL, goal met, GOAL MISSED, or "-" for a reported value
     */
    public String result() {
      if (pass != null) {
        return pass ? "PASS" : "FAIL";
      }
      if (goalMet != null) {
        return goalMet ? "goal met" : "GOAL MISSED";
      }
      return "-";
    }
  }

  /**
   * Timings of one scenario; a null duration was not observed.
   *
   * @param name the scenario
   * @param detection fault → fallback triggered
   * @param gap last primary point → first fallback point (arrival at InfluxDB)
   * @param drainRecords records in the backlog windows the fallback wrote (windows ending before
   *     the trigger)
   * @param drainTime trigger → last of those windows written
   * @param handBack primary back (restarted or unthrottled) → fallback handed back
   * @param fallbackWindows windows the fallback wrote in this scenario
   * @param firstBatch trigger → first batch read ({@code activation} of {@code /status})
   * @param firstWrite trigger → first point written ({@code activation} of {@code /status})
   */
  public record Timings(
      String name,
      Duration detection,
      Duration gap,
      long drainRecords,
      Duration drainTime,
      Duration handBack,
      long fallbackWindows,
      Duration firstBatch,
      Duration firstWrite) {

    /**
     * Timings of a scenario whose fault never triggered the fallback: nothing observed, no records
     * drained, no windows written.
     *
     * @param name the scenario
     * @return the timings
     */
    public static Timings notTriggered(String name) {
      return new Timings(name, null, null, 0, null, null, 0, null, null);
    }

    /**
     * @return records per second of the drain, or -1 when not observed
     */
    public double drainRate() {
      return drainTime == null || drainTime.toMillis() <= 0
          ? -1
          : drainRecords * 1000.0 / drainTime.toMillis();
    }
  }

  /**
   * Copies the lists.
   *
   * @throws NullPointerException for a null component (except {@code failure})
   */
  public DrillReport {
    requireNonNull(title, "title");
    checks = List.copyOf(checks);
    scenarios = List.copyOf(scenarios);
    timeline = List.copyOf(timeline);
    samples = List.copyOf(samples);
    requireNonNull(wallTime, "wallTime");
  }

  /**
   * @return true when the timeline completed and every check with a verdict passed
   */
  public boolean passed() {
    return failure == null
        && !checks.isEmpty()
        && checks.stream().allMatch(c -> c.pass() == null || c.pass());
  }

  /**
   * @param name a check's name
   * @return its value, or null when there is no such check
   */
  public String value(String name) {
    return checks.stream()
        .filter(c -> c.name().equals(name))
        .map(Check::value)
        .findFirst()
        .orElse(null);
  }

  /**
   * @return the console rendering
   */
  public String render() {
    StringBuilder sb = new StringBuilder();
    sb.append('\n').append("=".repeat(100)).append('\n');
    sb.append(" DRILL REPORT  ").append(title).append('\n');
    sb.append("=".repeat(100)).append('\n');
    int width = checks.stream().mapToInt(c -> c.name().length()).max().orElse(10);
    sb.append(
        String.format(
            Locale.ROOT,
            " %-" + width + "s  %12s  %-22s %s%n",
            "check",
            "value",
            "expected",
            "result"));
    for (Check c : checks) {
      sb.append(
          String.format(
              Locale.ROOT,
              " %-" + width + "s  %12s  %-22s %s%n",
              c.name(),
              c.value(),
              c.expected(),
              c.result()));
    }
    sb.append('\n');
    sb.append(
        String.format(
            Locale.ROOT,
            " %-14s %16s %14s %26s %12s %10s %16s %16s%n",
            "scenario",
            "fault->trigger",
            "gap",
            "drain",
            "hand-back",
            "fb windows",
            "trig->1st batch",
            "trig->1st write"));
    for (Timings t : scenarios) {
      sb.append(
          String.format(
              Locale.ROOT,
              " %-14s %16s %14s %26s %12s %10d %16s %16s%n",
              t.name(),
              secs(t.detection()),
              secs(t.gap()),
              drain(t),
              secs(t.handBack()),
              t.fallbackWindows(),
              secs(t.firstBatch()),
              secs(t.firstWrite())));
    }
    sb.append(
        " drain = records of the backlog windows the fallback wrote / time from the trigger (replay: from its\n"
            + "   start) to the last of them; it includes the consumer's start, the rewind and the model calls.\n"
            + " trig->1st batch / trig->1st write = the fallback's activation.started_at (replay: the forced start) to\n"
            + "   activation.first_batch_at / first_write_at of its /status; goals (DESIGN §9): < 1 s / < 2 s + model and\n"
            + "   InfluxDB time of that batch.\n"
            + " +shadow = the main launcher ran with shadow.enabled (warm take-over); cancel/fast = the fast-path\n"
            + "   launcher (check every 60 s, health probes every 5 s x 3) in the first cancel: fault -> trigger only.\n");
    sb.append('\n').append(" timeline:").append('\n');
    timeline.forEach(line -> sb.append("   ").append(line).append('\n'));
    if (!samples.isEmpty()) {
      sb.append('\n').append(" problems:").append('\n');
      samples.forEach(line -> sb.append("   ").append(line).append('\n'));
    }
    if (failure != null) {
      sb.append('\n').append(" the timeline stopped early: ").append(failure).append('\n');
    }
    sb.append('\n')
        .append(
            String.format(
                Locale.ROOT,
                " RESULT: %s   (wall time %s)%n",
                passed() ? "PASS" : "FAIL",
                secs(wallTime)));
    sb.append("=".repeat(100)).append('\n');
    return sb.toString();
  }

  /**
   * @return the Markdown rendering
   */
  public String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("# Drill report\n\n").append(title).append("\n\n");
    sb.append("**Result: ")
        .append(passed() ? "PASS" : "FAIL")
        .append("** (wall time ")
        .append(secs(wallTime))
        .append(")\n\n");
    sb.append("| check | value | expected | result |\n|---|---:|---|---|\n");
    for (Check c : checks) {
      sb.append("| ")
          .append(c.name())
          .append(" | ")
          .append(c.value())
          .append(" | ")
          .append(c.expected())
          .append(" | ")
          .append(markdownResult(c))
          .append(" |\n");
    }
    sb.append(
        "\n| scenario | fault → trigger | last primary → first fallback point | drain | hand-back |"
            + " fallback windows | trigger → first batch read | trigger → first point written |"
            + "\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Timings t : scenarios) {
      sb.append("| ")
          .append(t.name())
          .append(" | ")
          .append(secs(t.detection()))
          .append(" | ")
          .append(secs(t.gap()))
          .append(" | ")
          .append(drain(t))
          .append(" | ")
          .append(secs(t.handBack()))
          .append(" | ")
          .append(t.fallbackWindows())
          .append(" | ")
          .append(secs(t.firstBatch()))
          .append(" | ")
          .append(secs(t.firstWrite()))
          .append(" |\n");
    }
    sb.append(
        "\nDrain = records of the backlog windows the fallback wrote / time from the trigger (replay: from its"
            + " start) to the last of them; it includes the consumer's start, the rewind and the model calls.\n");
    sb.append(
        "Trigger → first batch read / first point written = the fallback's `activation.started_at` (replay: the"
            + " forced start) to `activation.first_batch_at` / `first_write_at` of its `/status`; goals (DESIGN §9):"
            + " < 1 s / < 2 s plus the model and InfluxDB time of that batch.\n");
    sb.append(
        "`+shadow`: the main launcher ran with `shadow.enabled` (warm take-over). `cancel/fast`: the fast-path"
            + " launcher (check every 60 s, health probes every 5 s, 3 confirmations) in the first cancel, fault →"
            + " trigger only (it writes to its own database).\n");
    sb.append("\n## Timeline\n\n```\n");
    timeline.forEach(line -> sb.append(line).append('\n'));
    sb.append("```\n");
    if (!samples.isEmpty()) {
      sb.append("\n## Problems\n\n");
      samples.forEach(line -> sb.append("- ").append(line).append('\n'));
    }
    if (failure != null) {
      sb.append("\nThe timeline stopped early: ").append(failure).append('\n');
    }
    return sb.toString();
  }

  private static String markdownResult(Check c) {
    if (c.pass() != null) {
      return c.pass() ? "PASS" : "**FAIL**";
    }
    if (c.goalMet() != null) {
      return c.goalMet() ? "goal met" : "**goal missed**";
    }
    return "reported";
  }

  private static String drain(Timings t) {
    double rate = t.drainRate();
    return rate < 0
        ? "-"
        : String.format(
            Locale.ROOT, "%,d rec in %s = %,.0f/s", t.drainRecords(), secs(t.drainTime()), rate);
  }

  static String secs(Duration d) {
    return d == null ? "-" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
