package io.fallback.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Calls per second with 32 calls in flight (the default {@code ml_service.max_concurrency}, one
 * blocking caller thread each) against a {@link ZeroCostStub} on loopback: on a CPU-bound machine
 * the rate is the inverse of what a call costs (client and stub; the stub's share is the same for
 * every client). The JDK {@link HttpClient} (blocking {@code send}, its own 2-thread executor, as
 * {@code ModelServiceClient} uses it) against Jetty's {@link org.eclipse.jetty.client.HttpClient}
 * (blocking {@code send}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(32)
public class HttpClientCostBenchmark {

  private ZeroCostStub stub;
  private URI uri;
  private ExecutorService jdkExecutor;
  private HttpClient jdk;
  private HttpRequest request;
  private org.eclipse.jetty.client.HttpClient jetty;

  /**
   * Starts the stub and both clients.
   *
   * @throws Exception if the stub cannot bind or Jetty cannot start
   */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    stub = ZeroCostStub.start();
    uri = URI.create(stub.predictUrl() + "?x=1.0&y=2.0&z=3.0&eda=4.0&hr=5.0&temp=6.0");
    jdkExecutor = Executors.newFixedThreadPool(2);
    jdk =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(jdkExecutor).build();
    request = HttpRequest.newBuilder(uri).header("Accept", "application/json").GET().build();
    jetty = new org.eclipse.jetty.client.HttpClient();
    jetty.setMaxConnectionsPerDestination(64);
    jetty.start();
  }

  /**
   * Stops the clients and the stub.
   *
   * @throws Exception if Jetty fails to stop
   */
  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    jetty.stop();
    jdkExecutor.shutdownNow();
    stub.close();
  }

  /**
   * @return the body
   * @throws IOException if the call fails
   * @throws InterruptedException if interrupted
   */
  @Benchmark
  public String jdkSend() throws IOException, InterruptedException {
    return jdk.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  /**
   * @return the body
   * @throws InterruptedException if interrupted
   * @throws ExecutionException if the call fails
   * @throws TimeoutException if the call takes over 10 s
   */
  @Benchmark
  public String jettySend() throws InterruptedException, ExecutionException, TimeoutException {
    return jetty
        .newRequest(uri)
        .headers(h -> h.put("Accept", "application/json"))
        .timeout(10, TimeUnit.SECONDS)
        .send()
        .getContentAsString();
  }
}
