package io.fallback.influx;

import com.fasterxml.jackson.core.io.schubfach.FloatToDecimal;
import com.influxdb.client.write.Point;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Encodes a {@link ScoredWindow} as one line of InfluxDB line protocol, millisecond precision:
 *
 * <pre>
 * nurse_stress,id=&lt;key&gt;,source=dask-fallback EDA=0.25,HR=72.5,TEMP=33.1,X=..,Y=..,Z=..,stress_level=2i &lt;end-1ms&gt;
 * </pre>
 *
 * <p>Pure (no I/O), apart from the transport. Escaping of the measurement, tag keys and values and
 * field keys is done by {@code influxdb-client-java}'s {@link Point}: the series prefix of each key
 * and every field key are produced by {@code Point} once and cached. Field values are formatted
 * here, because {@code Point} formats a {@code float} through {@code double} ({@code 0.1f} becomes
 * {@code 0.10000000149011612}): a mean is written as the shortest decimal that reads back as the
 * same float32 (the Schubfach algorithm, identical to {@code Float.toString} on Java 19+, taken
 * from jackson-core because Java 17's {@code Float.toString} is not always the shortest), in plain
 * notation (no exponent) with at least one fraction digit. The result is byte for byte what {@code
 * Point} writes when given that decimal as a {@code BigDecimal}: fields sorted by key, non-finite
 * means left out (line protocol cannot carry NaN or infinity), {@code stress_level} an integer
 * ({@code 2i}).
 *
 * <p>A primary job that wants to write exactly the fallback's values can use this class or {@link
 * #formatFloat(float)}.
 *
 * <p>This class is thread-safe.
 */
public final class LineProtocolEncoder {

  /** The tag (and field) key of the key (nurse id). */
  public static final String ID_KEY = "id";

  /** The tag (or field) key of the source. */
  public static final String SOURCE_KEY = "source";

  /** The integer field holding the model's prediction. */
  public static final String STRESS_LEVEL_FIELD = "stress_level";

  private static final int SERIES_CACHE_LIMIT = 100_000;
  private static final int STRESS = -1;
  private static final int SOURCE = -2;

  private final String measurement;
  private final String sourceTag;
  private final boolean sourceAsField;
  private final int fieldCount;

  /**
   * Field indexes in output order; {@link #STRESS} and {@link #SOURCE} mark the two extra fields.
   */
  private final int[] order;

  /** Escaped {@code key=} per output position. */
  private final String[] keyPrefixes;

  /** {@code source="..."}, escaped, when the source is a field. */
  private final String sourceFieldValue;

  private final Map<String, String> seriesPrefixes = new ConcurrentHashMap<>();

  /**
   * Creates an encoder.
   *
   * @param measurement the measurement
   * @param sourceTag the source value written on every point
   * @param sourceAsField true to write {@code source} as a string field instead of a tag
   * @param fieldNames names of the window means, in {@link WindowResult#mean(int)} order
   * @throws IllegalArgumentException for a blank name or a field name used twice (including {@code
   *     stress_level}, and {@code source} when it is a field)
   */
  public LineProtocolEncoder(
      String measurement, String sourceTag, boolean sourceAsField, List<String> fieldNames) {
    this.measurement = requireText(measurement, "measurement");
    this.sourceTag = requireText(sourceTag, "sourceTag");
    this.sourceAsField = sourceAsField;
    List<String> names = List.copyOf(fieldNames);
    this.fieldCount = names.size();

    Set<String> seen = new HashSet<>();
    TreeMap<String, Integer> sorted = new TreeMap<>();
    for (int i = 0; i < names.size(); i++) {
      String name = requireText(names.get(i), "field name");
      if (!seen.add(name)) {
        throw new IllegalArgumentException("field name '" + name + "' appears twice in " + names);
      }
      sorted.put(name, i);
    }
    if (!seen.add(STRESS_LEVEL_FIELD)) {
      throw new IllegalArgumentException(
          "field name '" + STRESS_LEVEL_FIELD + "' is reserved for the prediction");
    }
    sorted.put(STRESS_LEVEL_FIELD, STRESS);
    if (sourceAsField) {
      if (!seen.add(SOURCE_KEY)) {
        throw new IllegalArgumentException(
            "field name '" + SOURCE_KEY + "' is reserved when the source is written as a field");
      }
      sorted.put(SOURCE_KEY, SOURCE);
    }

    this.order = new int[sorted.size()];
    this.keyPrefixes = new String[sorted.size()];
    int k = 0;
    for (Map.Entry<String, Integer> e : sorted.entrySet()) {
      order[k] = e.getValue();
      keyPrefixes[k] = escapedFieldKey(e.getKey()) + "=";
      k++;
    }
    String sourceLine = Point.measurement("m").addField(SOURCE_KEY, sourceTag).toLineProtocol();
    this.sourceFieldValue = sourceLine.substring(("m " + SOURCE_KEY + "=").length());
  }

  /**
   * The encoder for the fallback's points.
   *
   * @param settings measurement, source tag and whether the source is a field
   * @param spec the field names of the means
   * @return the encoder
   */
  public static LineProtocolEncoder of(InfluxSettings settings, WindowSpec spec) {
    return new LineProtocolEncoder(
        settings.measurement(), settings.sourceTag(), settings.sourceAsField(), spec.fieldNames());
  }

  /**
   * Encodes one point, without a trailing newline.
   *
   * @param window the scored window
   * @return one line of line protocol
   * @throws IllegalArgumentException when the window has a different number of means than field
   *     names
   */
  public String encode(ScoredWindow window) {
    StringBuilder sb = new StringBuilder(160);
    appendTo(sb, window);
    return sb.toString();
  }

  /**
   * Appends one point, without a trailing newline.
   *
   * @param sb where to append
   * @param window the scored window
   * @throws IllegalArgumentException when the window has a different number of means than field
   *     names
   */
  void appendTo(StringBuilder sb, ScoredWindow window) {
    WindowResult w = window.window();
    if (w.size() != fieldCount) {
      throw new IllegalArgumentException(
          "window of key "
              + w.key()
              + " has "
              + w.size()
              + " means, but "
              + fieldCount
              + " field names are configured");
    }
    sb.append(seriesPrefix(w.key())).append(' ');
    boolean first = true;
    for (int k = 0; k < order.length; k++) {
      int i = order[k];
      if (i >= 0 && !Float.isFinite(w.mean(i))) {
        continue;
      }
      if (!first) {
        sb.append(',');
      }
      first = false;
      sb.append(keyPrefixes[k]);
      if (i == STRESS) {
        sb.append(window.stressLevel()).append('i');
      } else if (i == SOURCE) {
        sb.append(sourceFieldValue);
      } else {
        appendFloat(sb, w.mean(i));
      }
    }
    sb.append(' ').append(w.pointTime());
  }

  /**
   * The escaped measurement as it starts every line (for finding a rejected line).
   *
   * @param measurement a measurement name
   * @return the escaped name
   */
  static String escapedMeasurement(String measurement) {
    String line = Point.measurement(measurement).addField("f", 0L).toLineProtocol();
    return line.substring(0, line.length() - " f=0i".length());
  }

  /**
   * A field key escaped as in line protocol.
   *
   * @param key a field key
   * @return the escaped key
   */
  static String escapedFieldKey(String key) {
    String line = Point.measurement("m").addField(key, 0L).toLineProtocol();
    return line.substring(2, line.length() - "=0i".length());
  }

  private String seriesPrefix(String key) {
    String prefix = seriesPrefixes.get(key);
    if (prefix == null) {
      Point p = Point.measurement(measurement).addTag(ID_KEY, key);
      if (!sourceAsField) {
        p.addTag(SOURCE_KEY, sourceTag);
      }
      String line = p.addField("f", 0L).toLineProtocol();
      prefix = line.substring(0, line.length() - " f=0i".length());
      if (seriesPrefixes.size() >= SERIES_CACHE_LIMIT) {
        seriesPrefixes.clear();
      }
      seriesPrefixes.put(key, prefix);
    }
    return prefix;
  }

  /**
   * The shortest decimal that reads back as {@code value} (as a float32), in plain notation with at
   * least one fraction digit: {@code 0.1f} gives {@code 0.1}, {@code 1e-5f} gives {@code 0.00001},
   * {@code 100f} gives {@code 100.0}, {@code -0f} gives {@code 0.0}.
   *
   * @param value a finite float
   * @return its line-protocol float text
   * @throws IllegalArgumentException for NaN or an infinity
   */
  public static String formatFloat(float value) {
    if (!Float.isFinite(value)) {
      throw new IllegalArgumentException("line protocol cannot carry " + value);
    }
    StringBuilder sb = new StringBuilder(16);
    appendFloat(sb, value);
    return sb.toString();
  }

  static void appendFloat(StringBuilder sb, float value) {
    if (value == 0f) {
      sb.append("0.0");
      return;
    }
    String s = FloatToDecimal.toString(value);
    int e = s.indexOf('E');
    if (e < 0) {
      // 1e-3 <= |value| < 1e7: already plain, with at least one fraction digit
      sb.append(s);
      return;
    }
    int i = 0;
    if (s.charAt(0) == '-') {
      sb.append('-');
      i = 1;
    }
    // s is d.dddE[-]x: all significant digits, then the decimal exponent of the first one
    StringBuilder digits = new StringBuilder(10).append(s.charAt(i)).append(s, i + 2, e);
    int len = digits.length();
    while (len > 1 && digits.charAt(len - 1) == '0') {
      len--;
    }
    int point = Integer.parseInt(s, e + 1, s.length(), 10) + 1;
    if (point <= 0) {
      sb.append("0.");
      for (int z = 0; z < -point; z++) {
        sb.append('0');
      }
      sb.append(digits, 0, len);
    } else if (point >= len) {
      sb.append(digits, 0, len);
      for (int z = len; z < point; z++) {
        sb.append('0');
      }
      sb.append(".0");
    } else {
      sb.append(digits, 0, point).append('.').append(digits, point, len);
    }
  }

  /**
   * Encodes a list, one line per window, each ending in a newline.
   *
   * @param windows the windows
   * @return the lines, for tests and diagnostics
   */
  List<String> encodeAll(List<ScoredWindow> windows) {
    List<String> lines = new ArrayList<>(windows.size());
    for (ScoredWindow w : windows) {
      lines.add(encode(w));
    }
    return lines;
  }

  private static String requireText(String value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    return value;
  }
}
