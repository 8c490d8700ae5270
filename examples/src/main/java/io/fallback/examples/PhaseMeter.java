package io.fallback.examples;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What one phase of a benchmark cost: wall time, CPU time of this JVM and of one child process
 * (influxd), the peak heap and the peak resident set size of this JVM.
 *
 * <p>CPU comes from {@code com.sun.management.OperatingSystemMXBean#getProcessCpuTime} and {@code
 * /proc/<pid>/stat}; the peak heap is the sum of the heap pools' peaks since the phase began (an
 * upper bound: pools peak at different moments); the peak RSS is {@code VmHWM}, reset at the start
 * of the phase by writing {@code 5} to {@code /proc/self/clear_refs} (Linux; where that is not
 * allowed the peak is since the JVM started, and {@link Phase#rssReset} says so). Everything in the
 * JVM counts, including the in-JVM Kafka broker and the model service stub: phases must run one
 * after the other.
 *
 * <p>Not thread-safe.
 */
final class PhaseMeter {

  private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

  private final long childPid;

  /**
   * @param childPid the process whose CPU time counts too (influxd), or -1
   */
  PhaseMeter(long childPid) {
    this.childPid = childPid;
  }

  /** The cost of a phase. */
  record Phase(
      String name,
      double seconds,
      double jvmCpuSeconds,
      double childCpuSeconds,
      long peakHeapBytes,
      long peakRssBytes,
      boolean rssReset) {

    double cpuSeconds() {
      return jvmCpuSeconds + childCpuSeconds;
    }

    /** CPU seconds (JVM + child) per million of {@code records}. */
    double cpuPerMillion(long records) {
      return cpuSeconds() / records * 1e6;
    }

    String describe() {
      return String.format(
          Locale.ROOT,
          "%s: %.2f s, CPU %.2f s (this JVM %.2f + child process %.2f), peak heap %d MiB,"
              + " peak RSS %d MiB%s",
          name,
          seconds,
          cpuSeconds(),
          jvmCpuSeconds,
          childCpuSeconds,
          peakHeapBytes >> 20,
          peakRssBytes >> 20,
          rssReset ? "" : " (since JVM start)");
    }
  }

  /** A phase being measured. */
  final class Running {
    private final String name;
    private final long startNanos = System.nanoTime();
    private final long jvmCpu = jvmCpuNanos();
    private final long childCpu = childCpuNanos();
    private final boolean rssReset = resetPeaks();

    private Running(String name) {
      this.name = name;
    }

    /**
     * Ends the phase now.
     *
     * @return its cost
     */
    Phase stop() {
      return stopAt(System.nanoTime());
    }

    /**
     * Ends the phase with a wall time measured by the caller (the CPU and memory are read now).
     *
     * @param endNanos when the phase's clock stopped
     * @return its cost
     */
    Phase stopAt(long endNanos) {
      return new Phase(
          name,
          (endNanos - startNanos) / 1e9,
          (jvmCpuNanos() - jvmCpu) / 1e9,
          (childCpuNanos() - childCpu) / 1e9,
          peakHeap(),
          peakRss(),
          rssReset);
    }

    long startNanos() {
      return startNanos;
    }
  }

  /**
   * Starts measuring a phase (resets the heap pools' and, where allowed, the RSS peaks).
   *
   * @param name the phase's name
   * @return the running phase
   */
  Running start(String name) {
    return new Running(name);
  }

  private static long jvmCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }

  private long childCpuNanos() {
    if (childPid < 0) {
      return 0;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(childPid), "stat"));
      // fields after the command (which may hold spaces) start after the last ')'
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
      return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static boolean resetPeaks() {
    System.gc();
    for (MemoryPoolMXBean pool : heapPools()) {
      pool.resetPeakUsage();
    }
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean pool : heapPools()) {
      sum += pool.getPeakUsage().getUsed();
    }
    return sum;
  }

  private static List<MemoryPoolMXBean> heapPools() {
    return ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP && p.isValid())
        .toList();
  }

  /**
   * @return {@code VmHWM} of this process, or -1 where {@code /proc} is not there
   */
  static long peakRss() {
    return peakRss(-1);
  }

  /**
   * @param pid a process, or -1 for this one
   * @return its {@code VmHWM}, or -1 where {@code /proc} is not there
   */
  static long peakRss(long pid) {
    String proc = pid < 0 ? "self" : Long.toString(pid);
    try {
      for (String line : Files.readAllLines(Path.of("/proc", proc, "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
