package io.fallback.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class SensorGeneratorTest {

  private static final long ORIGIN = 1_764_000_000_000L;

  @Test
  void sameSeed_sameReadings() {
    SensorGenerator a = new SensorGenerator(7, 3, 32, ORIGIN, 0.05);
    SensorGenerator b = new SensorGenerator(7, 3, 32, ORIGIN, 0.05);

    List<SensorReading> fromA = take(a, 500);
    List<SensorReading> fromB = take(b, 500);

    assertThat(fromA).isEqualTo(fromB);
    assertThat(take(new SensorGenerator(8, 3, 32, ORIGIN, 0.05), 500)).isNotEqualTo(fromA);
  }

  @Test
  void readings_stayInRealisticRanges() {
    SensorGenerator g = new SensorGenerator(42, 5, 32, ORIGIN, 0);

    List<SensorReading> readings = take(g, 32 * 120);

    assertThat(readings)
        .allSatisfy(
            r -> {
              assertThat(r.hr()).isBetween(60f, 130f);
              assertThat(r.eda()).isBetween(0.1f, 5f);
              assertThat(r.temp()).isBetween(30f, 36f);
              assertThat(r.x()).isBetween(-128f, 127f);
            });
    assertThat(readings.stream().mapToDouble(SensorReading::hr).max().orElseThrow())
        .isGreaterThan(110);
    assertThat(readings.stream().mapToDouble(SensorReading::hr).min().orElseThrow()).isLessThan(80);
  }

  @Test
  void eventTimes_followTheRate() {
    SensorGenerator g = new SensorGenerator(1, 2, 32, ORIGIN, 0);

    SensorReading first = g.next(1);
    SensorReading second = g.next(1);
    for (int k = 2; k < 32; k++) {
      g.next(1);
    }

    assertThat(first.eventTime()).isEqualTo(ORIGIN);
    assertThat(second.eventTime()).isEqualTo(ORIGIN + 31);
    assertThat(g.nextEventTime(1)).isEqualTo(ORIGIN + 1000);
    assertThat(g.nextEventTime(0)).isEqualTo(ORIGIN);
    assertThat(first.id()).isEqualTo("5C");
  }

  @Test
  void nullRate_makesSomeFieldsNull() {
    SensorGenerator g = new SensorGenerator(3, 2, 32, ORIGIN, 0.1);

    List<SensorReading> readings = take(g, 1000);

    long nulls = readings.stream().filter(r -> r.hr() == null).count();
    assertThat(nulls).as("about 10 %% of 2000 readings").isBetween(150L, 250L);
    SensorReading withNull =
        readings.stream().filter(r -> r.hr() == null).findFirst().orElseThrow();
    assertThat(withNull.valueOrZero(4)).isZero();
  }

  @Test
  void ids_beyondTheDataSet_areNumbered() {
    assertThat(SensorGenerator.ids(17)).hasSize(17).doesNotHaveDuplicates().endsWith("N15", "N16");
  }

  @Test
  void invalidSettings_areRejected() {
    assertThatThrownBy(() -> new SensorGenerator(1, 0, 32, ORIGIN, 0))
        .hasMessage("nurses must be >= 1, but was 0");
    assertThatThrownBy(() -> new SensorGenerator(1, 1, 32, ORIGIN, 1.5))
        .hasMessage("nullRate must be in [0, 1], but was 1.5");
  }

  @Test
  void avroDatum_roundTripsWithNullsAndTheSeedsDatetimeLayout() throws IOException {
    SensorAvro avro = new SensorAvro();
    SensorReading reading =
        new SensorReading("E4", ORIGIN + 123, 1.5f, null, -3f, 0.25f, 88.5f, null);

    GenericRecord decoded = avro.decode(avro.encode(reading));

    assertThat(decoded.get("id").toString()).isEqualTo("E4");
    assertThat(decoded.get("datetime").toString()).isEqualTo("2025-11-24 16:00:00.123");
    assertThat(decoded.get("X")).isEqualTo(1.5f);
    assertThat(decoded.get("Y")).isNull();
    assertThat(decoded.get("HR")).isEqualTo(88.5f);
    assertThat(decoded.get("TEMP")).isNull();
  }

  private static List<SensorReading> take(SensorGenerator g, int perNurse) {
    List<SensorReading> result = new ArrayList<>();
    for (int k = 0; k < perNurse; k++) {
      for (int n = 0; n < g.nurses(); n++) {
        result.add(g.next(n));
      }
    }
    return result;
  }
}
