package io.fallback.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Deterministic wearable-sensor readings for a number of nurses: the same seed, nurse count and
 * rate give the same readings in the same order, whatever the wall clock.
 *
 * <p>Nurse {@code n}'s sample {@code k} has event time {@code origin + floor(k * 1000 / hz)}. Each
 * nurse has a slow stress cycle (period 30–90 s, random phase) that drives heart rate (60–130 bpm)
 * and electrodermal activity (0.1–5 µS), so the model's stress level changes from window to window;
 * skin temperature stays in 30–36 °C, and the accelerometer axes wander around a few tens. With
 * {@code nullRate > 0}, each numeric field is independently null with that probability (the schema
 * allows it; the primary counts a null as 0).
 *
 * <p>Not thread-safe: each nurse's state advances as its readings are taken.
 */
public final class SensorGenerator {

  /** Device ids in the style of the seed's data set; more nurses get {@code N<index>}. */
  static final List<String> DATASET_IDS =
      List.of(
          "15", "5C", "6B", "6D", "7A", "7E", "83", "8B", "94", "BG", "CE", "DF", "E4", "EG", "F5");

  private final int hz;
  private final long origin;
  private final double nullRate;
  private final List<String> ids;
  private final Nurse[] nurses;

  /**
   * Creates a generator.
   *
   * @param seed the random seed
   * @param nurses number of nurses, at least 1
   * @param hz samples per second per nurse, 1 to 1000
   * @param originMillis event time of every nurse's first sample, epoch milliseconds
   * @param nullRate probability of a null numeric field, 0 to 1
   * @throws IllegalArgumentException for a value out of range
   */
  public SensorGenerator(long seed, int nurses, int hz, long originMillis, double nullRate) {
    if (nurses < 1) {
      throw new IllegalArgumentException("nurses must be >= 1, but was " + nurses);
    }
    if (hz < 1 || hz > 1000) {
      throw new IllegalArgumentException("hz must be in [1, 1000], but was " + hz);
    }
    if (!(nullRate >= 0 && nullRate <= 1)) {
      throw new IllegalArgumentException("nullRate must be in [0, 1], but was " + nullRate);
    }
    this.hz = hz;
    this.origin = originMillis;
    this.nullRate = nullRate;
    this.ids = ids(nurses);
    this.nurses = new Nurse[nurses];
    SplittableRandom root = new SplittableRandom(seed);
    for (int n = 0; n < nurses; n++) {
      this.nurses[n] = new Nurse(root.split());
    }
  }

  /**
   * The ids of {@code count} nurses.
   *
   * @param count number of nurses
   * @return their ids, in nurse order
   */
  public static List<String> ids(int count) {
    List<String> result = new ArrayList<>(count);
    for (int n = 0; n < count; n++) {
      result.add(n < DATASET_IDS.size() ? DATASET_IDS.get(n) : "N" + n);
    }
    return List.copyOf(result);
  }

  /**
   * @return the nurse ids, in nurse order
   */
  public List<String> ids() {
    return ids;
  }

  /**
   * @return the number of nurses
   */
  public int nurses() {
    return nurses.length;
  }

  /**
   * The event time of a nurse's next reading, without taking it.
   *
   * @param nurse nurse index
   * @return epoch milliseconds
   */
  public long nextEventTime(int nurse) {
    return eventTime(nurses[nurse].sample);
  }

  /**
   * Takes a nurse's next reading.
   *
   * @param nurse nurse index, 0 to {@code nurses() - 1}
   * @return the reading
   */
  public SensorReading next(int nurse) {
    Nurse s = nurses[nurse];
    long k = s.sample++;
    SplittableRandom r = s.random;
    double t = (double) k / hz;
    double stress = 0.5 + 0.5 * Math.sin(2 * Math.PI * t / s.period + s.phase);
    float hr = clamp(64 + 58 * stress + r.nextGaussian() * 2.5, 60, 130);
    float eda = clamp(0.2 + 4.3 * stress * stress + r.nextGaussian() * 0.08, 0.1, 5);
    float temp =
        clamp(
            33 + 1.6 * Math.sin(2 * Math.PI * t / 300 + s.phase) + r.nextGaussian() * 0.05, 30, 36);
    s.x = walk(r, s.x, s.baseX);
    s.y = walk(r, s.y, s.baseY);
    s.z = walk(r, s.z, s.baseZ);
    Float[] v = {(float) s.x, (float) s.y, (float) s.z, eda, hr, temp};
    if (nullRate > 0) {
      for (int i = 0; i < v.length; i++) {
        if (r.nextDouble() < nullRate) {
          v[i] = null;
        }
      }
    }
    return new SensorReading(ids.get(nurse), eventTime(k), v[0], v[1], v[2], v[3], v[4], v[5]);
  }

  private long eventTime(long sample) {
    return origin + sample * 1000 / hz;
  }

  private static double walk(SplittableRandom r, double value, double base) {
    // mean-reverting random walk, rounded to a 1/64 g step as the sensor reports it
    double next = value + 0.05 * (base - value) + r.nextGaussian() * 1.5;
    return Math.max(-128, Math.min(127, Math.round(next * 64) / 64.0));
  }

  private static float clamp(double value, double min, double max) {
    return (float) Math.max(min, Math.min(max, value));
  }

  private static final class Nurse {
    final SplittableRandom random;
    final double period;
    final double phase;
    final double baseX;
    final double baseY;
    final double baseZ;
    double x;
    double y;
    double z;
    long sample;

    Nurse(SplittableRandom random) {
      this.random = Objects.requireNonNull(random);
      this.period = 30 + random.nextDouble() * 60;
      this.phase = random.nextDouble() * 2 * Math.PI;
      this.baseX = -40 + random.nextDouble() * 80;
      this.baseY = -40 + random.nextDouble() * 80;
      this.baseZ = 20 + random.nextDouble() * 50;
      this.x = baseX;
      this.y = baseY;
      this.z = baseZ;
    }
  }
}
