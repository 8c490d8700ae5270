package io.fallback.kafka;

import io.fallback.core.window.Reading;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One raw Avro nurse record (59 bytes) decoded into a {@link Reading}, as the Kafka source does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AvroDecodeBenchmark {

  private byte[][] values;
  private AvroReadingDecoder decoder;
  private int next;

  /** Encodes 4 096 records. */
  @Setup
  public void setUp() {
    values = NurseValues.values(4096, 42);
    decoder = NurseValues.decoder();
  }

  /**
   * @return the decoded record
   * @throws DecodeException never with these values
   */
  @Benchmark
  public Reading decodePerRecord() throws DecodeException {
    byte[] v = values[next++ & 4095];
    return decoder.decode(v, 0L);
  }
}
