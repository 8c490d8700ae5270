package io.fallback.launcher.config;

import java.util.List;
import java.util.Locale;

/** "Did you mean" for unknown sections and keys. Stateless and thread-safe. */
final class Suggestions {

  private Suggestions() {}

  /**
   * The closest candidate, if it is close enough to be a typo.
   *
   * @param given what the file says
   * @param candidates the known names
   * @return {@code " (did you mean x?)"} when a candidate is within a quarter of the length (at
   *     least 2 edits), else {@code ""}
   */
  static String closest(String given, List<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = distance(given.toLowerCase(Locale.ROOT), c);
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    return best != null && bestDistance <= Math.max(2, given.length() / 4)
        ? " (did you mean " + best + "?)"
        : "";
  }

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
