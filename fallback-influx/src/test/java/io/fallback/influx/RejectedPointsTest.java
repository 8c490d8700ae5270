package io.fallback.influx;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RejectedPointsTest {

  private static final String BODY =
      "nurse_stress,id=a,source=s HR=1.0,stress_level=1i 4999\n"
          + "other\\ m,id=b stress_level=2i 4999\n"
          + "nurse_stress,id=c,source=s HR=2.0,stress\\ level=3i 9999\n";

  @Test
  void unableToParse_namesTheQuotedLine() {
    RejectedPoints.Found found =
        RejectedPoints.find("HTTP 400: unable to parse 'm,id=x HR= 1': missing field value", BODY);

    assertThat(found).isEqualTo(new RejectedPoints.Found("m,id=x HR= 1", true));
  }

  @Test
  void typeConflict_namesTheFirstLineOfThatMeasurementWithThatField() {
    RejectedPoints.Found found =
        RejectedPoints.find(
            "HTTP 400: partial write: field type conflict: "
                + "input field \"stress_level\" on measurement \"other m\" is type integer, already exists as type float dropped=1",
            BODY);

    assertThat(found)
        .isEqualTo(new RejectedPoints.Found("other\\ m,id=b stress_level=2i 4999", true));
  }

  @Test
  void typeConflict_onAnEscapedFieldKey_isFound() {
    RejectedPoints.Found found =
        RejectedPoints.find(
            "field type conflict: input field \"stress level\" "
                + "on measurement \"nurse_stress\" is type integer, already exists as type float dropped=1",
            BODY);

    assertThat(found.line()).startsWith("nurse_stress,id=c");
  }

  @Test
  void otherRejection_namesTheChunksFirstLine_asSuch() {
    RejectedPoints.Found found =
        RejectedPoints.find("HTTP 400: points beyond retention policy dropped=3", BODY);

    assertThat(found)
        .isEqualTo(
            new RejectedPoints.Found(
                "nurse_stress,id=a,source=s HR=1.0,stress_level=1i 4999", false));
  }
}
