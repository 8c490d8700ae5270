package io.fallback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.window.WindowSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.WindowAssigner;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.junit.jupiter.api.Test;

/**
 * Keeps the primary and the fallback honest: Flink's window assignment and the example job's
 * aggregate compute what the fallback's core definitions and the drill's reference compute.
 */
class PrimaryDefinitionsTest {

  private static final WindowSpec SPEC = WindowSpec.ofDefaults();

  @Test
  void flinkTumblingWindowStart_equalsCoreWindowSpec_includingNegativeAndEdgeTimes() {
    SplittableRandom random = new SplittableRandom(1);
    List<Long> times =
        new ArrayList<>(List.of(0L, 4_999L, 5_000L, -1L, -5_000L, -5_001L, Long.MAX_VALUE / 2));
    for (int i = 0; i < 10_000; i++) {
      times.add(random.nextLong(-4_000_000_000_000L, 4_000_000_000_000L));
    }

    TumblingEventTimeWindows flink = TumblingEventTimeWindows.of(Duration.ofSeconds(5));
    WindowAssigner.WindowAssignerContext context =
        new WindowAssigner.WindowAssignerContext() {
          @Override
          public long getCurrentProcessingTime() {
            return 0;
          }
        };

    for (long t : times) {
      TimeWindow window = flink.assignWindows(null, t, context).iterator().next();
      assertThat(SPEC.windowStart(t)).as("window start of %d", t).isEqualTo(window.getStart());
      assertThat(SPEC.windowStart(t) + SPEC.size().toMillis() - 1).isEqualTo(window.maxTimestamp());
    }
  }

  @Test
  void jobAggregate_equalsTheReference_forGeneratedReadingsWithNulls() {
    SensorGenerator generator = new SensorGenerator(5, 1, 32, 1_764_000_000_000L, 0.05);
    FlinkPrimaryJob.MeanAggregate aggregate = new FlinkPrimaryJob.MeanAggregate();
    FlinkPrimaryJob.MeanAccumulator acc = aggregate.createAccumulator();
    List<SensorProducer.Sent> sent = new ArrayList<>();

    for (int k = 0; k < 160; k++) {
      SensorReading r = generator.next(0);
      sent.add(new SensorProducer.Sent(r, 0, k));
      acc = aggregate.add(event(r), acc);
    }
    PrimaryPoint point = aggregate.getResult(acc);

    Reference.Expected expected = Reference.ofDefaults(sent).all().firstEntry().getValue();
    assertThat(point.count).isEqualTo(expected.count()).isEqualTo(160);
    assertThat(point.means).containsExactly(expected.means());
  }

  private static SensorEvent event(SensorReading r) {
    SensorEvent e = new SensorEvent();
    e.id = r.id();
    e.eventTime = r.eventTime();
    e.x = r.x();
    e.y = r.y();
    e.z = r.z();
    e.eda = r.eda();
    e.hr = r.hr();
    e.temp = r.temp();
    return e;
  }
}
