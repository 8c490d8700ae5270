package io.fallback.kafka;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Measures the heap one collected record holds in a {@link BatchCollector} (decoded and raw, as the
 * source keeps them until the batch is handed over and dead-lettering is possible), to check {@link
 * BatchCollector#RECORD_OVERHEAD_BYTES}. Heap after a full GC with N records collected, minus the
 * heap with none, over N. Run: {@code ./mvnw -q -B -pl fallback-benchmarks exec:exec@footprint}.
 */
public final class RecordFootprint {

  private RecordFootprint() {}

  /**
   * @param args unused
   */
  public static void main(String[] args) {
    int n = 200_000;
    byte[][] values = NurseValues.values(n, 7);
    byte[] key = "nurse-1".getBytes(StandardCharsets.UTF_8);
    long valueBytes = 0;
    for (byte[] v : values) {
      valueBytes += v.length;
    }
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long estimated = 0;
    for (int round = 0; round < 3; round++) {
      long before = used(memory);
      BatchCollector collector =
          new BatchCollector(
              n, Long.MAX_VALUE, Long.MAX_VALUE, NurseValues.decoder(), null, p -> true);
      for (int i = 0; i < n; i++) {
        ConsumerRecord<byte[], byte[]> r =
            new ConsumerRecord<>("t", 0, i, key.clone(), values[i].clone());
        collector.offer(r, 0);
      }
      long after = used(memory);
      estimated = collector.bytesHeld();
      double perRecord = (after - before) / (double) n;
      System.out.printf(
          "round %d: %,d records held %,d bytes of heap = %.1f bytes/record"
              + " (values %.1f bytes, key %d bytes); estimate %.1f bytes/record%n",
          round,
          n,
          after - before,
          perRecord,
          valueBytes / (double) n,
          key.length,
          estimated / (double) n);
      if (collector.size() != n) {
        throw new IllegalStateException("collected " + collector.size());
      }
    }
  }

  private static long used(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
