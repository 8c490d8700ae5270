package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import io.fallback.launcher.config.ConfigLoader;
import io.fallback.launcher.config.LoggingConfig;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/**
 * {@code logging.level} and {@code logging.levels} applied to Logback at start, over the shipped
 * file, without a Logback file of the operator's own. Each test uses a context of its own, never
 * the JVM's.
 */
class LoggingSetupTest {

  @Test
  void shippedFile_holdsTheKafkaClientsWarningsBack() throws Exception {
    LoggerContext context = shipped();

    assertThat(context.getLogger("org.apache.kafka.clients.NetworkClient").getEffectiveLevel())
        .isEqualTo(Level.ERROR);
    assertThat(context.getLogger("io.fallback").getEffectiveLevel()).isEqualTo(Level.INFO);
  }

  @Test
  void configuredLevels_overrideTheShippedFile_forRootAndNamedLoggersAndTheirChildren()
      throws Exception {
    LoggerContext context = shipped();
    LoggingConfig logging =
        new ConfigLoader(Map.of("FALLBACK_LOGGING_LEVEL", "warn"))
            .loadYaml(
                "logging:\n  levels:\n    org.apache.kafka: WARN\n    io.fallback.launcher: debug\n",
                null)
            .logging();

    boolean applied = LoggingSetup.apply(logging, context);

    assertThat(applied).isTrue();
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("org.apache.kafka.clients.NetworkClient").getEffectiveLevel())
        .isEqualTo(Level.WARN);
    assertThat(context.getLogger("io.fallback.launcher.Reachability").getEffectiveLevel())
        .isEqualTo(Level.DEBUG);
    assertThat(context.getLogger("io.fallback").getEffectiveLevel()).isEqualTo(Level.WARN);
  }

  @Test
  void nothingConfigured_leavesTheFileAlone() throws Exception {
    LoggerContext context = shipped();

    boolean applied = LoggingSetup.apply(new LoggingConfig(Optional.empty(), Map.of()), context);

    assertThat(applied).isFalse();
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
    assertThat(context.getLogger("org.apache.kafka").getLevel()).isEqualTo(Level.ERROR);
  }

  private static LoggerContext shipped() throws Exception {
    LoggerContext context = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(LoggingSetupTest.class.getResource("/logback.xml"));
    return context;
  }
}
