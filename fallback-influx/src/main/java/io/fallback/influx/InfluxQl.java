package io.fallback.influx;

/** InfluxQL text for the primary's points. */
final class InfluxQl {

  private InfluxQl() {}

  /** A double-quoted identifier. */
  static String ident(String name) {
    return '"' + name.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  /** A single-quoted string literal. */
  static String literal(String value) {
    return '\'' + value.replace("\\", "\\\\").replace("'", "\\'") + '\'';
  }

  /** {@code "rp"."measurement"} of the primary, or just the measurement for the default policy. */
  static String primaryFrom(InfluxSettings s) {
    return s.retentionPolicy().map(rp -> ident(rp) + ".").orElse("")
        + ident(s.primaryMeasurement());
  }

  /**
   * The condition that selects the primary's points: {@code "source" = '<primary_source>'} when
   * set, else {@code ("source" != '<ours>' OR "source" = '')}: another source or none (on InfluxDB
   * 1.x an absent tag compares equal to the empty string). Unqualified, {@code "source"} resolves
   * to the tag, or to the field when the points carry the source as a field.
   */
  static String primaryFilter(InfluxSettings s) {
    String source = ident(LineProtocolEncoder.SOURCE_KEY);
    return s.primarySource()
        .map(p -> source + " = " + literal(p))
        .orElse("(" + source + " != " + literal(s.sourceTag()) + " OR " + source + " = '')");
  }
}
