package io.fallback.examples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the metric names and labels a PromQL expression uses against what a real scrape of {@code
 * GET /metrics} exposes, for want of a Prometheus server in the build: every metric selector must
 * name a sample that the scrape has; every label matcher a label that metric has (an {@code =}
 * matcher with a literal value also one of its values); every label of {@code by (...)}, {@code
 * without (...)} and of the legend ({@code {{label}}}) one of the expression's metrics has. {@code
 * instance} and {@code job} are allowed everywhere: Prometheus adds them to every scraped series.
 *
 * <p>Not a PromQL parser: functions, aggregations, operators, numbers, durations and Grafana
 * variables ({@code $name}) are skipped, which is all the dashboard uses.
 */
final class PromQlCheck {

  private static final Set<String> KEYWORDS =
      Set.of(
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "bool",
          "and",
          "or",
          "unless",
          "offset",
          // aggregation operators, which may be followed by by (...) before their parenthesis
          "sum",
          "avg",
          "min",
          "max",
          "count",
          "group",
          "stddev",
          "stdvar",
          "topk",
          "bottomk",
          "quantile",
          "count_values",
          "limitk",
          "limit_ratio");
  private static final Set<String> LABEL_LISTS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
  private static final Set<String> TARGET_LABELS = Set.of("instance", "job");
  private static final Pattern LEGEND_LABEL =
      Pattern.compile("\\{\\{\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*}}");

  /** sample name -> label name -> values seen */
  private final Map<String, Map<String, Set<String>>> series = new LinkedHashMap<>();

  /**
   * Reads a scrape.
   *
   * @param scrape Prometheus text format
   */
  PromQlCheck(String scrape) {
    for (String line : scrape.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      String name =
          brace >= 0 && brace < space ? line.substring(0, brace) : line.substring(0, space);
      Map<String, Set<String>> labels = series.computeIfAbsent(name, n -> new LinkedHashMap<>());
      if (brace >= 0 && brace < space) {
        new Cursor(line, brace)
            .matchers()
            .forEach(m -> labels.computeIfAbsent(m[0], k -> new LinkedHashSet<>()).add(m[2]));
      }
    }
  }

  /**
   * @return the sample names of the scrape
   */
  Set<String> names() {
    return series.keySet();
  }

  /**
   * The problems of one query.
   *
   * @param expr the PromQL expression
   * @param legend the legend format, or null
   * @return one sentence per problem; empty when every name and label exists
   */
  List<String> problems(String expr, String legend) {
    List<String> problems = new ArrayList<>();
    List<String> metrics = new ArrayList<>();
    List<String> listedLabels = new ArrayList<>();
    Cursor c = new Cursor(expr, 0);
    while (c.more()) {
      char ch = c.peek();
      if (ch == '"' || ch == '\'' || ch == '`') {
        c.string();
      } else if (ch == '[') {
        c.skipPast(']');
      } else if (ch == '$') {
        c.next();
        c.identifier();
      } else if (Character.isDigit(ch)) {
        c.number();
      } else if (ch == '{') {
        problems.add("a selector without a metric name: " + expr);
        c.skipPast('}');
      } else if (Character.isLetter(ch) || ch == '_' || ch == ':') {
        String word = c.identifier();
        c.spaces();
        if (LABEL_LISTS.contains(word) && c.more() && c.peek() == '(') {
          listedLabels.addAll(c.labelList());
        } else if (c.more() && c.peek() == '(' || KEYWORDS.contains(word)) {
          continue; // a function or an aggregation, or an operator keyword
        } else {
          metrics.add(word);
          Map<String, Set<String>> labels = series.get(word);
          if (labels == null) {
            problems.add("metric " + word + " is not exposed by /metrics");
          }
          if (c.more() && c.peek() == '{') {
            for (String[] m : c.matchers()) {
              matcher(word, labels, m, problems);
            }
          }
        }
      } else {
        c.next();
      }
    }
    List<String> used = new ArrayList<>(listedLabels);
    if (legend != null) {
      Matcher m = LEGEND_LABEL.matcher(legend);
      while (m.find()) {
        used.add(m.group(1));
      }
    }
    for (String label : used) {
      boolean known =
          TARGET_LABELS.contains(label)
              || metrics.stream()
                  .anyMatch(n -> series.containsKey(n) && series.get(n).containsKey(label));
      if (!known) {
        problems.add("label " + label + " is on none of " + metrics);
      }
    }
    return problems;
  }

  private static void matcher(
      String metric, Map<String, Set<String>> labels, String[] m, List<String> problems) {
    String label = m[0];
    String op = m[1];
    String value = m[2];
    if (TARGET_LABELS.contains(label) || labels == null) {
      return;
    }
    if (!labels.containsKey(label)) {
      problems.add("metric " + metric + " has no label " + label);
    } else if (op.equals("=") && !value.contains("$") && !labels.get(label).contains(value)) {
      problems.add(
          "metric "
              + metric
              + " has no "
              + label
              + "=\""
              + value
              + "\" (only "
              + labels.get(label)
              + ")");
    }
  }

  /** A position in a text. */
  private static final class Cursor {
    private final String s;
    private int i;

    Cursor(String s, int i) {
      this.s = s;
      this.i = i;
    }

    boolean more() {
      return i < s.length();
    }

    char peek() {
      return s.charAt(i);
    }

    char next() {
      return s.charAt(i++);
    }

    void spaces() {
      while (more() && Character.isWhitespace(peek())) {
        i++;
      }
    }

    String identifier() {
      int start = i;
      while (more() && (Character.isLetterOrDigit(peek()) || peek() == '_' || peek() == ':')) {
        i++;
      }
      return s.substring(start, i);
    }

    void number() {
      while (more() && (Character.isLetterOrDigit(peek()) || peek() == '.')) {
        i++;
      }
    }

    void skipPast(char end) {
      while (more() && next() != end) {
        // skip
      }
    }

    String string() {
      char quote = next();
      StringBuilder out = new StringBuilder();
      while (more()) {
        char ch = next();
        if (ch == quote) {
          break;
        }
        if (ch == '\\' && more()) {
          char escaped = next();
          out.append(escaped == 'n' ? '\n' : escaped);
        } else {
          out.append(ch);
        }
      }
      return out.toString();
    }

    /** Reads {@code (a, b)}. */
    List<String> labelList() {
      List<String> labels = new ArrayList<>();
      next(); // (
      while (more()) {
        spaces();
        if (peek() == ')') {
          next();
          break;
        }
        if (peek() == ',') {
          next();
          continue;
        }
        String label = identifier();
        if (label.isEmpty()) {
          next(); // not a label name: step over it
        } else {
          labels.add(label);
        }
      }
      return labels;
    }

    /** Reads {@code {name op "value", ...}} into {name, op, value} triples. */
    List<String[]> matchers() {
      List<String[]> out = new ArrayList<>();
      next(); // {
      while (more()) {
        spaces();
        if (peek() == '}') {
          next();
          break;
        }
        if (peek() == ',') {
          next();
          continue;
        }
        String name = identifier();
        if (name.isEmpty()) {
          next(); // not a label name: step over it
          continue;
        }
        spaces();
        StringBuilder op = new StringBuilder();
        while (more() && "=!~".indexOf(peek()) >= 0) {
          op.append(next());
        }
        spaces();
        String value = string();
        out.add(new String[] {name, op.toString(), value});
      }
      return out;
    }
  }
}
