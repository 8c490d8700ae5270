package io.fallback.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.slf4j.Logger;

/**
 * What the benchmark commands share: the resources a run starts, closed in reverse order whatever
 * happens, the process exit status, and small parsing and machine helpers. Thread-safe.
 */
final class BenchmarkRun {

  private final Logger log;
  private final String tag;
  private final Deque<AutoCloseable> closers = new ArrayDeque<>();

  /**
   * @param log where failures and close errors go
   * @param tag the prefix of those lines, e.g. {@code [bench]}
   */
  BenchmarkRun(Logger log, String tag) {
    this.log = log;
    this.tag = tag;
  }

  /**
   * Runs a benchmark, closes what it registered, and exits the JVM with its status (1 when it
   * threw).
   *
   * @param run the benchmark; returns the exit status
   */
  void exitWith(Callable<Integer> run) {
    int status;
    try {
      status = run.call();
    } catch (Exception e) {
      log.error("{} failed", tag, e);
      status = 1;
    } finally {
      closeAll();
    }
    System.out.flush();
    System.exit(status);
  }

  /**
   * Registers a resource to close when the run ends (last registered, first closed).
   *
   * @param resource the resource
   * @param <T> its type
   * @return the resource
   */
  <T extends AutoCloseable> T closing(T resource) {
    synchronized (closers) {
      closers.push(resource);
    }
    return resource;
  }

  /**
   * Registers a directory to delete when the run ends.
   *
   * @param dir the directory
   * @return the directory
   */
  Path deleting(Path dir) {
    closing(() -> delete(dir));
    return dir;
  }

  private void closeAll() {
    while (true) {
      AutoCloseable c;
      synchronized (closers) {
        if (closers.isEmpty()) {
          return;
        }
        c = closers.pop();
      }
      try {
        c.close();
      } catch (Exception e) {
        log.warn("{} error closing {}: {}", tag, c, e.toString());
      }
    }
  }

  private void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.debug("{} cannot delete {}: {}", tag, dir, e.toString());
    }
  }

  /**
   * Writes a backlog of sensor records (seed 42, past event times) and returns what was sent.
   *
   * @param bootstrapServers the broker
   * @param topic the topic
   * @param nurses how many nurses send
   * @param hz records per second per nurse
   * @param origin the event time of the first records, epoch milliseconds
   * @param until the event time to stop before, epoch milliseconds
   * @return the reference of what was sent: its records and due windows
   * @throws IllegalStateException if any record was not acknowledged
   */
  static Reference produceBacklog(
      String bootstrapServers, String topic, int nurses, int hz, long origin, long until) {
    try (SensorProducer producer =
        SensorProducer.builder(bootstrapServers)
            .topic(topic)
            .nurses(nurses)
            .hz(hz)
            .seed(42)
            .origin(origin)
            .build()) {
      producer.produceUntil(until);
      if (producer.failures() > 0) {
        throw new IllegalStateException(
            "producer failures: " + producer.failures(), producer.firstFailure());
      }
      return Reference.ofDefaults(producer.sent());
    }
  }

  /**
   * A count from the command line, underscores allowed ({@code 1_000_000}).
   *
   * @param text the value
   * @return the number
   */
  static long number(String text) {
    return Long.parseLong(text.replace("_", ""));
  }

  /**
   * @return the machine's load average line, or {@code unknown}
   */
  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
