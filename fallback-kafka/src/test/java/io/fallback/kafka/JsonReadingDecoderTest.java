package io.fallback.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowSpec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonReadingDecoderTest {

  private final JsonReadingDecoder decoder =
      new JsonReadingDecoder(
          "id",
          "datetime",
          TimestampParser.of(KafkaSourceSettings.DEFAULT_TIMESTAMP_FORMAT),
          WindowSpec.NURSE_FIELDS);

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void nurseObject_decodedWithNullsAsZeroAndUnknownFieldsSkipped() throws Exception {
    Reading r =
        decoder.decode(
            json(
                "{\"X\":1.5,\"Y\":null,\"extra\":{\"a\":[1,2]},\"Z\":-2,\"EDA\":0.25,\"HR\":70,"
                    + "\"id\":\"15\",\"datetime\":\"2024-01-01 00:00:01.500\"}"),
            -1);

    assertThat(r)
        .isEqualTo(
            new Reading("15", 1_704_067_201_500L, new float[] {1.5f, 0f, -2f, 0.25f, 70f, 0f}));
  }

  @Test
  void numericIdAndEpochTimestamp_accepted() throws Exception {
    Reading r = decoder.decode(json("{\"id\":7,\"datetime\":1704067201500}"), -1);

    assertThat(r.key()).isEqualTo("7");
    assertThat(r.eventTime()).isEqualTo(1_704_067_201_500L);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "not json|undecodable",
        "[1,2]|undecodable",
        "{\"id\":\"1\",\"datetime\":\"2024-01-01 00:00:01.500\",\"X\":\"abc\"}|undecodable",
        "{\"id\":\"1\",\"datetime\":\"2024-01-01 00:00|undecodable",
        "{\"datetime\":\"2024-01-01 00:00:01.500\"}|missing-key",
        "{\"id\":null,\"datetime\":\"2024-01-01 00:00:01.500\"}|missing-key",
        "{\"id\":\"1\"}|missing-timestamp",
        "{\"id\":\"1\",\"datetime\":\"yesterday\"}|bad-timestamp"
      })
  void badRecords_rejectedWithReason(String text, String reason) {
    assertThatThrownBy(() -> decoder.decode(json(text), -1))
        .isInstanceOfSatisfying(
            DecodeException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
