package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fallback.core.FallbackListener.Stage;
import io.fallback.core.Health;
import io.fallback.core.mode.CheckVerdict;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.ModeState;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The log lines of failures: once each, with the cause, and a stack trace only where it helps. */
class SeedLogListenerTest {

  private final Logger logger = (Logger) LoggerFactory.getLogger("io.fallback");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final SeedLogListener listener = new SeedLogListener(() -> Mode.FALLBACK);
  private Level level;

  @BeforeEach
  void attach() {
    level = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    appender.start();
    logger.addAppender(appender);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(appender);
    logger.setLevel(level);
  }

  private List<ILoggingEvent> at(Level l) {
    return appender.list.stream().filter(e -> e.getLevel() == l).toList();
  }

  @Test
  void heldModelServiceRetry_isOneWarnLineWithoutStackTrace_notTwoErrorLinesWithA30LineTrace() {
    RuntimeException failure =
        new IllegalStateException("ML service: HTTP 503", new IOException("Service Unavailable"));

    listener.batchFailed(Stage.PROCESS, failure, 1, Duration.ofSeconds(1));
    listener.batchFailed(Stage.PROCESS, failure, 2, Duration.ofSeconds(2));

    assertThat(at(Level.WARN))
        .hasSize(2)
        .allSatisfy(
            e -> {
              assertThat(e.getFormattedMessage())
                  .startsWith("Error calling ML service: ")
                  .contains("ML service: HTTP 503")
                  .contains("caused by java.io.IOException: Service Unavailable")
                  .doesNotContain("\n");
              assertThat(e.getThrowableProxy()).isNull();
            });
    assertThat(at(Level.WARN).get(1).getFormattedMessage())
        .contains("attempt 2, next try in 2.00s");
    assertThat(at(Level.ERROR)).isEmpty();
    assertThat(at(Level.DEBUG))
        .singleElement()
        .satisfies(e -> assertThat(e.getThrowableProxy()).isNotNull());
  }

  @Test
  void heldInfluxRetry_isOneWarnLineWithTheSeedText() {
    listener.batchFailed(
        Stage.WRITE,
        new IllegalStateException("InfluxDB write failed: connection refused"),
        3,
        Duration.ofSeconds(4));

    assertThat(appender.list)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getLevel()).isEqualTo(Level.WARN);
              assertThat(e.getFormattedMessage()).startsWith("Error writing to InfluxDB: ");
              assertThat(e.getThrowableProxy()).isNull();
            });
  }

  @Test
  void activationThrowingError_isLoggedWithItsCauseAndStackOnce_thenOneLinePerRetry() {
    NoClassDefFoundError missing = new NoClassDefFoundError("org/apache/avro/SchemaParseException");

    listener.activationFailed(missing, 1, Duration.ofSeconds(1));
    listener.activationFailed(missing, 2, Duration.ofSeconds(2));

    assertThat(appender.list)
        .hasSize(2)
        .allSatisfy(
            e -> {
              assertThat(e.getLevel()).isEqualTo(Level.ERROR);
              assertThat(e.getFormattedMessage())
                  .contains("java.lang.NoClassDefFoundError: org/apache/avro/SchemaParseException");
            });
    assertThat(appender.list.get(0).getFormattedMessage()).contains("retrying in 1.00s");
    assertThat(appender.list.get(0).getThrowableProxy()).isNotNull();
    assertThat(appender.list.get(1).getFormattedMessage())
        .contains("attempt 2")
        .contains("retrying in 2.00s");
    assertThat(appender.list.get(1).getThrowableProxy()).isNull();
  }

  @Test
  void loopFailure_isOneErrorWithTheRestartDelay_notASilentRestartAtTheNextCheck() {
    listener.fallbackFailed(
        new NoClassDefFoundError("org/apache/avro/SchemaParseException"), 1, Duration.ofSeconds(1));

    assertThat(appender.list)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getLevel()).isEqualTo(Level.ERROR);
              assertThat(e.getFormattedMessage())
                  .contains("NoClassDefFoundError")
                  .contains("restarting in 1.00s");
            });
  }

  @Test
  void probeThrowingException_isOneWarnLine_andAnErrorIsLoggedWithItsStackOnlyTheFirstTime() {
    listener.probeFailed(
        "flink_rest", new IllegalStateException("bug", new ConnectException("refused")));
    NoClassDefFoundError missing =
        new NoClassDefFoundError("com/fasterxml/jackson/databind/JsonNode");
    listener.probeFailed("kafka_lag", missing);
    listener.probeFailed("kafka_lag", missing);

    assertThat(at(Level.WARN))
        .singleElement()
        .satisfies(e -> assertThat(e.getThrowableProxy()).isNull());
    assertThat(at(Level.ERROR)).hasSize(2);
    assertThat(at(Level.ERROR).get(0).getThrowableProxy()).isNotNull();
    assertThat(at(Level.ERROR).get(1).getThrowableProxy()).isNull();
  }

  @Test
  void describe_isOneLineWithTheCausesNotAlreadySaid() {
    Throwable e =
        new IllegalStateException(
            "ML service: connection refused", new ConnectException("connection refused"));

    assertThat(SeedLogListener.describe(e))
        .isEqualTo("java.lang.IllegalStateException: ML service: connection refused");
    assertThat(
            SeedLogListener.describe(
                new RuntimeException("write failed", new IOException("broken pipe"))))
        .isEqualTo(
            "java.lang.RuntimeException: write failed; caused by java.io.IOException: broken pipe");
  }

  @Test
  void healthProbes_eachUnhealthyOneIsAWarnWithItsCount_aHealthyOneOnlyWhenItEndsARun() {
    Instant at = Instant.parse("2026-01-01T00:00:00Z");
    ModeState state = ModeState.initial(at);
    Health up = Health.healthy("job RUNNING");
    Health down = Health.unhealthy("job status CANCELED");

    listener.healthProbed(at, up, verdict("PROBE_HEALTHY", 0, up), state);
    listener.healthProbed(at, down, verdict("PROBE_UNHEALTHY", 1, down), state);
    listener.healthProbed(at, up, verdict("PROBE_HEALTHY", 0, up), state);
    listener.healthProbed(at, up, verdict("PROBE_HEALTHY", 0, up), state);

    assertThat(at(Level.WARN))
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("Flink health probe unhealthy 1/3: job status CANCELED");
    assertThat(at(Level.INFO))
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("Flink health probe healthy again: job RUNNING");
  }

  private static CheckVerdict verdict(String kind, int count, Health health) {
    return new CheckVerdict(CheckVerdict.Kind.valueOf(kind), count, 3, health.reason());
  }
}
