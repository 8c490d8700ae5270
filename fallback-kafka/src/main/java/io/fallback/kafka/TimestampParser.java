package io.fallback.kafka;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.util.Objects;

/**
 * Parses a string event time into epoch milliseconds, read as UTC.
 *
 * <p>For the producer's layout {@code yyyy-MM-dd HH:mm:ss.SSS} a hand-written fast path reads the
 * digits at their fixed positions straight from the bytes, validating every character and field
 * range (month, day of that month, hour, minute, second); DESIGN section 9 measured a {@code
 * DateTimeFormatter} at about 0.5 µs per record, which alone caps the loop. Anything the fast path
 * does not accept, and every other layout, goes through a {@link DateTimeFormatter} with {@link
 * ResolverStyle#STRICT} (so both paths reject, for example, February 30), which also provides the
 * error message.
 *
 * <p>Immutable and thread-safe.
 */
final class TimestampParser {

  private static final int FAST_LENGTH = 23;

  private final String pattern;
  private final DateTimeFormatter formatter;
  private final boolean fastPath;

  private TimestampParser(String pattern, DateTimeFormatter formatter, boolean fastPath) {
    this.pattern = pattern;
    this.formatter = formatter;
    this.fastPath = fastPath;
  }

  /**
   * A parser for {@code pattern}.
   *
   * @param pattern a {@code DateTimeFormatter} pattern; {@code y} is read as the proleptic year
   * @return the parser
   * @throws IllegalArgumentException if the pattern is invalid
   */
  static TimestampParser of(String pattern) {
    Objects.requireNonNull(pattern, "pattern");
    DateTimeFormatter formatter =
        DateTimeFormatter.ofPattern(strictYears(pattern))
            .withResolverStyle(ResolverStyle.STRICT)
            .withZone(ZoneOffset.UTC);
    return new TimestampParser(
        pattern, formatter, KafkaSourceSettings.DEFAULT_TIMESTAMP_FORMAT.equals(pattern));
  }

  /**
   * @return the configured pattern
   */
  String pattern() {
    return pattern;
  }

  /**
   * Parses {@code len} UTF-8 bytes of {@code buf} from {@code off}.
   *
   * @return epoch milliseconds
   * @throws DecodeException with reason {@code bad-timestamp}
   */
  long parse(byte[] buf, int off, int len) throws DecodeException {
    if (fastPath && len == FAST_LENGTH) {
      long millis = parseFast(buf, off);
      if (millis != Long.MIN_VALUE) {
        return millis;
      }
    }
    return parseWithFormatter(new String(buf, off, len, StandardCharsets.UTF_8));
  }

  /**
   * Parses a string.
   *
   * @return epoch milliseconds
   * @throws DecodeException with reason {@code bad-timestamp}
   */
  long parse(String text) throws DecodeException {
    if (fastPath && text.length() == FAST_LENGTH) {
      byte[] ascii = new byte[FAST_LENGTH];
      boolean isAscii = true;
      for (int i = 0; i < FAST_LENGTH; i++) {
        char c = text.charAt(i);
        isAscii &= c < 128;
        ascii[i] = (byte) c;
      }
      if (isAscii) {
        long millis = parseFast(ascii, 0);
        if (millis != Long.MIN_VALUE) {
          return millis;
        }
      }
    }
    return parseWithFormatter(text);
  }

  long parseWithFormatter(String text) throws DecodeException {
    try {
      return Instant.from(formatter.parse(text)).toEpochMilli();
    } catch (DateTimeException | ArithmeticException e) {
      throw new DecodeException(
          DeadLetterReason.BAD_TIMESTAMP,
          "cannot parse '" + text + "' as " + pattern + ": " + e.getMessage());
    }
  }

  /**
   * {@code yyyy-MM-dd HH:mm:ss.SSS} at {@code buf[off..off+23)}, or {@link Long#MIN_VALUE} when the
   * bytes are not exactly that layout with valid field values.
   */
  static long parseFast(byte[] b, int off) {
    int year = digits4(b, off);
    int month = digits2(b, off + 5);
    int day = digits2(b, off + 8);
    int hour = digits2(b, off + 11);
    int minute = digits2(b, off + 14);
    int second = digits2(b, off + 17);
    int milli = digits3(b, off + 20);
    if ((year | month | day | hour | minute | second | milli) < 0
        || b[off + 4] != '-'
        || b[off + 7] != '-'
        || b[off + 10] != ' '
        || b[off + 13] != ':'
        || b[off + 16] != ':'
        || b[off + 19] != '.'
        || month < 1
        || month > 12
        || day < 1
        || day > daysInMonth(year, month)
        || hour > 23
        || minute > 59
        || second > 59) {
      return Long.MIN_VALUE;
    }
    long days = daysFromCivil(year, month, day);
    return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + milli;
  }

  private static int digit(byte c) {
    // a non-digit makes every digitsN sum negative (no overflow: at most 1000 * -100_000)
    int d = c - '0';
    return d >= 0 && d <= 9 ? d : -100_000;
  }

  private static int digits2(byte[] b, int i) {
    return digit(b[i]) * 10 + digit(b[i + 1]);
  }

  private static int digits3(byte[] b, int i) {
    return digit(b[i]) * 100 + digit(b[i + 1]) * 10 + digit(b[i + 2]);
  }

  private static int digits4(byte[] b, int i) {
    return digit(b[i]) * 1000 + digit(b[i + 1]) * 100 + digit(b[i + 2]) * 10 + digit(b[i + 3]);
  }

  private static int daysInMonth(int year, int month) {
    switch (month) {
      case 2:
        boolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        return leap ? 29 : 28;
      case 4:
      case 6:
      case 9:
      case 11:
        return 30;
      default:
        return 31;
    }
  }

  /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
  static long daysFromCivil(int year, int month, int day) {
    long y = month <= 2 ? year - 1 : year;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146_097 + doe - 719_468;
  }

  /**
   * {@code y} (year of era) needs an era under STRICT resolution; {@code u} (proleptic year) does
   * not.
   */
  private static String strictYears(String pattern) {
    StringBuilder out = new StringBuilder(pattern.length());
    boolean quoted = false;
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c == '\'') {
        quoted = !quoted;
      }
      out.append(!quoted && c == 'y' ? 'u' : c);
    }
    return out.toString();
  }
}
