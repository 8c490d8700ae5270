package io.fallback.launcher.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code logging} section: log levels set without a Logback file of one's own, applied once at
 * start. Levels are written in any case and held upper-case. Immutable and thread-safe.
 *
 * @param level {@code logging.level}: the root logger's level; empty keeps the Logback file's
 *     (INFO)
 * @param levels {@code logging.levels}: logger name (a package or a class) to level, in the file's
 *     order
 */
public record LoggingConfig(Optional<String> level, Map<String, String> levels) {

  /** The level names, in README order. */
  public static final List<String> LEVELS =
      List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

  /** Nothing set: the Logback file decides. */
  public static final LoggingConfig NONE = new LoggingConfig(Optional.empty(), Map.of());

  /**
   * Checks every level and normalises it to upper case.
   *
   * @throws NullPointerException for a null component
   * @throws IllegalArgumentException naming each bad value's key ({@code logging.level}, {@code
   *     logging.levels."<logger>"}) and the allowed values, one line each
   */
  public LoggingConfig {
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(levels, "levels");
    List<String> problems = new ArrayList<>();
    Optional<String> root = level.map(l -> normalised(l, Keys.LOGGING_LEVEL.path(), problems));
    Map<String, String> byLogger = new LinkedHashMap<>();
    levels.forEach(
        (logger, l) -> {
          String key = Keys.LOGGING_LEVELS.path() + ".\"" + logger + "\"";
          if (logger == null || logger.isBlank()) {
            problems.add(
                Keys.LOGGING_LEVELS.path()
                    + " must name a logger (a package or a class), but had an empty name");
          } else {
            byLogger.put(logger.strip(), normalised(l, key, problems));
          }
        });
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", problems));
    }
    level = root;
    levels = Collections.unmodifiableMap(byLogger);
  }

  private static String normalised(String level, String key, List<String> problems) {
    String upper = level == null ? "" : level.strip().toUpperCase(Locale.ROOT);
    if (!LEVELS.contains(upper)) {
      problems.add(
          key
              + " must be one of "
              + String.join(", ", LEVELS)
              + " (any case), but was '"
              + level
              + "'");
    }
    return upper;
  }

  /**
   * @return whether nothing is set
   */
  public boolean isEmpty() {
    return level.isEmpty() && levels.isEmpty();
  }

  static LoggingConfig from(Values v) {
    return new LoggingConfig(v.string(Keys.LOGGING_LEVEL), v.map(Keys.LOGGING_LEVELS));
  }
}
