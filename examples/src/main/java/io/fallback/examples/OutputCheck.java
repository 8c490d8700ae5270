package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compares what InfluxDB holds with the {@link Reference}: the drill's data assertions.
 *
 * <ul>
 *   <li><b>missing</b>: due windows with no point from any source (must be 0);
 *   <li><b>mismatches</b>: points whose means, point time or stress level differ from the
 *       reference, or that no input explains (must be 0);
 *   <li><b>overlap</b>: windows written by both sources (reported; equal values are harmless);
 *   <li><b>conflicting</b>: windows written by both sources with different values (must be 0).
 * </ul>
 *
 * <p>A point's identity in InfluxDB is measurement + tag set + time, so a window rewritten by the
 * same source is stored once; rewrites are counted from the write log ({@link
 * InfluxWriteRecorder}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param due windows that must be written
 * @param checked points compared with the reference
 * @param missing due windows without a point
 * @param mismatches points that differ from the reference
 * @param overlap windows with a point from more than one source
 * @param conflicting windows whose sources wrote different values
 * @param pointsBySource points stored per source
 * @param samples a few examples of each problem, for the report
 */
public record OutputCheck(
    int due,
    int checked,
    int missing,
    int mismatches,
    int overlap,
    int conflicting,
    Map<String, Integer> pointsBySource,
    List<String> samples) {

  private static final int MAX_SAMPLES = 5;

  /**
   * Copies the collections.
   *
   * @throws NullPointerException for a null collection
   */
  public OutputCheck {
    pointsBySource = Map.copyOf(requireNonNull(pointsBySource, "pointsBySource"));
    samples = List.copyOf(requireNonNull(samples, "samples"));
  }

  /**
   * Checks the stored points against the reference.
   *
   * @param reference the expected windows
   * @param points the points InfluxDB holds (every source)
   * @return the counts
   */
  public static OutputCheck of(Reference reference, List<InfluxPoints.Point> points) {
    Map<Reference.WindowKey, List<InfluxPoints.Point>> byWindow = new TreeMap<>();
    Map<String, Integer> bySource = new TreeMap<>();
    List<String> samples = new ArrayList<>();
    int mismatches = 0;
    int checked = 0;
    long size =
        reference.all().isEmpty()
            ? 5000
            : reference.all().firstEntry().getValue().end() - reference.all().firstKey().start();
    for (InfluxPoints.Point p : points) {
      bySource.merge(p.source(), 1, Integer::sum);
      Reference.WindowKey key = new Reference.WindowKey(p.id(), p.time() + 1 - size);
      byWindow.computeIfAbsent(key, k -> new ArrayList<>()).add(p);
      Reference.Expected e = reference.all().get(key);
      checked++;
      if (e == null) {
        mismatches++;
        sample(samples, "unexplained point " + p);
      } else if (!equal(e, p)) {
        mismatches++;
        sample(samples, "mismatch " + p + " expected " + e);
      }
    }
    int missing = 0;
    for (Reference.WindowKey key : reference.due().keySet()) {
      if (!byWindow.containsKey(key)) {
        missing++;
        sample(samples, "missing " + key);
      }
    }
    int overlap = 0;
    int conflicting = 0;
    for (List<InfluxPoints.Point> written : byWindow.values()) {
      if (written.size() > 1) {
        overlap++;
        InfluxPoints.Point first = written.get(0);
        for (InfluxPoints.Point other : written.subList(1, written.size())) {
          if (!Arrays.equals(first.values(), other.values())
              || !java.util.Objects.equals(first.stressLevel(), other.stressLevel())) {
            conflicting++;
            sample(samples, "conflict " + first + " vs " + other);
            break;
          }
        }
      }
    }
    return new OutputCheck(
        reference.due().size(),
        checked,
        missing,
        mismatches,
        overlap,
        conflicting,
        new HashMap<>(bySource),
        samples);
  }

  /**
   * @return true when nothing is missing, mismatched or conflicting
   */
  public boolean passed() {
    return missing == 0 && mismatches == 0 && conflicting == 0;
  }

  private static boolean equal(Reference.Expected e, InfluxPoints.Point p) {
    return p.time() == e.pointTime()
        && Arrays.equals(p.values(), e.means())
        && p.stressLevel() != null
        && p.stressLevel() == e.stressLevel();
  }

  private static void sample(List<String> samples, String text) {
    if (samples.size() < MAX_SAMPLES * 4) {
      samples.add(text);
    }
  }
}
