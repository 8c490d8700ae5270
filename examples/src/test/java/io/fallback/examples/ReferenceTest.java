package io.fallback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReferenceTest {

  private static final long T0 = 1_764_000_000_000L; // a multiple of 5 s

  @Test
  void means_areFloatOfDoubleSums_withNullsCountedAsZero() {
    List<SensorProducer.Sent> sent =
        List.of(
            sent(0, reading("A", T0 + 10, 1f, 100f, 1f)),
            sent(0, reading("A", T0 + 4_999, null, 90f, 5f)),
            sent(0, reading("A", T0 + 5_000, 3f, 70f, 0.5f)));

    Reference reference = Reference.ofDefaults(sent);

    Reference.Expected first = reference.all().get(new Reference.WindowKey("A", T0));
    assertThat(first.count()).isEqualTo(2);
    assertThat(first.means()[0]).isEqualTo((float) (1.0 / 2));
    assertThat(first.means()[4]).isEqualTo(95f);
    assertThat(first.pointTime()).isEqualTo(T0 + 4_999);
    assertThat(first.stressLevel()).isEqualTo(StressModel.predict(95f, 3f)).isEqualTo(2);
    assertThat(reference.all()).hasSize(2);
  }

  @Test
  void due_followsTheSlowestPartitionsWatermark() {
    List<SensorProducer.Sent> sent =
        List.of(
            sent(0, reading("A", T0, 1f, 70f, 1f)),
            sent(0, reading("A", T0 + 20_000, 1f, 70f, 1f)),
            sent(1, reading("B", T0 + 1_000, 1f, 70f, 1f)),
            sent(1, reading("B", T0 + 10_000, 1f, 70f, 1f)));

    Reference reference = Reference.ofDefaults(sent);

    // partition 1's newest event is T0 + 10 s: windows ending at or before T0 + 5 s are due
    assertThat(reference.dueEnd()).isEqualTo(T0 + 5_000);
    assertThat(reference.due().keySet())
        .containsExactly(new Reference.WindowKey("A", T0), new Reference.WindowKey("B", T0));
  }

  private static SensorProducer.Sent sent(int partition, SensorReading reading) {
    return new SensorProducer.Sent(reading, partition, 0);
  }

  private static SensorReading reading(String id, long t, Float x, Float hr, Float eda) {
    return new SensorReading(id, t, x, 2f, 3f, eda, hr, 33f);
  }
}
