package io.fallback.contract;

import io.fallback.core.BatchProcessor;
import io.fallback.core.BatchSource;
import io.fallback.core.Checkpoint;
import io.fallback.core.Health;
import io.fallback.core.HealthProbe;
import io.fallback.core.LatencySource;
import io.fallback.core.Sink;
import io.fallback.core.SourceRecord;
import io.fallback.core.testing.ForwardingBatchSource;
import io.fallback.core.testing.InMemoryBatchSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The contract kit's own subjects: for each contract, an implementation known to be right and
 * implementations known to be wrong. The nested classes are run by {@link ContractKitTest} through
 * the JUnit Platform's EngineTestKit; run any other way they are disabled ({@link KitSubject}).
 */
final class Implementations {

  private Implementations() {}

  // ---- Sink -----------------------------------------------------------------------------------

  /** A destination: a map from identity to stored copies. */
  static final class Store {
    final Map<String, Integer> copies = new HashMap<>();
    boolean broken;

    synchronized void put(String id, boolean upsert) {
      if (broken) {
        throw new IllegalStateException("store unavailable");
      }
      copies.merge(id, 1, upsert ? (a, b) -> a : Integer::sum);
    }

    synchronized int copies(String id) {
      return copies.getOrDefault(id, 0);
    }
  }

  @KitSubject
  abstract static class StoreSinkContract extends SinkContract<String> {
    final Store store = new Store();
    final Store brokenStore = new Store();
    private static final AtomicInteger IDS = new AtomicInteger();

    StoreSinkContract() {
      brokenStore.broken = true;
    }

    @Override
    protected List<String> newOutputs(int count) {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        out.add("point-" + IDS.incrementAndGet());
      }
      return out;
    }

    @Override
    protected int storedCopies(String output) {
      return store.copies(output);
    }

    @Override
    protected Sink<String> createSink() {
      return sink(store);
    }

    @Override
    protected Sink<String> createSinkWithBrokenDestination() {
      return sink(brokenStore);
    }

    abstract Sink<String> sink(Store store);
  }

  /** Upserts synchronously and lets failures through: right. */
  @KitSubject
  static final class UpsertingSink extends StoreSinkContract {
    @Override
    Sink<String> sink(Store s) {
      return outputs -> outputs.forEach(o -> s.put(o, true));
    }
  }

  /** Acknowledges at once and writes later (on close): wrong. */
  @KitSubject
  static final class AckBeforeWriteSink extends StoreSinkContract {
    @Override
    Sink<String> sink(Store s) {
      List<String> pending = new ArrayList<>();
      return new Sink<>() {
        @Override
        public void write(List<String> outputs) {
          pending.addAll(outputs);
        }

        @Override
        public void close() {
          pending.forEach(o -> s.put(o, true));
          pending.clear();
        }
      };
    }
  }

  /** Appends every write: a rewrite leaves a second copy. Wrong. */
  @KitSubject
  static final class AppendingSink extends StoreSinkContract {
    @Override
    Sink<String> sink(Store s) {
      return outputs -> outputs.forEach(o -> s.put(o, false));
    }
  }

  /** Catches the store's failure and returns normally. Wrong. */
  @KitSubject
  static final class SwallowingSink extends StoreSinkContract {
    @Override
    Sink<String> sink(Store s) {
      return outputs -> {
        try {
          outputs.forEach(o -> s.put(o, true));
        } catch (RuntimeException e) {
          // "logged"
        }
      };
    }
  }

  // ---- BatchSource ----------------------------------------------------------------------------

  @KitSubject
  abstract static class LogSourceContract extends BatchSourceContract<String> {
    final InMemoryBatchSource.Log<String> log = new InMemoryBatchSource.Log<>(1);

    @Override
    protected void appendRecords(int count) {
      for (int i = 0; i < count; i++) {
        log.append(0, "r" + log.size(0));
      }
    }

    @Override
    protected Duration readTimeout() {
      return Duration.ofSeconds(2);
    }

    @Override
    protected Duration holdDuration() {
      return Duration.ofMillis(1);
    }

    InMemoryBatchSource<String> inMemory() {
      return new InMemoryBatchSource<>(log, 3, d -> {});
    }
  }

  /** The core's in-memory source: right. */
  @KitSubject
  static final class InMemorySource extends LogSourceContract {
    @Override
    protected BatchSource<String> createSource() {
      return inMemory();
    }
  }

  /** Commits the position after the last record it read instead of the checkpoint. Wrong. */
  @KitSubject
  static final class CommitsAheadSource extends LogSourceContract {
    @Override
    protected BatchSource<String> createSource() {
      return new Tracking(inMemory()) {
        @Override
        public void commit(Map<Integer, Checkpoint> checkpoints) {
          Map<Integer, Checkpoint> ahead = new HashMap<>();
          next.forEach((p, o) -> ahead.put(p, new Checkpoint(o, Checkpoint.NONE, o)));
          super.commit(ahead);
        }
      };
    }
  }

  /** Commits what it read when closed (auto-commit). Wrong. */
  @KitSubject
  static final class CommitsOnCloseSource extends LogSourceContract {
    @Override
    protected BatchSource<String> createSource() {
      return new Tracking(inMemory()) {
        @Override
        public void close() {
          Map<Integer, Checkpoint> read = new HashMap<>();
          next.forEach((p, o) -> read.put(p, new Checkpoint(o, Checkpoint.NONE, o)));
          super.commit(read);
          super.close();
        }
      };
    }
  }

  /** Drops what it had fetched when held. Wrong. */
  @KitSubject
  static final class HoldDropsRecordsSource extends LogSourceContract {
    @Override
    protected BatchSource<String> createSource() {
      return new Tracking(inMemory()) {
        @Override
        public void hold(Duration duration) {
          appendRecords(1); // a record arrives while held ...
          super.poll(); // ... and is fetched and dropped
        }
      };
    }
  }

  /** Remembers the next offset per partition after what it returned. */
  static class Tracking extends ForwardingBatchSource<String> {
    final Map<Integer, Long> next = new HashMap<>();

    Tracking(BatchSource<String> delegate) {
      super(delegate);
    }

    @Override
    public List<SourceRecord<String>> poll() {
      List<SourceRecord<String>> records = super.poll();
      records.forEach(r -> next.put(r.partition(), r.offset() + 1));
      return records;
    }

    @Override
    public List<SourceRecord<String>> poll(Duration maxWait) {
      return poll();
    }
  }

  // ---- LatencySource --------------------------------------------------------------------------

  /** Empty without data, throws when unreachable: right. */
  @KitSubject
  static final class HonestLatency extends LatencySourceContract {
    @Override
    protected LatencySource createWithoutData() {
      return Optional::empty;
    }

    @Override
    protected LatencySource createUnreachable(int closedPort) {
      return () -> {
        throw new UncheckedIOException(new IOException("connection refused: " + closedPort));
      };
    }
  }

  /** Answers "caught up" when it cannot tell. Wrong. */
  @KitSubject
  static final class ZeroWhenUnknownLatency extends LatencySourceContract {
    @Override
    protected LatencySource createWithoutData() {
      return () -> Optional.of(Duration.ZERO);
    }

    @Override
    protected LatencySource createUnreachable(int closedPort) {
      return () -> Optional.of(Duration.ZERO);
    }
  }

  /** Blocks without a bound when unreachable. Wrong. */
  @KitSubject
  static final class UnboundedLatency extends LatencySourceContract {
    @Override
    protected LatencySource createWithoutData() {
      return Optional::empty;
    }

    @Override
    protected LatencySource createUnreachable(int closedPort) {
      return () -> {
        try {
          new CountDownLatch(1).await(); // never counted down
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return Optional.empty();
      };
    }

    @Override
    protected Duration callBound() {
      return Duration.ofMillis(500);
    }
  }

  // ---- HealthProbe ----------------------------------------------------------------------------

  /** An HTTP GET with a connect and request timeout; anything but 200 is unhealthy. */
  static HealthProbe httpProbe(URI uri, Duration timeout) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
    return () -> {
      HttpRequest.Builder request = HttpRequest.newBuilder(uri.resolve("/health"));
      if (timeout != null) {
        request.timeout(timeout);
      }
      try {
        HttpResponse<Void> r = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
        return r.statusCode() == 200
            ? Health.healthy("200 from " + uri)
            : Health.unhealthy(r.statusCode() + " from " + uri);
      } catch (IOException e) {
        return Health.unhealthy(uri + " unreachable: " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Health.unhealthy("interrupted");
      }
    };
  }

  /** Bounded HTTP probe: right. */
  @KitSubject
  static final class BoundedHttpProbe extends HealthProbeContract {
    @Override
    protected HealthProbe createProbe(URI uri) {
      return httpProbe(uri, Duration.ofMillis(300));
    }

    @Override
    protected Duration callBound() {
      return Duration.ofSeconds(3);
    }
  }

  /** No request timeout: hangs on a silent primary. Wrong. */
  @KitSubject
  static final class UnboundedHttpProbe extends HealthProbeContract {
    @Override
    protected HealthProbe createProbe(URI uri) {
      HealthProbe bounded = httpProbe(uri, Duration.ofMillis(300));
      HttpClient client = HttpClient.newHttpClient();
      return () -> {
        try {
          client.send(
              HttpRequest.newBuilder(uri.resolve("/health")).build(),
              HttpResponse.BodyHandlers.discarding());
          return Health.healthy("answered");
        } catch (IOException e) {
          return bounded.check();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Health.unhealthy("interrupted");
        }
      };
    }

    @Override
    protected Duration callBound() {
      return Duration.ofSeconds(2);
    }
  }

  /** Healthy when it cannot tell. Wrong. */
  @KitSubject
  static final class OptimisticProbe extends HealthProbeContract {
    @Override
    protected HealthProbe createProbe(URI uri) {
      HealthProbe bounded = httpProbe(uri, Duration.ofMillis(300));
      return () -> {
        Health h = bounded.check();
        return h.isHealthy() ? h : Health.healthy("assumed up: " + h.reason());
      };
    }

    @Override
    protected Duration callBound() {
      return Duration.ofSeconds(3);
    }
  }

  // ---- BatchProcessor -------------------------------------------------------------------------

  /** A backend that doubles numbers, or fails. */
  static List<Integer> backend(List<Integer> inputs, boolean down) {
    if (down) {
      throw new IllegalStateException("model service down");
    }
    return inputs.stream().map(i -> i * 2).toList();
  }

  @KitSubject
  abstract static class DoublingContract extends BatchProcessorContract<Integer, Integer> {
    @Override
    protected List<Integer> inputs() {
      return List.of(1, 2, 3);
    }

    @Override
    protected BatchProcessor<Integer, Integer> createWorking() {
      return processor(false);
    }

    @Override
    protected BatchProcessor<Integer, Integer> createWithFailingBackend() {
      return processor(true);
    }

    abstract BatchProcessor<Integer, Integer> processor(boolean down);
  }

  /** Lets the backend's failure through: right. */
  @KitSubject
  static final class StrictProcessor extends DoublingContract {
    @Override
    BatchProcessor<Integer, Integer> processor(boolean down) {
      return inputs -> backend(inputs, down);
    }
  }

  /** Returns a default output when the backend fails (the first version's made-up level). Wrong. */
  @KitSubject
  static final class DefaultingProcessor extends DoublingContract {
    @Override
    BatchProcessor<Integer, Integer> processor(boolean down) {
      return inputs -> {
        try {
          return backend(inputs, down);
        } catch (RuntimeException e) {
          return inputs.stream().map(i -> 0).toList();
        }
      };
    }
  }
}
