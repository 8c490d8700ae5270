package io.fallback.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.fallback.core.PrimaryProgress.WindowId;
import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowSpec;
import io.fallback.testkit.InfluxDbExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Primary progress against a real influxd 1.6.7. */
class InfluxPrimaryProgressIT {

  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();

  private static final long T = 1_700_000_000_000L;

  @Test
  void primaryAndFallbackWriting_onlyThePrimarysWindowsAreReported() {
    INFLUX.server().createDatabase("progress");
    InfluxSettings s =
        InfluxSettings.builder().url(INFLUX.server().url()).database("progress").build();
    // the primary wrote windows 0..3 of "a" and 0..1 of "b" (and window 5 of "a", out of order)
    StringBuilder primary = new StringBuilder();
    for (int w : new int[] {0, 1, 2, 3, 5}) {
      primary
          .append("nurse_stress,id=a,source=flink stress_level=1i ")
          .append(T + w * 5000L + 4999)
          .append('\n');
    }
    for (int w = 0; w < 2; w++) {
      primary
          .append("nurse_stress,id=b,source=flink stress_level=1i ")
          .append(T + w * 5000L + 4999)
          .append('\n');
    }
    INFLUX.server().write("progress", primary.toString());
    // the fallback wrote newer windows of a, b and c through the sink
    List<ScoredWindow> fallback = new ArrayList<>();
    for (String key : List.of("a", "b", "c")) {
      for (int w = 4; w < 8; w++) {
        fallback.add(TestWindows.window(key, T + w * 5000L, 0, 1f, 1f, 1f, 1f, 1f, 1f));
      }
    }
    try (InfluxSink sink = InfluxSink.of(s, WindowSpec.ofDefaults())) {
      sink.write(fallback);
    }
    InfluxPrimaryProgress progress = InfluxPrimaryProgress.of(s, WindowSpec.ofDefaults());

    assertThat(progress.newestPointPerKey())
        .containsOnly(entry("a", T + 29_999), entry("b", T + 9_999));
    assertThat(progress.writtenWindows(T + 4_999, T + 30_000))
        .containsExactlyInAnyOrder(
            new WindowId("a", T),
            new WindowId("a", T + 5000),
            new WindowId("a", T + 10_000),
            new WindowId("a", T + 15_000),
            new WindowId("a", T + 25_000),
            new WindowId("b", T),
            new WindowId("b", T + 5000));
    assertThat(progress.writtenWindows(T + 5_000, T + 9_999)).isEmpty();
  }

  @Test
  void seedShape_flinkEvents_tagIdOnly_fieldStressLevel() {
    INFLUX.server().createDatabase("seed");
    InfluxSettings s =
        InfluxSettings.builder()
            .url(INFLUX.server().url())
            .database("seed")
            .primaryMeasurement("flink_events")
            .primaryField("stressLevel")
            .build();
    INFLUX
        .server()
        .write(
            "seed",
            "flink_events,id=n1 EDA=0.1,HR=70.0,TEMP=33.0,stressLevel=2i "
                + (T + 4_999)
                + "\n"
                + "flink_events,id=n1 EDA=0.1,HR=70.0,TEMP=33.0,stressLevel=1i "
                + (T + 9_999)
                + "\n"
                + "flink_events,id=n2 EDA=0.1,HR=70.0,TEMP=33.0,stressLevel=0i "
                + (T + 4_999));
    InfluxPrimaryProgress progress = InfluxPrimaryProgress.of(s, WindowSpec.ofDefaults());

    assertThat(progress.newestPointPerKey())
        .containsOnly(entry("n1", T + 9_999), entry("n2", T + 4_999));
    assertThat(progress.writtenWindows(T, T + 10_000))
        .containsExactlyInAnyOrder(
            new WindowId("n1", T), new WindowId("n1", T + 5000), new WindowId("n2", T));
  }

  @Test
  void noMeasurementYet_isEmpty() {
    INFLUX.server().createDatabase("empty");
    InfluxSettings s =
        InfluxSettings.builder().url(INFLUX.server().url()).database("empty").build();
    InfluxPrimaryProgress progress = InfluxPrimaryProgress.of(s, WindowSpec.ofDefaults());

    assertThat(progress.newestPointPerKey()).isEmpty();
    assertThat(progress.writtenWindows(Long.MIN_VALUE, Long.MAX_VALUE)).isEmpty();
  }
}
