package io.fallback.benchmarks;

import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowSpec;
import io.fallback.http.ModelServiceClient;
import io.fallback.http.ModelServiceSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One model call's client-side cost, against a {@link ZeroCostStub} on loopback (one call at a
 * time, so the time is the round trip through the client): the fallback's {@link
 * ModelServiceClient#predict} (Failsafe retry, breaker and timeout, the bounded caller pool, the
 * JDK client's blocking {@code send}, JSON parsing) and, as its floor, the JDK {@link HttpClient}'s
 * blocking {@code send} of the same request alone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ModelCallBenchmark {

  private ZeroCostStub stub;
  private ModelServiceClient client;
  private HttpClient jdk;
  private HttpRequest request;
  private WindowResult window;

  /**
   * Starts the stub and the clients.
   *
   * @throws IOException if the stub cannot bind
   */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    stub = ZeroCostStub.start();
    client =
        ModelServiceClient.of(
            ModelServiceSettings.builder(URI.create(stub.predictUrl())).build(),
            WindowSpec.ofDefaults().fieldNames());
    window =
        new WindowResult(
            "nurse-1", 1_700_000_000_000L, 1_700_000_005_000L, 160, new float[] {1, 2, 3, 4, 5, 6});
    jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    request =
        HttpRequest.newBuilder(
                URI.create(stub.predictUrl() + "?x=1.0&y=2.0&z=3.0&eda=4.0&hr=5.0&temp=6.0"))
            .GET()
            .build();
  }

  /**
   * Closes the clients and the stub.
   *
   * @throws IOException never in practice
   */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    client.close();
    stub.close();
  }

  /**
   * @return the prediction
   */
  @Benchmark
  public int modelServiceClientPredict() {
    return client.predict(window);
  }

  /**
   * @return the body
   * @throws IOException if the call fails
   * @throws InterruptedException if interrupted
   */
  @Benchmark
  public String jdkHttpClientSendAlone() throws IOException, InterruptedException {
    return jdk.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }
}
