package io.fallback.influx;

import com.influxdb.LogLevel;
import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.client.InfluxDBClientOptions;
import com.influxdb.client.WriteApiBlocking;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.exceptions.InfluxException;
import java.io.InterruptedIOException;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.OkHttpClient;

/**
 * InfluxDB 2.x: {@code POST /api/v2/write?org=&bucket=&precision=ms} with {@code Authorization:
 * Token}, through {@code influxdb-client-java}'s blocking write API (never the batching {@code
 * WriteApi}, which drops points when its buffer overflows and reports failures on a callback
 * thread).
 */
final class V2WriteTransport implements WriteTransport {

  private final InfluxSettings settings;
  private final InfluxDBClient client;
  private final WriteApiBlocking api;
  private final String org;
  private final String bucket;
  private final AtomicBoolean closed = new AtomicBoolean();

  V2WriteTransport(InfluxSettings settings) {
    this.settings = settings;
    this.org = settings.org().orElseThrow();
    this.bucket = settings.bucket().orElseThrow();
    // retries belong to the sink: OkHttp must not silently repeat a request
    OkHttpClient.Builder http =
        new OkHttpClient.Builder()
            .connectTimeout(settings.timeout())
            .readTimeout(settings.timeout())
            .writeTimeout(settings.timeout())
            .callTimeout(settings.timeout())
            .retryOnConnectionFailure(false);
    InfluxDBClientOptions options =
        InfluxDBClientOptions.builder()
            .url(settings.url().toString())
            .authenticateToken(settings.token().orElseThrow().toCharArray())
            .org(org)
            .bucket(bucket)
            .precision(WritePrecision.MS)
            .okHttpClient(http)
            .logLevel(LogLevel.NONE)
            .build();
    this.client = InfluxDBClientFactory.create(options);
    this.api = client.getWriteApiBlocking();
  }

  @Override
  public void write(String body) {
    try {
      api.writeRecord(bucket, org, WritePrecision.MS, body);
    } catch (InfluxException e) {
      int status = e.status();
      if (status == 0) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        if (cause instanceof InterruptedIOException && Thread.currentThread().isInterrupted()) {
          throw new TransportException(-1, false, "interrupted while writing to " + describe(), e);
        }
        throw new TransportException(
            -1, true, "cannot reach " + describe() + ": " + V1WriteTransport.describe(cause), e);
      }
      Object message = e.errorBody().get("message");
      String text = message != null ? message.toString() : e.getMessage();
      throw new TransportException(
          status,
          InfluxHttp.retryableStatus(status),
          "HTTP "
              + status
              + " from "
              + describe()
              + ": "
              + InfluxHttp.shorten(String.valueOf(text)),
          null);
    }
  }

  @Override
  public String describe() {
    return "InfluxDB 2.x at " + settings.url() + " (org " + org + ", bucket " + bucket + ")";
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      client.close();
    }
  }
}
