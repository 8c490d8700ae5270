package io.fallback.core.shadow;

import io.fallback.core.window.WindowResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The shadow's bookkeeping: which windows it computed, which of them the primary has written, and
 * whether the primary's point equals the shadow's. Pure: time arrives as arguments, the primary's
 * output through {@link Output}.
 *
 * <p>A window is <em>pending</em> from {@link #offer} until it is settled by one of:
 *
 * <ul>
 *   <li>the primary's point for it (same key, same point time): a scored window is then compared
 *       field by field ({@code equal} or {@code differing}), an unscored one is {@code confirmed};
 *   <li>a point of our own for it (written by the fallback while it ran): {@code own};
 *   <li>after {@code grace} since it was offered, the primary having moved past it (a newer point
 *       for the same key, or any point at least {@code grace} newer): {@code missing}.
 * </ul>
 *
 * <p>Comparison: every numeric field of the primary's point is compared with the shadow's value of
 * the same name, as a {@code float} (both sides write {@link Float#toString(float)}), and the
 * stress field with the model's answer. A primary field the shadow does not compute is a
 * difference; a field only the shadow computes is not compared.
 *
 * <p>Thread-safe.
 */
public final class ShadowComparator {

  /** What has been written, read back: the primary's points and our own. */
  public interface Output {

    /**
     * The primary's points with a time in {@code [fromMillis, toMillis]}.
     *
     * @param fromMillis inclusive
     * @param toMillis inclusive
     * @return numeric fields by point
     */
    Map<PointId, Map<String, Double>> primaryPoints(long fromMillis, long toMillis);

    /**
     * Our own points (the fallback's source) with a time in {@code [fromMillis, toMillis]}.
     *
     * @param fromMillis inclusive
     * @param toMillis inclusive
     * @return the points
     */
    Set<PointId> ownPoints(long fromMillis, long toMillis);

    /**
     * The time of the primary's newest point per key.
     *
     * @return epoch milliseconds by key
     */
    Map<String, Long> newestPrimaryPointPerKey();
  }

  /**
   * A point's identity: window key and point time (window end - 1 ms).
   *
   * @param key the window key
   * @param time the point time, epoch milliseconds
   */
  public record PointId(String key, long time) {
    /**
     * The point of a window.
     *
     * @param w the window
     * @return its identity
     */
    public static PointId of(WindowResult w) {
      return new PointId(w.key(), w.pointTime());
    }
  }

  /**
   * A window whose point differs from the primary's.
   *
   * @param key the window key
   * @param windowStart epoch milliseconds
   * @param windowEnd epoch milliseconds, exclusive
   * @param fields one entry per differing field: {@code name: fallback=<v> primary=<v>}
   */
  public record Difference(String key, long windowStart, long windowEnd, List<String> fields) {
    /**
     * Validates and copies.
     *
     * @throws NullPointerException for a null component
     */
    public Difference {
      Objects.requireNonNull(key, "key");
      fields = List.copyOf(fields);
    }
  }

  /**
   * The counts so far.
   *
   * @param compared scored windows compared with the primary's point
   * @param equal of those, equal
   * @param differing of those, differing
   * @param missing windows the primary did not write although it moved past them
   * @param confirmed unscored windows the primary wrote
   * @param own windows we wrote ourselves (while the fallback ran)
   * @param overBudget sampled windows not scored because the model-call budget was spent
   * @param pending windows not settled yet
   * @param oldestPending when the oldest pending window was offered
   * @param firstDifferences the first differences, oldest first (at most the configured number)
   * @param alerting whether a rate is above its threshold
   */
  public record Report(
      long compared,
      long equal,
      long differing,
      long missing,
      long confirmed,
      long own,
      long overBudget,
      int pending,
      Optional<Instant> oldestPending,
      List<Difference> firstDifferences,
      boolean alerting) {

    /**
     * Differing windows per compared window.
     *
     * @return the ratio, 0 before the first comparison
     */
    public double differingRatio() {
      return compared == 0 ? 0 : (double) differing / compared;
    }

    /**
     * Missing windows per window the primary should have written.
     *
     * @return the ratio, 0 before the first settled window
     */
    public double missingRatio() {
      long expected = compared + confirmed + missing;
      return expected == 0 ? 0 : (double) missing / expected;
    }
  }

  /** Receives what an operator must see. Called with the comparator's lock held: be quick. */
  public interface Listener {
    /**
     * A difference, one of the first {@code keepDifferences}.
     *
     * @param difference the window and fields
     */
    default void difference(Difference difference) {}

    /**
     * A rate crossed its threshold (alerting) or came back under it.
     *
     * @param alerting the new state
     * @param report the counts
     */
    default void alert(boolean alerting, Report report) {}
  }

  /**
   * What is compared and when to warn.
   *
   * @param fields the names of the means, in window order ({@code processing.fields})
   * @param stressField the primary's stress field ({@code influxdb.primary_stress_field})
   * @param grace how long the primary has to write a window before it may count as missing ({@code
   *     shadow.grace_seconds})
   * @param maxDifferingRatio differing per compared above which to warn ({@code
   *     shadow.max_differing_ratio})
   * @param maxMissingRatio missing per expected above which to warn ({@code
   *     shadow.max_missing_ratio})
   * @param keepDifferences how many differences are reported one by one ({@code
   *     shadow.log_differences})
   */
  public record Settings(
      List<String> fields,
      String stressField,
      Duration grace,
      double maxDifferingRatio,
      double maxMissingRatio,
      int keepDifferences) {
    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException for a negative grace, ratio or count
     */
    public Settings {
      fields = List.copyOf(fields);
      Objects.requireNonNull(stressField, "stressField");
      Objects.requireNonNull(grace, "grace");
      if (grace.isNegative()
          || maxDifferingRatio < 0
          || maxMissingRatio < 0
          || keepDifferences < 0) {
        throw new IllegalArgumentException("shadow settings must not be negative");
      }
    }
  }

  private record Pending(ShadowWindow window, Instant offeredAt) {}

  private static final int SETTLED_REMEMBERED = 100_000;

  private final Settings settings;
  private final Listener listener;
  private final Map<PointId, Pending> pending = new LinkedHashMap<>();

  /** Windows settled lately, so that a batch offered again is not counted twice. */
  private final Map<PointId, Boolean> settledLately =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<PointId, Boolean> eldest) {
          return size() > SETTLED_REMEMBERED;
        }
      };

  private final List<Difference> differences = new ArrayList<>();
  private long compared;
  private long equal;
  private long differing;
  private long missing;
  private long confirmed;
  private long own;
  private long overBudget;
  private boolean alerting;

  /**
   * Creates a comparator.
   *
   * @param settings what to compare and when to warn
   * @param listener receives differences and alerts
   */
  public ShadowComparator(Settings settings, Listener listener) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /**
   * Records windows the shadow computed. Offering a window again (a retried batch) keeps its first
   * offer time.
   *
   * @param windows the windows
   * @param now when
   */
  public synchronized void offer(List<ShadowWindow> windows, Instant now) {
    for (ShadowWindow w : windows) {
      PointId id = PointId.of(w.window());
      if (!settledLately.containsKey(id)) {
        pending.putIfAbsent(id, new Pending(w, now));
      }
    }
  }

  /**
   * Counts sampled windows that were not scored for lack of budget.
   *
   * @param windows how many
   */
  public synchronized void overBudget(int windows) {
    overBudget += windows;
  }

  /**
   * Whether none of these windows is pending any more.
   *
   * @param windows windows offered earlier
   * @return true when all are settled
   */
  public synchronized boolean settled(List<ShadowWindow> windows) {
    for (ShadowWindow w : windows) {
      if (pending.containsKey(PointId.of(w.window()))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads the output for the pending windows and settles what it can. The reads (two or three
   * queries) happen without the lock; a window offered meanwhile waits for the next call.
   *
   * @param output what has been written
   * @param now the current time
   * @throws RuntimeException what the output's reads throw; nothing is settled then
   */
  public void settle(Output output, Instant now) {
    long from;
    long to;
    boolean graceOver = false;
    synchronized (this) {
      if (pending.isEmpty()) {
        return;
      }
      from = Long.MAX_VALUE;
      to = Long.MIN_VALUE;
      for (var e : pending.entrySet()) {
        from = Math.min(from, e.getKey().time());
        to = Math.max(to, e.getKey().time());
        graceOver |= !e.getValue().offeredAt().plus(settings.grace()).isAfter(now);
      }
    }
    Map<PointId, Map<String, Double>> primary = output.primaryPoints(from, to);
    Set<PointId> ours = output.ownPoints(from, to);
    Map<String, Long> newest = graceOver ? output.newestPrimaryPointPerKey() : Map.of();
    long newestOfAll =
        newest.values().stream().mapToLong(Long::longValue).max().orElse(Long.MIN_VALUE);
    synchronized (this) {
      var it = pending.entrySet().iterator();
      while (it.hasNext()) {
        var e = it.next();
        PointId id = e.getKey();
        Map<String, Double> point = primary.get(id);
        boolean settledNow = true;
        if (point != null) {
          compare(e.getValue().window(), point);
        } else if (ours.contains(id)) {
          own++;
        } else if (!e.getValue().offeredAt().plus(settings.grace()).isAfter(now)) {
          settledNow = movedPast(newest, newestOfAll, id);
          if (settledNow) {
            missing++;
          }
        } else {
          settledNow = false;
        }
        if (settledNow) {
          it.remove();
          settledLately.put(id, Boolean.TRUE);
        }
      }
      updateAlert();
    }
  }

  /**
   * The counts so far.
   *
   * @return a snapshot
   */
  public synchronized Report report() {
    Optional<Instant> oldest =
        pending.values().stream().map(Pending::offeredAt).min(Instant::compareTo);
    return new Report(
        compared,
        equal,
        differing,
        missing,
        confirmed,
        own,
        overBudget,
        pending.size(),
        oldest,
        List.copyOf(differences),
        alerting);
  }

  /** The primary wrote a newer point for the key, or any point at least the grace newer. */
  private boolean movedPast(Map<String, Long> newest, long newestOfAll, PointId id) {
    Long sameKey = newest.get(id.key());
    return (sameKey != null && sameKey > id.time())
        || (newestOfAll != Long.MIN_VALUE
            && newestOfAll - id.time() >= settings.grace().toMillis());
  }

  private void compare(ShadowWindow shadow, Map<String, Double> primary) {
    if (!shadow.scored()) {
      confirmed++;
      return;
    }
    compared++;
    WindowResult w = shadow.window();
    List<String> diffs = new ArrayList<>();
    for (Map.Entry<String, Double> field : primary.entrySet()) {
      String name = field.getKey();
      double value = field.getValue();
      if (name.equals(settings.stressField())) {
        int stress = shadow.stressLevel().getAsInt();
        if (value != stress) {
          diffs.add(name + ": fallback=" + stress + " primary=" + number(value));
        }
        continue;
      }
      int i = settings.fields().indexOf(name);
      if (i < 0) {
        diffs.add(name + ": fallback=(not computed) primary=" + number(value));
      } else if (Float.compare(w.mean(i), (float) value) != 0) {
        diffs.add(name + ": fallback=" + w.mean(i) + " primary=" + (float) value);
      }
    }
    if (diffs.isEmpty()) {
      equal++;
      return;
    }
    differing++;
    if (differences.size() < settings.keepDifferences()) {
      Difference d = new Difference(w.key(), w.start(), w.end(), diffs);
      differences.add(d);
      listener.difference(d);
    }
  }

  private void updateAlert() {
    Report r = report();
    boolean now =
        r.differingRatio() > settings.maxDifferingRatio()
            || r.missingRatio() > settings.maxMissingRatio();
    if (now != alerting) {
      alerting = now;
      listener.alert(now, report());
    }
  }

  private static String number(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%s", v);
  }
}
