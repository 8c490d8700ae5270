package io.fallback.examples;

import static java.util.Objects.requireNonNull;

import io.fallback.core.window.WindowSpec;
import io.fallback.influx.LineProtocolEncoder;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary job's InfluxDB 1.x sink: one point per window, {@code POST
 * /write?db=..&precision=ms}, encoded by the fallback's own {@link LineProtocolEncoder} (tag {@code
 * source=<sourceTag>}), so both sources write byte-identical fields.
 *
 * <p><b>At least once.</b> Points are buffered and written when the buffer holds {@code maxPoints},
 * every {@code flushInterval} (a processing-time timer), and always before a checkpoint barrier
 * passes ({@link SinkWriter#flush(boolean)}): a checkpoint completes only after InfluxDB
 * acknowledged every point before it, so a job restored from it may rewrite (never lose) points. A
 * write that fails three times fails the job, which then restarts from its last checkpoint.
 *
 * <p>Instances are serializable configuration; each writer is used by one Flink task thread.
 */
public final class InfluxLineSink implements Sink<PrimaryPoint> {

  private static final long serialVersionUID = 1L;

  private final String url;
  private final String database;
  private final String measurement;
  private final String sourceTag;
  private final long flushIntervalMillis;
  private final int maxPoints;

  /**
   * Creates the sink.
   *
   * @param url InfluxDB base URL, e.g. {@code http://127.0.0.1:8086}
   * @param database the database (must exist)
   * @param measurement the measurement, e.g. {@code nurse_stress}
   * @param sourceTag the {@code source} tag value, e.g. {@code flink}
   * @param flushInterval longest time a point waits in the buffer
   * @param maxPoints points per write request
   */
  public InfluxLineSink(
      String url,
      String database,
      String measurement,
      String sourceTag,
      Duration flushInterval,
      int maxPoints) {
    this.url = stripSlash(requireNonNull(url, "url"));
    this.database = requireNonNull(database, "database");
    this.measurement = requireNonNull(measurement, "measurement");
    this.sourceTag = requireNonNull(sourceTag, "sourceTag");
    this.flushIntervalMillis = Math.max(1, flushInterval.toMillis());
    if (maxPoints < 1) {
      throw new IllegalArgumentException("maxPoints must be >= 1, but was " + maxPoints);
    }
    this.maxPoints = maxPoints;
  }

  @Override
  public SinkWriter<PrimaryPoint> createWriter(WriterInitContext context) {
    return new Writer(
        this, context.getProcessingTimeService(), context.metricGroup().counter("pointsWritten"));
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private static final class Writer implements SinkWriter<PrimaryPoint> {
    private static final Logger LOG = LoggerFactory.getLogger(InfluxLineSink.class);
    private static final int ATTEMPTS = 3;

    private final InfluxLineSink sink;
    private final ProcessingTimeService time;
    private final Counter written;
    private final LineProtocolEncoder encoder;
    private final HttpClient http;
    private final URI writeUri;
    private final StringBuilder buffer = new StringBuilder(64 * 1024);
    private int buffered;
    private volatile boolean closed;

    Writer(InfluxLineSink sink, ProcessingTimeService time, Counter written) {
      this.sink = sink;
      this.time = time;
      this.written = written;
      this.encoder =
          new LineProtocolEncoder(sink.measurement, sink.sourceTag, false, WindowSpec.NURSE_FIELDS);
      this.http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      this.writeUri =
          URI.create(
              sink.url
                  + "/write?db="
                  + URLEncoder.encode(sink.database, StandardCharsets.UTF_8)
                  + "&precision=ms");
      scheduleFlush();
    }

    @Override
    public void write(PrimaryPoint point, Context context)
        throws IOException, InterruptedException {
      buffer.append(encoder.encode(point.toScoredWindow())).append('\n');
      buffered++;
      if (buffered >= sink.maxPoints) {
        flushBuffer();
      }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
      flushBuffer();
    }

    @Override
    public void close() {
      // unflushed points are not written: they were not checkpointed, the restored job rewrites
      // them
      closed = true;
    }

    private void scheduleFlush() {
      time.registerTimer(
          time.getCurrentProcessingTime() + sink.flushIntervalMillis,
          timestamp -> {
            if (!closed) {
              flushBuffer();
              scheduleFlush();
            }
          });
    }

    private void flushBuffer() throws IOException, InterruptedException {
      if (buffered == 0) {
        return;
      }
      HttpRequest request =
          HttpRequest.newBuilder(writeUri)
              .timeout(Duration.ofSeconds(10))
              .header("Content-Type", "text/plain; charset=utf-8")
              .POST(HttpRequest.BodyPublishers.ofString(buffer.toString()))
              .build();
      IOException last = null;
      for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
        try {
          HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() == 204) {
            written.inc(buffered);
            buffer.setLength(0);
            buffered = 0;
            return;
          }
          last =
              new IOException(
                  "InfluxDB answered " + response.statusCode() + ": " + response.body());
        } catch (IOException e) {
          last = e;
        }
        LOG.warn(
            "flink sink: write of {} points failed (attempt {}/{}): {}",
            buffered,
            attempt,
            ATTEMPTS,
            last.getMessage());
        Thread.sleep(200L << attempt);
      }
      throw new IOException(
          "flink sink: cannot write " + buffered + " points to " + writeUri, last);
    }
  }
}
