package io.fallback.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Child processes and temporary directories of this kit that must not outlive the JVM: one shutdown
 * hook terminates what is still registered (SIGTERM, then SIGKILL after a grace period) and deletes
 * the directories. Also the stop-by-PID logic the servers share.
 *
 * <p>This class is thread-safe.
 */
final class ChildProcesses {

  private static final Duration HOOK_GRACE = Duration.ofSeconds(5);
  private static final Set<ProcessHandle> PROCESSES = ConcurrentHashMap.newKeySet();
  private static final Set<Path> DIRECTORIES = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(ChildProcesses::cleanUpAtExit, "fallback-testkit-cleanup"));
  }

  private ChildProcesses() {}

  static void register(ProcessHandle process) {
    PROCESSES.add(process);
  }

  static void registerDirectory(Path directory) {
    DIRECTORIES.add(directory);
  }

  /**
   * Stops a process by PID: SIGTERM, then SIGKILL when it has not exited within {@code grace}.
   * Waits until it has exited and unregisters it.
   *
   * @return true if it exited on SIGTERM, false if it had to be killed (or was already gone)
   */
  static boolean terminate(ProcessHandle process, Duration grace) {
    try {
      if (!process.isAlive()) {
        return false;
      }
      process.destroy();
      if (awaitExit(process, grace)) {
        return true;
      }
      process.destroyForcibly();
      if (!awaitExit(process, Duration.ofSeconds(10))) {
        throw new TestServerException("process " + process.pid() + " survived SIGKILL for 10 s");
      }
      return false;
    } finally {
      PROCESSES.remove(process);
    }
  }

  /** SIGKILL at once, then wait for the exit. */
  static void kill(ProcessHandle process) {
    try {
      process.destroyForcibly();
      if (!awaitExit(process, Duration.ofSeconds(10))) {
        throw new TestServerException("process " + process.pid() + " survived SIGKILL for 10 s");
      }
    } finally {
      PROCESSES.remove(process);
    }
  }

  static boolean awaitExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    } catch (ExecutionException e) {
      return !process.isAlive();
    }
  }

  /** Deletes a directory tree; a missing directory is fine. Unregisters it. */
  static void deleteRecursively(Path directory) {
    DIRECTORIES.remove(directory);
    if (!Files.exists(directory)) {
      return;
    }
    try {
      Files.walkFileTree(
          directory,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
              if (exc instanceof NoSuchFileException) {
                return FileVisitResult.CONTINUE;
              }
              throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc)
                throws IOException {
              Files.deleteIfExists(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + directory, e);
    }
  }

  private static void cleanUpAtExit() {
    List<ProcessHandle> alive = new ArrayList<>(PROCESSES);
    alive.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + HOOK_GRACE.toNanos();
    for (ProcessHandle process : alive) {
      long left = Math.max(0, deadline - System.nanoTime());
      if (!awaitExit(process, Duration.ofNanos(left))) {
        process.destroyForcibly();
        awaitExit(process, Duration.ofSeconds(2));
      }
    }
    for (Path directory : new ArrayList<>(DIRECTORIES)) {
      try {
        deleteRecursively(directory);
      } catch (UncheckedIOException e) {
        // the JVM is exiting: report once on stderr, the only channel left
        System.err.println("fallback-testkit: " + e.getMessage());
      }
    }
  }
}
