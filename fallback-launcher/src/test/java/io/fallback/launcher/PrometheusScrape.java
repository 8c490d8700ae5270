package io.fallback.launcher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Prometheus text exposition (format 0.0.4) parsed into metric families (HELP, TYPE) and samples
 * with their labels, so tests assert on names, labels and values rather than on substrings.
 *
 * @param families by family name, in the order of the text
 * @param samples every sample line, in order
 */
record PrometheusScrape(Map<String, Family> families, List<Sample> samples) {

  /**
   * One family.
   *
   * @param name the family name ({@code fallback_errors_total}, {@code fallback_write_seconds})
   * @param type counter, gauge, histogram, summary or untyped
   * @param help the HELP text, or null without a HELP line
   */
  record Family(String name, String type, String help) {}

  /**
   * One sample.
   *
   * @param name the sample name ({@code fallback_write_seconds_bucket})
   * @param labels its labels, in order
   * @param value its value
   */
  record Sample(String name, Map<String, String> labels, double value) {}

  static PrometheusScrape parse(String text) {
    Map<String, String> help = new LinkedHashMap<>();
    Map<String, String> type = new LinkedHashMap<>();
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("# HELP ")) {
        String[] parts = line.substring(7).split(" ", 2);
        help.put(parts[0], parts.length > 1 ? parts[1] : "");
      } else if (line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).split(" ", 2);
        type.put(parts[0], parts[1].strip());
      } else if (!line.isBlank() && !line.startsWith("#")) {
        samples.add(sample(line));
      }
    }
    Map<String, Family> families = new LinkedHashMap<>();
    type.forEach((name, t) -> families.put(name, new Family(name, t, help.get(name))));
    help.forEach((name, h) -> families.putIfAbsent(name, new Family(name, "untyped", h)));
    return new PrometheusScrape(families, samples);
  }

  private static Sample sample(String line) {
    int brace = line.indexOf('{');
    int space = line.indexOf(' ');
    Map<String, String> labels = new LinkedHashMap<>();
    String name;
    int rest;
    if (brace >= 0 && brace < space) {
      name = line.substring(0, brace);
      int i = brace + 1;
      while (line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        String key = line.substring(i, eq).strip();
        StringBuilder value = new StringBuilder();
        int j = eq + 2; // past ="
        while (line.charAt(j) != '"') {
          char c = line.charAt(j);
          if (c == '\\') {
            char next = line.charAt(++j);
            value.append(next == 'n' ? '\n' : next);
          } else {
            value.append(c);
          }
          j++;
        }
        labels.put(key, value.toString());
        i = j + 1;
        if (line.charAt(i) == ',') {
          i++;
        }
      }
      rest = i + 1;
    } else {
      name = line.substring(0, space);
      rest = space;
    }
    String[] value = line.substring(rest).strip().split(" ");
    return new Sample(name, labels, number(value[0]));
  }

  private static double number(String s) {
    return switch (s) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(s);
    };
  }

  /**
   * @return the samples named {@code name}
   */
  List<Sample> samples(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  /**
   * The value of one series.
   *
   * @param name the sample name
   * @param labels label name, value, name, value... (all of the series' labels)
   * @return its value, or empty if there is no such series
   */
  Optional<Double> value(String name, String... labels) {
    Map<String, String> wanted = new LinkedHashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      wanted.put(labels[i], labels[i + 1]);
    }
    return samples(name).stream()
        .filter(s -> s.labels().equals(wanted))
        .map(Sample::value)
        .findFirst();
  }

  /**
   * The family a sample belongs to: its name, or its name without a histogram or summary suffix.
   *
   * @param sample a sample name
   * @return the family name, or the sample name if no family declares it
   */
  String familyOf(String sample) {
    if (families.containsKey(sample)) {
      return sample;
    }
    for (String suffix : List.of("_bucket", "_count", "_sum", "_created")) {
      if (sample.endsWith(suffix)) {
        String base = sample.substring(0, sample.length() - suffix.length());
        if (families.containsKey(base)) {
          return base;
        }
      }
    }
    return sample;
  }
}
