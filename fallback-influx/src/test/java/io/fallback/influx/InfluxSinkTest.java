package io.fallback.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.core.window.ScoredWindow;
import io.fallback.core.window.WindowSpec;
import io.fallback.influx.WriteTransport.TransportException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class InfluxSinkTest {

  /** Records bodies; fails as scripted (null = success), the last entry repeats. */
  static final class ScriptedTransport implements WriteTransport {
    final List<String> bodies = new ArrayList<>();
    final Deque<Supplier<TransportException>> script = new ArrayDeque<>();
    int closes;

    @Override
    public void write(String body) {
      bodies.add(body);
      Supplier<TransportException> next =
          script.size() > 1 ? script.removeFirst() : script.peekFirst();
      if (next != null && next.get() != null) {
        throw next.get();
      }
    }

    @Override
    public String describe() {
      return "scripted";
    }

    @Override
    public void close() {
      closes++;
    }
  }

  private static final Supplier<TransportException> OK = () -> null;
  private static final Supplier<TransportException> UNAVAILABLE =
      () -> new TransportException(503, true, "HTTP 503 from scripted: unavailable", null);
  private static final Supplier<TransportException> REFUSED =
      () -> new TransportException(-1, true, "cannot reach scripted: ConnectException", null);

  private final ScriptedTransport transport = new ScriptedTransport();

  private InfluxSink sink(InfluxSettings.Builder settings) {
    InfluxSettings s = settings.build();
    return new InfluxSink(s, LineProtocolEncoder.of(s, WindowSpec.ofDefaults()), transport);
  }

  private static InfluxSettings.Builder settings() {
    return InfluxSettings.builder()
        .url("http://127.0.0.1:1")
        .database("db")
        .backoff(Duration.ofMillis(1), Duration.ofMillis(5));
  }

  @Test
  void batchLargerThanChunk_isSentInChunks_inOrder_oneLinePerWindow() {
    List<ScoredWindow> windows = TestWindows.many(12, 3, 0);

    sink(settings().chunkSize(5)).write(windows);

    assertThat(transport.bodies).hasSize(3);
    assertThat(transport.bodies.get(0).split("\n")).hasSize(5);
    assertThat(transport.bodies.get(2).split("\n")).hasSize(2);
    assertThat(String.join("", transport.bodies)).endsWith("\n");
    LineProtocolEncoder encoder =
        LineProtocolEncoder.of(settings().build(), WindowSpec.ofDefaults());
    assertThat(String.join("", transport.bodies))
        .isEqualTo(String.join("\n", encoder.encodeAll(windows)) + "\n");
  }

  @Test
  void emptyBatch_sendsNothing() {
    sink(settings()).write(List.of());

    assertThat(transport.bodies).isEmpty();
  }

  @Test
  void unavailableServer_isRetried_untilItAccepts() {
    transport.script.addAll(List.of(UNAVAILABLE, REFUSED, UNAVAILABLE, OK));

    sink(settings()).write(TestWindows.many(3, 3, 0));

    assertThat(transport.bodies).hasSize(4).containsOnly(transport.bodies.get(0));
  }

  @Test
  void unavailableServer_afterMaxRetries_throwsARetryableError_neverSwallows() {
    transport.script.add(UNAVAILABLE);
    InfluxSink sink = sink(settings().maxRetries(3));

    assertThatThrownBy(() -> sink.write(TestWindows.many(3, 3, 0)))
        .isInstanceOfSatisfying(
            InfluxWriteException.class,
            e -> {
              assertThat(e.retryable()).isTrue();
              assertThat(e.status()).isEqualTo(503);
              assertThat(e.rejectedPoint()).isEmpty();
            })
        .hasMessageContaining("giving up after 4 attempts")
        .hasMessageContaining("HTTP 503");
    assertThat(transport.bodies).hasSize(4);
  }

  @Test
  void unavailableServer_afterMaxRetryDuration_throws() {
    transport.script.add(REFUSED);
    InfluxSink sink =
        sink(
            settings()
                .maxRetries(1_000_000)
                .maxRetryDuration(Duration.ofMillis(200))
                .backoff(Duration.ofMillis(10), Duration.ofMillis(20)));

    assertThatThrownBy(() -> sink.write(TestWindows.many(1, 1, 0)))
        .isInstanceOfSatisfying(
            InfluxWriteException.class, e -> assertThat(e.retryable()).isTrue());
    // retried, and ended by the 200 ms bound rather than by the (unreachable) retry count; how many
    // tries fit in 200 ms depends on the machine's load, so it is not asserted
    assertThat(transport.bodies.size()).isBetween(2, 999_999);
  }

  @Test
  void rejectedPoint_failsAtOnce_namingTheServersMessageAndThePoint() {
    transport.script.add(
        () ->
            new TransportException(
                400,
                false,
                "HTTP 400 from scripted: unable to parse "
                    + "'nurse_stress,id=x HR= 4999': missing field value",
                null));
    InfluxSink sink = sink(settings());

    assertThatThrownBy(() -> sink.write(TestWindows.many(3, 3, 0)))
        .isInstanceOfSatisfying(
            InfluxWriteException.class,
            e -> {
              assertThat(e.retryable()).isFalse();
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.rejectedPoint()).contains("nurse_stress,id=x HR= 4999");
            })
        .hasMessageContaining("not retried")
        .hasMessageContaining("missing field value")
        .hasMessageContaining("rejected point: nurse_stress,id=x HR= 4999");
    assertThat(transport.bodies).hasSize(1);
  }

  @Test
  void rejectedChunk_stopsTheCall_laterChunksAreNotSent() {
    transport.script.addAll(
        List.of(OK, () -> new TransportException(413, false, "HTTP 413: too large", null)));
    InfluxSink sink = sink(settings().chunkSize(2));

    assertThatThrownBy(() -> sink.write(TestWindows.many(6, 3, 0)))
        .hasMessageContaining("chunk 2/3, 2 points")
        .hasMessageContaining("first point of the rejected chunk: nurse_stress,id=nurse-2");
    assertThat(transport.bodies).hasSize(2);
  }

  @Test
  void interruptedDuringBackoff_throws_andKeepsTheInterruptFlag() {
    transport.script.add(UNAVAILABLE);
    InfluxSink sink = sink(settings().backoff(Duration.ofSeconds(5), Duration.ofSeconds(10)));
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> sink.write(TestWindows.many(1, 1, 0)))
          .isInstanceOf(InfluxWriteException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void close_isIdempotent_andWritesAfterCloseFail() {
    InfluxSink sink = sink(settings());

    sink.close();
    sink.close();

    assertThat(transport.closes).isEqualTo(1);
    assertThatThrownBy(() -> sink.write(TestWindows.many(1, 1, 0)))
        .isInstanceOf(IllegalStateException.class);
  }
}
