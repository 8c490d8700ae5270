package io.fallback.launcher;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One JSON object per log event, on one line, for log shippers: {@code logback-json.xml} uses it
 * ({@code -Dlogback.configurationFile=logback-json.xml}).
 *
 * <pre>{@code
 * {"@timestamp":"2025-03-01T12:00:00.123Z","level":"WARN","logger_name":"io.fallback","thread_name":"fallback-supervisor","message":"Latency violation 1/3: 312.45s > 300s"}
 * }</pre>
 *
 * <p>The field names are those of logstash-logback-encoder, which Elasticsearch, Loki and Datadog
 * pipelines read without mapping: {@code @timestamp} (ISO-8601 in UTC, milliseconds), {@code
 * level}, {@code logger_name}, {@code thread_name}, {@code message}, and {@code stack_trace} when
 * the event carries an exception: the whole trace as one JSON string, so a trace never spans
 * several lines. Logback's own {@code JsonEncoder} writes the time as epoch milliseconds and the
 * trace as nested objects.
 *
 * <p>Thread-safe: Logback may call {@link #doLayout} from any thread; the method keeps no state.
 */
public final class JsonLineLayout extends LayoutBase<ILoggingEvent> {

  private static final DateTimeFormatter ISO_MILLIS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

  /** Creates the layout; Logback configures it from {@code logback-json.xml}. */
  public JsonLineLayout() {}

  /**
   * Formats one event.
   *
   * @param event the event
   * @return one JSON object and a line feed
   */
  @Override
  public String doLayout(ILoggingEvent event) {
    StringBuilder sb = new StringBuilder(256);
    sb.append('{');
    field(sb, "@timestamp", ISO_MILLIS.format(event.getInstant()));
    sb.append(',');
    field(sb, "level", event.getLevel().toString());
    sb.append(',');
    field(sb, "logger_name", event.getLoggerName());
    sb.append(',');
    field(sb, "thread_name", event.getThreadName());
    sb.append(',');
    field(sb, "message", event.getFormattedMessage());
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      sb.append(',');
      field(sb, "stack_trace", ThrowableProxyUtil.asString(thrown));
    }
    sb.append("}\n");
    return sb.toString();
  }

  private static void field(StringBuilder sb, String name, String value) {
    quoted(sb, name);
    sb.append(':');
    if (value == null) {
      sb.append("null");
    } else {
      quoted(sb, value);
    }
  }

  /** A JSON string (RFC 8259): quote, backslash and every control character escaped. */
  static void quoted(StringBuilder sb, String value) {
    sb.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
