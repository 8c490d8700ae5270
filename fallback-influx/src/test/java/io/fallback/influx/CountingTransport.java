package io.fallback.influx;

import java.util.concurrent.atomic.AtomicInteger;

/** Counts the requests a sink sends through a real transport. */
final class CountingTransport implements WriteTransport {

  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger failures = new AtomicInteger();
  private final WriteTransport delegate;

  CountingTransport(WriteTransport delegate) {
    this.delegate = delegate;
  }

  static InfluxSink sink(InfluxSettings settings, CountingTransport[] out) {
    CountingTransport counting =
        new CountingTransport(new V1WriteTransport(settings, InfluxHttp.newClient(settings)));
    out[0] = counting;
    return new InfluxSink(
        settings,
        LineProtocolEncoder.of(settings, io.fallback.core.window.WindowSpec.ofDefaults()),
        counting);
  }

  @Override
  public void write(String body) {
    requests.incrementAndGet();
    try {
      delegate.write(body);
    } catch (RuntimeException e) {
      failures.incrementAndGet();
      throw e;
    }
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
