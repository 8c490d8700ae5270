package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.fallback.core.mode.Mode;
import io.fallback.testkit.LauncherProcess;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a fallback launcher from outside: polls its {@code GET /status} every 50 ms on a daemon
 * thread and keeps every transition with the wall-clock time it was seen, so the drill can time
 * detection and hand-back to within ~50 ms. ({@code last_transition.at} is the start of the check
 * that caused it, which can precede the fault when that check's probe answered after the fault.)
 *
 * <p>It also keeps, per stay in FALLBACK (an <em>episode</em>), the last {@code activation} object
 * the status showed while in FALLBACK, and the model and InfluxDB time the fallback spent until its
 * first point was written ({@code fallback_process_seconds_sum} + {@code
 * fallback_write_seconds_sum} from {@code GET /metrics}, read when the episode starts and when
 * {@code activation.first_write_at} first appears). An absent {@code activation} is tolerated: the
 * episode then has none.
 *
 * <p>With shadow mode ({@code shadow.enabled}) it parses the {@code shadow} section of each reading
 * ({@link ShadowStatus}) and notes when the shadow's first comparison and its first difference were
 * seen ({@link #shadowMilestones()}).
 *
 * <p>This class is thread-safe.
 */
final class ModeWatcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger("drill");
  private static final long POLL_MILLIS = 50;

  /**
   * {@code last_transition} of {@code /status}.
   *
   * @param from the mode before
   * @param to the mode after
   * @param cause e.g. {@code unhealthy}, {@code latency}, {@code recovered}, {@code manual}
   * @param at when the check that caused it started (ISO-8601, as reported)
   * @param detail the reason in words
   */
  record StatusTransition(Mode from, Mode to, String cause, String at, String detail) {
    static Optional<StatusTransition> parse(JsonNode n) {
      if (n == null || !n.isObject() || !n.hasNonNull("to")) {
        return Optional.empty();
      }
      return Optional.of(
          new StatusTransition(
              Mode.valueOf(n.path("from").asText()),
              Mode.valueOf(n.path("to").asText()),
              n.path("cause").asText(""),
              n.path("at").asText(""),
              n.path("detail").asText("")));
    }
  }

  /**
   * A transition and when the watcher saw it.
   *
   * @param transition the transition
   * @param seenAt wall-clock time it was first seen, epoch milliseconds (at most ~50 ms late)
   */
  record Seen(StatusTransition transition, long seenAt) {}

  /**
   * One reading of {@code /status}.
   *
   * @param mode {@code mode}
   * @param violations {@code violations}
   * @param activation {@code activation}, or null when absent
   * @param seenAt when it was read, epoch milliseconds
   */
  record Snapshot(
      Mode mode, int violations, Activation activation, ShadowStatus shadow, long seenAt) {}

  /**
   * {@code shadow} of {@code /status} (shadow mode, {@code shadow.enabled}).
   *
   * @param loop the shadow loop's state ({@code running}, {@code stopped}, ...)
   * @param compared scored windows compared with the primary's point
   * @param equal of those, equal
   * @param differing of those, differing
   * @param missing windows the primary did not write although it moved past them
   * @param confirmed unscored windows the primary wrote ({@code confirmed_unscored})
   * @param own windows the fallback wrote itself
   * @param overBudget sampled windows not scored for lack of model-call budget
   * @param pending windows not settled yet
   * @param alerting whether a rate is above its threshold
   * @param firstDifferences the first differences, one line each: {@code key [start, end) field:
   *     fallback=.. primary=..; ...}
   */
  record ShadowStatus(
      String loop,
      long compared,
      long equal,
      long differing,
      long missing,
      long confirmed,
      long own,
      long overBudget,
      long pending,
      boolean alerting,
      List<String> firstDifferences) {

    /**
     * Copies the list.
     *
     * @throws NullPointerException for a null loop or list
     */
    ShadowStatus {
      requireNonNull(loop, "loop");
      firstDifferences = List.copyOf(firstDifferences);
    }

    /** Parses the object; null when it is absent or not an object. */
    static ShadowStatus parse(JsonNode n) {
      if (n == null || !n.isObject()) {
        return null;
      }
      List<String> differences = new ArrayList<>();
      for (JsonNode d : n.path("first_differences")) {
        List<String> fields = new ArrayList<>();
        d.path("fields").forEach(f -> fields.add(f.asText()));
        differences.add(
            d.path("key").asText("?")
                + " ["
                + d.path("window_start").asText("?")
                + ", "
                + d.path("window_end").asText("?")
                + ") "
                + String.join("; ", fields));
      }
      return new ShadowStatus(
          n.path("loop").asText("?"),
          n.path("compared").asLong(0),
          n.path("equal").asLong(0),
          n.path("differing").asLong(0),
          n.path("missing").asLong(0),
          n.path("confirmed_unscored").asLong(0),
          n.path("own").asLong(0),
          n.path("over_budget").asLong(0),
          n.path("pending").asLong(0),
          n.path("alerting").asBoolean(false),
          differences);
    }

    /**
     * @return {@code compared / equal / differing / missing}, e.g. {@code 120 / 120 / 0 / 0}
     */
    String counts() {
      return compared + " / " + equal + " / " + differing + " / " + missing;
    }
  }

  /**
   * When the shadow's first comparison and its first difference were seen in {@code /status}.
   *
   * @param firstComparedAt when {@code compared} was first above 0, epoch milliseconds, or null
   * @param atFirstCompared the shadow section then, or null
   * @param firstDifferingAt when {@code differing} was first above 0, epoch milliseconds, or null
   * @param atFirstDifference the shadow section then, or null
   */
  record ShadowMilestones(
      Long firstComparedAt,
      ShadowStatus atFirstCompared,
      Long firstDifferingAt,
      ShadowStatus atFirstDifference) {}

  /**
   * {@code activation} of {@code /status}: the current or last start of the fallback processor.
   *
   * @param startedAt when the fallback was started (the trigger, as the launcher saw it)
   * @param firstBatchAt when its first batch was read, or null
   * @param firstWriteAt when its first point was written, or null
   * @param recordsRead records read in this activation
   * @param pointsWritten points written in this activation
   * @param loop {@code running|failing|stopped|not_started}
   * @param lastError {@code stage: message} of {@code last_error}, or null
   */
  record Activation(
      Instant startedAt,
      Instant firstBatchAt,
      Instant firstWriteAt,
      long recordsRead,
      long pointsWritten,
      String loop,
      String lastError) {

    /** Parses the object; null when it is absent, null or has no {@code started_at}. */
    static Activation parse(JsonNode n) {
      if (n == null || !n.isObject()) {
        return null;
      }
      Instant started = instant(n.get("started_at"));
      if (started == null) {
        return null;
      }
      JsonNode error = n.get("last_error");
      String lastError =
          error == null || error.isNull()
              ? null
              : error.isObject()
                  ? error.path("stage").asText("?") + ": " + error.path("message").asText("")
                  : error.asText();
      return new Activation(
          started,
          instant(n.get("first_batch_at")),
          instant(n.get("first_write_at")),
          n.path("records_read").asLong(0),
          n.path("points_written").asLong(0),
          n.path("loop").asText("?"),
          lastError);
    }

    /**
     * @return started → first batch read, or null
     */
    Duration toFirstBatch() {
      return firstBatchAt == null ? null : Duration.between(startedAt, firstBatchAt);
    }

    /**
     * @return started → first point written, or null
     */
    Duration toFirstWrite() {
      return firstWriteAt == null ? null : Duration.between(startedAt, firstWriteAt);
    }

    private static Instant instant(JsonNode n) {
      if (n == null || n.isNull() || n.asText().isBlank()) {
        return null;
      }
      try {
        return Instant.parse(n.asText());
      } catch (DateTimeParseException e) {
        return null;
      }
    }
  }

  /**
   * One stay in FALLBACK as seen from outside.
   *
   * @param since when the watcher first saw FALLBACK, epoch milliseconds
   * @param until when it last saw FALLBACK, epoch milliseconds
   * @param activation the last {@code activation} seen while in FALLBACK, or null
   * @param modelAndWriteSeconds model and InfluxDB time from the episode's start until its first
   *     point was written (from {@code /metrics}), or null when not observed
   */
  record Episode(long since, long until, Activation activation, Double modelAndWriteSeconds) {}

  private final Supplier<JsonNode> status;
  private final Supplier<String> metrics;
  private final InstantSource clock;
  private final List<Seen> transitions = new ArrayList<>();
  private final List<Episode> episodes = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Snapshot latest;
  // episode in progress, owned by the watcher thread
  private Double baselineWork;
  private boolean firstWriteSeen;
  private ShadowMilestones shadowMilestones = new ShadowMilestones(null, null, null, null);

  /**
   * Starts watching.
   *
   * @param status reads {@code GET /status}
   * @param metrics reads {@code GET /metrics}
   * @param clock the drill's clock, which stamps each reading (the drill compares them with its own
   *     times)
   */
  ModeWatcher(Supplier<JsonNode> status, Supplier<String> metrics, InstantSource clock) {
    this.status = requireNonNull(status, "status");
    this.metrics = requireNonNull(metrics, "metrics");
    this.clock = requireNonNull(clock, "clock");
    this.thread = new Thread(this::watch, "drill-mode-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * @return the transitions seen so far
   */
  synchronized List<Seen> transitions() {
    return List.copyOf(transitions);
  }

  /**
   * @return the episodes seen so far (the last one may be in progress)
   */
  synchronized List<Episode> episodes() {
    return List.copyOf(episodes);
  }

  /**
   * @param afterMillis epoch milliseconds
   * @return the first episode that began at or after that time
   */
  synchronized Optional<Episode> episodeSince(long afterMillis) {
    return episodes.stream().filter(e -> e.since() >= afterMillis).findFirst();
  }

  /**
   * @return when the shadow's first comparison and first difference were seen (nulls until then)
   */
  synchronized ShadowMilestones shadowMilestones() {
    return shadowMilestones;
  }

  /**
   * @return the latest reading of {@code /status}
   * @throws IllegalStateException before the first successful reading
   */
  Snapshot state() {
    Snapshot s = latest;
    if (s == null) {
      throw new IllegalStateException("no /status read yet");
    }
    return s;
  }

  /**
   * Waits for a transition to {@code to} seen at or after {@code afterMillis}.
   *
   * @param to the mode
   * @param afterMillis epoch milliseconds
   * @param timeout the longest wait
   * @return the transition, or empty after the timeout
   */
  Optional<Seen> await(Mode to, long afterMillis, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      synchronized (this) {
        for (Seen s : transitions) {
          if (s.transition().to() == to && s.seenAt() >= afterMillis) {
            return Optional.of(s);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return Optional.empty();
        }
        try {
          wait(Math.max(1, Math.min(100, left / 1_000_000)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Optional.empty();
        }
      }
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }

  private void watch() {
    StatusTransition last = null;
    boolean failing = false;
    while (running) {
      try {
        JsonNode root = status.get();
        long now = clock.millis();
        Snapshot snapshot =
            new Snapshot(
                Mode.valueOf(root.path("mode").asText()),
                root.path("violations").asInt(),
                Activation.parse(root.get("activation")),
                ShadowStatus.parse(root.get("shadow")),
                now);
        Optional<StatusTransition> current = StatusTransition.parse(root.get("last_transition"));
        synchronized (this) {
          if (current.isPresent() && !current.get().equals(last)) {
            last = current.get();
            transitions.add(new Seen(last, now));
          }
          track(snapshot);
          trackShadow(snapshot);
          latest = snapshot;
          notifyAll();
        }
        failing = false;
      } catch (RuntimeException e) {
        if (!failing) {
          LOG.warn("mode watcher: cannot read the fallback's /status: {}", e.getMessage());
        }
        failing = true;
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Notes the shadow's first comparison and first difference. Caller holds the lock. */
  private void trackShadow(Snapshot s) {
    ShadowStatus shadow = s.shadow();
    if (shadow == null) {
      return;
    }
    ShadowMilestones m = shadowMilestones;
    if (m.firstComparedAt() == null && shadow.compared() > 0) {
      m = new ShadowMilestones(s.seenAt(), shadow, m.firstDifferingAt(), m.atFirstDifference());
    }
    if (m.firstDifferingAt() == null && shadow.differing() > 0) {
      m = new ShadowMilestones(m.firstComparedAt(), m.atFirstCompared(), s.seenAt(), shadow);
    }
    shadowMilestones = m;
  }

  /** Updates the episodes with one reading. Caller holds the lock. */
  private void track(Snapshot s) {
    if (s.mode() != Mode.FALLBACK) {
      return;
    }
    boolean begins = latest == null || latest.mode() != Mode.FALLBACK || episodes.isEmpty();
    if (begins) {
      baselineWork = modelAndWriteSeconds();
      firstWriteSeen = false;
      episodes.add(new Episode(s.seenAt(), s.seenAt(), own(s.activation(), s.seenAt()), null));
      return;
    }
    Episode e = episodes.get(episodes.size() - 1);
    Activation own = own(s.activation(), e.since());
    Double work = e.modelAndWriteSeconds();
    if (!firstWriteSeen && own != null && own.firstWriteAt() != null) {
      firstWriteSeen = true;
      Double now = modelAndWriteSeconds();
      work = now == null || baselineWork == null ? null : now - baselineWork;
    }
    episodes.set(
        episodes.size() - 1,
        new Episode(e.since(), s.seenAt(), own != null ? own : e.activation(), work));
  }

  /**
   * The activation of an episode that began at {@code since}: one started well before it (more than
   * 5 s, while the watcher sees a transition within ~50 ms) is the previous activation, still
   * shown.
   */
  private static Activation own(Activation a, long since) {
    return a != null && a.startedAt().toEpochMilli() >= since - 5_000 ? a : null;
  }

  /**
   * {@code fallback_process_seconds_sum + fallback_write_seconds_sum}, or null when not exported.
   */
  private Double modelAndWriteSeconds() {
    try {
      Map<String, Double> samples = LauncherProcess.samples(metrics.get());
      Double process = LauncherProcess.sum(samples, "fallback_process_seconds_sum");
      Double write = LauncherProcess.sum(samples, "fallback_write_seconds_sum");
      return process == null || write == null ? null : process + write;
    } catch (RuntimeException e) {
      LOG.debug("mode watcher: cannot read /metrics: {}", e.toString());
      return null;
    }
  }
}
