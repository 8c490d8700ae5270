package io.fallback.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.fallback.launcher.config.LoggingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the {@code logging} section to Logback, once at start, over what the Logback file set:
 * the root level ({@code logging.level}) and each named logger's ({@code logging.levels}). A level
 * set for a package applies to the loggers below it that have none of their own, as in a Logback
 * file. Only the launcher picks Logback; when SLF4J is bound to something else the section is
 * reported as not applied.
 *
 * <p>Stateless; call it from the thread that starts the application.
 */
final class LoggingSetup {

  private static final Logger LOG = LoggerFactory.getLogger(LoggingSetup.class);

  private LoggingSetup() {}

  /**
   * Sets the levels the configuration names; does nothing when it names none.
   *
   * @param config the {@code logging} section, validated (every level one of {@link
   *     LoggingConfig#LEVELS})
   * @return whether the levels were applied (false when nothing was set or SLF4J is not bound to
   *     Logback)
   */
  static boolean apply(LoggingConfig config) {
    return apply(config, LoggerFactory.getILoggerFactory());
  }

  /**
   * As {@link #apply(LoggingConfig)}, on a given logger factory (a test's own Logback context).
   *
   * @param config the {@code logging} section, validated
   * @param factory the factory SLF4J is bound to
   * @return whether the levels were applied
   */
  static boolean apply(LoggingConfig config, ILoggerFactory factory) {
    Objects.requireNonNull(config, "config");
    if (config.isEmpty()) {
      return false;
    }
    if (!(factory instanceof LoggerContext context)) {
      LOG.warn(
          "logging.level and logging.levels are not applied: SLF4J is bound to {}, not Logback",
          factory.getClass().getName());
      return false;
    }
    List<String> applied = new ArrayList<>();
    config
        .level()
        .ifPresent(
            level -> {
              context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, null));
              applied.add("root " + level);
            });
    config
        .levels()
        .forEach(
            (logger, level) -> {
              context.getLogger(logger).setLevel(Level.toLevel(level, null));
              applied.add(logger + " " + level);
            });
    LOG.info("Log levels from the configuration: {}", String.join(", ", applied));
    return true;
  }
}
