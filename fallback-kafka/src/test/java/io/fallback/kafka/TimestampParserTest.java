package io.fallback.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TimestampParserTest {

  private static final DateTimeFormatter REFERENCE =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  private final TimestampParser parser =
      TimestampParser.of(KafkaSourceSettings.DEFAULT_TIMESTAMP_FORMAT);

  @Test
  void randomInstants_fastPathEqualsFormatter() throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    long min = Instant.parse("0001-01-01T00:00:00Z").toEpochMilli();
    long max = Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();
    for (int i = 0; i < 200_000; i++) {
      long millis = i % 2 == 0 ? random.nextLong(min, max) : random.nextLong(0, 4_102_444_800_000L);
      String text = REFERENCE.format(Instant.ofEpochMilli(millis));
      byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);

      long fast = TimestampParser.parseFast(bytes, 0);
      long viaParser = parser.parse(bytes, 0, bytes.length);
      long viaFormatter = parser.parseWithFormatter(text);

      assertThat(fast).as(text).isEqualTo(millis);
      assertThat(viaParser).as(text).isEqualTo(millis);
      assertThat(viaFormatter).as(text).isEqualTo(millis);
    }
  }

  @Test
  void leapDays_acceptedOnlyInLeapYears() throws Exception {
    assertThat(parser.parse("2024-02-29 12:00:00.000"))
        .isEqualTo(LocalDateTime.of(2024, 2, 29, 12, 0).toInstant(ZoneOffset.UTC).toEpochMilli());
    assertThat(parser.parse("2000-02-29 00:00:00.000"))
        .isEqualTo(Instant.parse("2000-02-29T00:00:00Z").toEpochMilli());
    assertThatThrownBy(() -> parser.parse("2023-02-29 12:00:00.000"))
        .isInstanceOf(DecodeException.class);
    assertThatThrownBy(() -> parser.parse("1900-02-29 12:00:00.000"))
        .isInstanceOf(DecodeException.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2024-13-01 00:00:00.000",
        "2024-00-01 00:00:00.000",
        "2024-04-31 00:00:00.000",
        "2024-02-30 00:00:00.000",
        "2024-01-00 00:00:00.000",
        "2024-01-01 24:00:00.000",
        "2024-01-01 23:60:00.000",
        "2024-01-01 23:59:60.000",
        "2024-01-01T23:59:59.000",
        "2024/01/01 23:59:59.000",
        "2024-01-01 23:59:59,000",
        "2024-01-01 23:59:59.0a0",
        "2024-01-01 2a:59:59.000",
        "20x4-01-01 23:59:59.000",
        "2024-01-01 23:59:59",
        "2024-01-01 23:59:59.0000",
        "2024-01-01 23:59:59.00",
        "",
        "not a timestamp",
        "2024-01-01 23:59:59.000Z"
      })
  void badTimestamps_rejectedWithBadTimestampReason(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> parser.parse(bytes, 0, bytes.length))
        .isInstanceOfSatisfying(
            DecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.BAD_TIMESTAMP))
        .hasMessageContaining(text);
    assertThatThrownBy(() -> parser.parse(text)).isInstanceOf(DecodeException.class);
  }

  @Test
  void otherPattern_usesFormatter() throws Exception {
    TimestampParser iso = TimestampParser.of("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    TimestampParser seconds = TimestampParser.of("dd/MM/yyyy HH:mm:ss");

    assertThat(iso.parse("2024-05-06T07:08:09.123+02:00"))
        .isEqualTo(Instant.parse("2024-05-06T05:08:09.123Z").toEpochMilli());
    assertThat(seconds.parse("06/05/2024 07:08:09"))
        .isEqualTo(Instant.parse("2024-05-06T07:08:09Z").toEpochMilli());
    assertThatThrownBy(() -> seconds.parse("2024-05-06 07:08:09.000"))
        .isInstanceOf(DecodeException.class);
  }

  @Test
  void invalidPattern_rejected() {
    assertThatThrownBy(() -> TimestampParser.of("yyyy-MM-dd {"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void daysFromCivil_matchesLocalDate() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 10_000; i++) {
      java.time.LocalDate d = java.time.LocalDate.ofEpochDay(random.nextLong(-800_000, 2_900_000));
      assertThat(TimestampParser.daysFromCivil(d.getYear(), d.getMonthValue(), d.getDayOfMonth()))
          .as(d.toString())
          .isEqualTo(d.toEpochDay());
    }
  }
}
