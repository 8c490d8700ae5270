package io.fallback.testkit;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log file of a launcher process (its standard output and error) and the kit's own messages
 * about it: reads the file whole, by message or by its last lines, and, when an echo logger is
 * given, follows the file on a daemon thread and echoes each line as {@code [<name>] <line>}.
 *
 * <p>This class is thread-safe: reads open the file afresh; the follower is started once and only
 * joined afterwards.
 */
final class LauncherLog {

  private static final Logger LOG = LoggerFactory.getLogger(LauncherProcess.class);

  private final String name;
  private final Path file;
  private final Logger echo;
  private Thread follower;

  /**
   * @param name the launcher's short name, for echoed lines and the follower thread
   * @param file the log file
   * @param echo where to echo the lines and the kit's messages, or null for no echo
   */
  LauncherLog(String name, Path file, Logger echo) {
    this.name = requireNonNull(name, "name");
    this.file = requireNonNull(file, "file");
    this.echo = echo;
  }

  /**
   * @return the log file
   */
  Path file() {
    return file;
  }

  /** Logs one of the kit's messages about the launcher at INFO, to the echo logger if given. */
  void info(String format, Object... args) {
    (echo != null ? echo : LOG).info(format, args);
  }

  /** Logs a warning about the launcher to this kit's logger. */
  void warn(String format, Object... args) {
    LOG.warn(format, args);
  }

  /**
   * Starts echoing the file until {@code process} has ended and all is read; does nothing without
   * an echo logger. Called once, after the process started.
   */
  synchronized void follow(Process process) {
    if (echo == null || follower != null) {
      return;
    }
    follower = new Thread(() -> followUntilEnd(process), "launcher-" + name + "-log");
    follower.setDaemon(true);
    follower.start();
  }

  /** Waits up to a second for the follower to echo the rest of the file. */
  void awaitFollower() {
    Thread thread;
    synchronized (this) {
      thread = follower;
    }
    if (thread == null) {
      return;
    }
    try {
      thread.join(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * @return the whole log so far (empty when it cannot be read)
   */
  String text() {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * @return each line without its {@code "<time> <level> <logger> - "} prefix (lines without one
   *     unchanged), in order
   */
  List<String> messages() {
    return text()
        .lines()
        .map(
            line -> {
              int dash = line.indexOf(" - ");
              return dash < 0 ? line : line.substring(dash + 3);
            })
        .toList();
  }

  /**
   * @param n how many, at least 0
   * @return the last {@code n} lines of the log
   */
  List<String> lastLines(int n) {
    List<String> lines = text().lines().toList();
    return lines.subList(Math.max(0, lines.size() - n), lines.size());
  }

  /**
   * @param n how many lines, at least 0
   * @return {@code "last lines of <file>:\n<lines>"}, for errors about the process
   */
  String tail(int n) {
    return "last lines of " + file + ":\n" + String.join("\n", lastLines(n));
  }

  private void followUntilEnd(Process process) {
    long position = 0;
    StringBuilder partial = new StringBuilder();
    while (true) {
      boolean ended = !process.isAlive();
      try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
        if (in.length() > position) {
          in.seek(position);
          byte[] bytes = new byte[(int) Math.min(in.length() - position, 1 << 20)];
          in.readFully(bytes);
          position += bytes.length;
          partial.append(new String(bytes, StandardCharsets.UTF_8));
          int newline;
          while ((newline = partial.indexOf("\n")) >= 0) {
            echo.info("[{}] {}", name, partial.substring(0, newline));
            partial.delete(0, newline + 1);
          }
          continue;
        }
      } catch (IOException e) {
        LOG.debug("cannot follow {}: {}", file, e.toString());
      }
      if (ended) {
        return;
      }
      try {
        // a file has no change notification that works everywhere: poll it
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
