package io.fallback.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the servers put their logs and data. This class is thread-safe. */
final class TestkitPaths {

  /** System property that overrides the log directory. */
  static final String LOG_DIR_PROPERTY = "fallback.testkit.logDir";

  private TestkitPaths() {}

  /**
   * The directory for server logs: {@code -Dfallback.testkit.logDir} if set, else the module's
   * {@code target/} (Surefire and Failsafe run tests in the module directory), else the system
   * temporary directory.
   */
  static Path logDirectory() {
    String configured = System.getProperty(LOG_DIR_PROPERTY);
    Path directory;
    if (configured != null && !configured.isBlank()) {
      directory = Path.of(configured);
    } else if (Files.isDirectory(Path.of("target"))) {
      directory = Path.of("target");
    } else {
      directory = Path.of(System.getProperty("java.io.tmpdir"));
    }
    try {
      return Files.createDirectories(directory).toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create log directory " + directory, e);
    }
  }

  /** A new temporary directory, deleted at JVM exit unless the owner deletes it earlier. */
  static Path newTempDirectory(String prefix) {
    try {
      Path directory = Files.createTempDirectory(prefix);
      ChildProcesses.registerDirectory(directory);
      return directory;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory " + prefix, e);
    }
  }

  /** True when the environment variable {@code CI} is {@code true} (as on the CI runner). */
  static boolean isCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /** The last {@code maxChars} characters of a log file, for error messages. */
  static String tail(Path file, int maxChars) {
    try {
      if (!Files.exists(file)) {
        return "(no log file " + file + ")";
      }
      String text = Files.readString(file);
      return text.length() <= maxChars ? text : "..." + text.substring(text.length() - maxChars);
    } catch (IOException | RuntimeException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }
}
