package io.fallback.launcher;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** The events a Logback logger receives while attached; {@link #close()} detaches. */
final class CapturedLog implements AutoCloseable {

  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private CapturedLog(Logger logger) {
    this.logger = logger;
    appender.start();
    logger.addAppender(appender);
  }

  static CapturedLog of(Class<?> type) {
    return new CapturedLog((Logger) LoggerFactory.getLogger(type));
  }

  static CapturedLog of(String name) {
    return new CapturedLog((Logger) LoggerFactory.getLogger(name));
  }

  /**
   * @return the events so far, a copy safe to read while other threads log
   */
  List<ILoggingEvent> events() {
    synchronized (appender) {
      return List.copyOf(appender.list);
    }
  }

  /**
   * @return the formatted messages so far
   */
  List<String> messages() {
    return events().stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  /**
   * @param text what the messages must contain
   * @return the formatted messages so far that contain it
   */
  List<String> messages(String text) {
    return messages().stream().filter(m -> m.contains(text)).toList();
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
  }
}
