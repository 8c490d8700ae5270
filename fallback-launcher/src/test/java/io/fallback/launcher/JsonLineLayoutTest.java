package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code -Dlogback.configurationFile=logback-json.xml}: every event is one line holding one JSON
 * object, the stack trace included as a string, with an ISO-8601 timestamp. Regression (issue 12):
 * Logback's {@code JsonEncoder} wrote epoch milliseconds and the trace as nested objects.
 */
class JsonLineLayoutTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void
      shippedJsonConfiguration_writesOneParseableLinePerEvent_withTheStackTraceAsAStringAndAnIsoTimestamp()
          throws Exception {
    LoggerContext context = new LoggerContext();
    Encoder<ch.qos.logback.classic.spi.ILoggingEvent> encoder =
        encoderOf(context, "/logback-json.xml");
    Logger logger = context.getLogger("io.fallback");
    Exception failure =
        new IllegalStateException(
            "Error writing to InfluxDB: \"write\" failed\tat\r\nonce",
            new ConnectException("Connection refused"));
    Instant at = Instant.parse("2025-03-01T12:00:00.123Z");
    List<LoggingEvent> events =
        List.of(
            event(logger, Level.INFO, "Current processing latency: 2.34s", null, at),
            event(
                logger,
                Level.ERROR,
                "Fallback processor failed: a \\ b \u0001 c\nsecond line",
                failure,
                at),
            event(logger, Level.WARN, "Stressé ✓ \u2028 end", null, at));

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (LoggingEvent e : events) {
      out.write(encoder.encode(e));
    }
    context.stop();
    String[] lines = out.toString(StandardCharsets.UTF_8).split("\n", -1);

    assertThat(lines).hasSize(events.size() + 1);
    assertThat(lines[events.size()]).isEmpty();
    List<JsonNode> parsed = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      parsed.add(JSON.readTree(lines[i]));
    }
    assertThat(parsed)
        .allSatisfy(
            json -> {
              assertThat(json.path("@timestamp").asText()).isEqualTo("2025-03-01T12:00:00.123Z");
              assertThat(Instant.parse(json.path("@timestamp").asText())).isEqualTo(at);
              assertThat(json.path("logger_name").asText()).isEqualTo("io.fallback");
              assertThat(json.path("thread_name").asText()).isEqualTo("fallback-supervisor");
            });
    assertThat(parsed.get(0).path("level").asText()).isEqualTo("INFO");
    assertThat(parsed.get(0).path("message").asText())
        .isEqualTo("Current processing latency: 2.34s");
    assertThat(parsed.get(0).has("stack_trace")).isFalse();
    JsonNode error = parsed.get(1);
    assertThat(error.path("message").asText())
        .isEqualTo("Fallback processor failed: a \\ b \u0001 c\nsecond line");
    assertThat(error.path("stack_trace").isTextual()).isTrue();
    assertThat(error.path("stack_trace").asText())
        .startsWith(
            "java.lang.IllegalStateException: Error writing to InfluxDB: \"write\" failed\tat\r\nonce")
        .contains("\tat io.fallback.launcher.JsonLineLayoutTest.")
        .contains("Caused by: java.net.ConnectException: Connection refused");
    assertThat(parsed.get(2).path("message").asText()).isEqualTo("Stressé ✓ \u2028 end");
  }

  /** The encoder of the CONSOLE appender, as Logback builds it from the shipped file. */
  @SuppressWarnings("unchecked")
  private static Encoder<ch.qos.logback.classic.spi.ILoggingEvent> encoderOf(
      LoggerContext context, String resource) throws Exception {
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(JsonLineLayoutTest.class.getResource(resource));
    assertThat(context.getStatusManager().getCopyOfStatusList())
        .as("Logback's messages while reading " + resource)
        .noneMatch(s -> s.getLevel() >= Status.WARN);
    OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent> console =
        (OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent>)
            context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE");
    assertThat(console).as("the CONSOLE appender of " + resource).isNotNull();
    return console.getEncoder();
  }

  private static LoggingEvent event(
      Logger logger, Level level, String message, Throwable thrown, Instant at) throws IOException {
    LoggingEvent e = new LoggingEvent(Logger.class.getName(), logger, level, message, thrown, null);
    e.setInstant(at);
    e.setThreadName("fallback-supervisor");
    return e;
  }
}
