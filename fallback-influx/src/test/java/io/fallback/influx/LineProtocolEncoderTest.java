package io.fallback.influx;

import static io.fallback.influx.TestWindows.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.io.schubfach.FloatToDecimal;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.client.write.Point;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowSpec;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LineProtocolEncoderTest {

  private final LineProtocolEncoder encoder =
      new LineProtocolEncoder("nurse_stress", "dask-fallback", false, WindowSpec.NURSE_FIELDS);

  @Test
  void nursePoint_hasIdAndSourceTags_floatMeans_integerStressLevel_msTimeAtEndMinusOne() {
    ScoredWindow w = window("15", 1_700_000_000_000L, 2, 0.1f, -1.5f, 9.81f, 0.25f, 72.5f, 33.1f);

    String line = encoder.encode(w);

    assertThat(line)
        .isEqualTo(
            "nurse_stress,id=15,source=dask-fallback "
                + "EDA=0.25,HR=72.5,TEMP=33.1,X=0.1,Y=-1.5,Z=9.81,stress_level=2i 1700000004999");
  }

  @Test
  void spacesCommasAndEquals_inMeasurementAndTags_areEscaped() {
    LineProtocolEncoder odd =
        new LineProtocolEncoder("nurse stress,a=b", "dask fallback,x=y", false, List.of("H R"));

    String line =
        odd.encode(
            new ScoredWindow(
                new io.fallback.core.window.WindowResult(
                    "ward 1,bed=2", 0, 5000, 1, new float[] {1f}),
                1));

    assertThat(line)
        .isEqualTo(
            "nurse\\ stress\\,a=b,id=ward\\ 1\\,bed\\=2,source=dask\\ fallback\\,x\\=y H\\ R=1.0,stress_level=1i 4999");
  }

  @Test
  void fieldKeysWithCommaAndEquals_areEscaped() {
    LineProtocolEncoder odd = new LineProtocolEncoder("m", "s", false, List.of("a,b", "c=d"));

    String line =
        odd.encode(
            new ScoredWindow(
                new io.fallback.core.window.WindowResult("k", 0, 5000, 1, new float[] {1f, 2f}),
                0));

    assertThat(line).isEqualTo("m,id=k,source=s a\\,b=1.0,c\\=d=2.0,stress_level=0i 4999");
  }

  @Test
  void sourceAsField_writesAQuotedStringField_andNoSourceTag() {
    LineProtocolEncoder asField =
        new LineProtocolEncoder("nurse_stress", "dask \"fb\"", true, List.of("HR"));

    String line =
        asField.encode(
            new ScoredWindow(
                new io.fallback.core.window.WindowResult("7", 10_000, 15_000, 1, new float[] {60f}),
                3));

    assertThat(line)
        .isEqualTo("nurse_stress,id=7 HR=60.0,source=\"dask \\\"fb\\\"\",stress_level=3i 14999");
  }

  @Test
  void nonFiniteMeans_areLeftOut() {
    ScoredWindow w = window("1", 0, 1, Float.NaN, 1f, Float.POSITIVE_INFINITY, 2f, 3f, 4f);

    assertThat(encoder.encode(w))
        .isEqualTo(
            "nurse_stress,id=1,source=dask-fallback EDA=2.0,HR=3.0,TEMP=4.0,Y=1.0,stress_level=1i 4999");
  }

  @Test
  void floats_areTheShortestDecimalOfTheFloat32_inPlainNotation() {
    assertThat(LineProtocolEncoder.formatFloat(0.1f)).isEqualTo("0.1");
    assertThat(LineProtocolEncoder.formatFloat(100f)).isEqualTo("100.0");
    assertThat(LineProtocolEncoder.formatFloat(-1.5f)).isEqualTo("-1.5");
    assertThat(LineProtocolEncoder.formatFloat(1e-5f)).isEqualTo("0.00001");
    assertThat(LineProtocolEncoder.formatFloat(-1.25e-4f)).isEqualTo("-0.000125");
    assertThat(LineProtocolEncoder.formatFloat(1e10f)).isEqualTo("10000000000.0");
    assertThat(LineProtocolEncoder.formatFloat(1.2345678e7f)).isEqualTo("12345678.0");
    assertThat(LineProtocolEncoder.formatFloat(-0f)).isEqualTo("0.0");
    assertThat(LineProtocolEncoder.formatFloat(Float.MIN_VALUE))
        .isEqualTo("0." + "0".repeat(44) + "14");
    assertThat(LineProtocolEncoder.formatFloat(Float.MAX_VALUE))
        .isEqualTo("340282350" + "0".repeat(30) + ".0");
    // Java 17's Float.toString gives 7.0342988E17 here, one digit more than needed (JDK-4511638)
    assertThat(LineProtocolEncoder.formatFloat(7.0342988E17f)).isEqualTo("703429900000000000.0");
  }

  @Test
  void formatFloat_roundTripsToTheSameFloat_withTheFewestDigits() {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 50_000; i++) {
      float v =
          i % 2 == 0
              ? Float.intBitsToFloat(random.nextInt())
              : (float) (random.nextDouble() * 400 - 200);
      if (!Float.isFinite(v) || v == 0f) {
        continue;
      }

      String text = LineProtocolEncoder.formatFloat(v);

      assertThat(text).doesNotContain("E").contains(".");
      assertThat(Float.parseFloat(text)).as("round trip of %s", text).isEqualTo(v);
      int digits = new BigDecimal(text).stripTrailingZeros().precision();
      assertThat(digits)
          .as("digits of %s", text)
          .isLessThanOrEqualTo(Math.max(2, shortestDigits(v)));
    }
  }

  @Test
  void lines_areByteForByteWhatPointWrites_givenTheShortestDecimals() {
    LineProtocolEncoder odd =
        new LineProtocolEncoder("m e,a=s", "fall back", false, WindowSpec.NURSE_FIELDS);
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 2000; i++) {
      float[] means = new float[6];
      for (int f = 0; f < 6; f++) {
        means[f] = Float.intBitsToFloat(random.nextInt());
      }
      ScoredWindow w = window("id " + i + ",x=" + (i % 3), i * 5000L, random.nextInt(5), means);

      Point p =
          Point.measurement("m e,a=s")
              .addTag("id", w.window().key())
              .addTag("source", "fall back")
              .addField("stress_level", (long) w.stressLevel())
              .time(w.window().pointTime(), WritePrecision.MS);
      for (int f = 0; f < 6; f++) {
        if (Float.isFinite(means[f])) {
          p.addField(
              WindowSpec.NURSE_FIELDS.get(f), new BigDecimal(FloatToDecimal.toString(means[f])));
        }
      }

      assertThat(odd.encode(w)).isEqualTo(p.toLineProtocol());
    }
  }

  @Test
  void fieldNameClashes_areRejected() {
    assertThatThrownBy(
            () -> new LineProtocolEncoder("m", "s", false, List.of("HR", "stress_level")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stress_level");
    assertThatThrownBy(() -> new LineProtocolEncoder("m", "s", true, List.of("source")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("source");
    assertThatThrownBy(() -> new LineProtocolEncoder("m", "s", false, List.of("HR", "HR")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("twice");
  }

  @Test
  void windowWithOtherNumberOfMeans_isRejected() {
    ScoredWindow w =
        new ScoredWindow(
            new io.fallback.core.window.WindowResult("k", 0, 5000, 1, new float[] {1f}), 0);

    assertThatThrownBy(() -> encoder.encode(w))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 means");
  }

  @Test
  void nonFiniteFloat_cannotBeFormatted() {
    assertThatThrownBy(() -> LineProtocolEncoder.formatFloat(Float.NaN))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static int shortestDigits(float v) {
    BigDecimal exact = new BigDecimal(v);
    for (int p = 1; p <= 9; p++) {
      if (Float.parseFloat(exact.round(new MathContext(p, RoundingMode.HALF_EVEN)).toString())
          == v) {
        return p;
      }
    }
    throw new AssertionError("no shortest form for " + v);
  }
}
