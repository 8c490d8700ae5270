package io.fallback.influx;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the line a 4xx answer is about, so the error names the point. InfluxDB says {@code unable
 * to parse '<line>': <reason>} for a malformed line and {@code field type conflict: input field "F"
 * on measurement "M" is type T, already exists as type U} for a type clash; for any other rejection
 * the chunk's first line is named as such.
 */
final class RejectedPoints {

  private static final Pattern UNABLE_TO_PARSE = Pattern.compile("unable to parse '(.*?)': ");
  private static final Pattern TYPE_CONFLICT =
      Pattern.compile("input field \"(.*?)\" on measurement \"(.*?)\" is type");

  private RejectedPoints() {}

  /** The rejected line and how it was identified, or null for an empty body. */
  record Found(String line, boolean exact) {}

  static Found find(String serverMessage, String body) {
    Matcher parse = UNABLE_TO_PARSE.matcher(serverMessage);
    if (parse.find()) {
      return new Found(parse.group(1), true);
    }
    Matcher conflict = TYPE_CONFLICT.matcher(serverMessage);
    if (conflict.find()) {
      String field = LineProtocolEncoder.escapedFieldKey(conflict.group(1));
      String measurement = LineProtocolEncoder.escapedMeasurement(conflict.group(2));
      for (String line : body.split("\n")) {
        if (hasMeasurement(line, measurement) && hasField(line, field)) {
          return new Found(line, true);
        }
      }
    }
    int nl = body.indexOf('\n');
    String first = nl < 0 ? body : body.substring(0, nl);
    return first.isEmpty() ? null : new Found(first, false);
  }

  private static boolean hasMeasurement(String line, String measurement) {
    return line.startsWith(measurement)
        && line.length() > measurement.length()
        && (line.charAt(measurement.length()) == ',' || line.charAt(measurement.length()) == ' ');
  }

  private static boolean hasField(String line, String field) {
    String key = field + "=";
    int from = 0;
    while (true) {
      int i = line.indexOf(key, from);
      if (i < 0) {
        return false;
      }
      if (i > 0
          && (line.charAt(i - 1) == ' ' || line.charAt(i - 1) == ',')
          && !escaped(line, i - 1)) {
        return true;
      }
      from = i + 1;
    }
  }

  private static boolean escaped(String line, int i) {
    return i > 0 && line.charAt(i - 1) == '\\';
  }
}
