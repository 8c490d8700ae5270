package io.fallback.testkit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Flink 2.x {@link MiniCluster} in the test JVM: one JobManager with its REST API on a free
 * 127.0.0.1 port, and one TaskManager with 4 slots (by default); all its listeners bind 127.0.0.1.
 * Jobs are submitted asynchronously; the REST API ({@code /jobs/overview}, {@code /jobs/<id>},
 * {@code /jobs/<id>/checkpoints}) answers as on a real cluster, so REST health probes can be tested
 * against it.
 *
 * <pre>{@code
 * try (FlinkCluster flink = FlinkCluster.start()) {
 *   StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
 *   env.fromSource(...).map(...).sinkTo(...);
 *   JobID job = flink.submit(env, "primary");
 *   flink.awaitStatus(job, JobStatus.RUNNING, Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <p><b>JVM options.</b> Flink reflects into {@code java.base}; on Java 17 the forked test JVM
 * needs these options (the root POM defines them as the property {@code flink.test.argLine}; set
 * {@code <argLine>${flink.test.argLine}</argLine>} on Surefire and Failsafe):
 *
 * <pre>
 * -XX:+IgnoreUnrecognizedVMOptions
 * --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
 * --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
 * --add-opens=java.base/java.lang=ALL-UNNAMED
 * --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
 * --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
 * --add-opens=java.base/java.net=ALL-UNNAMED
 * --add-opens=java.base/java.io=ALL-UNNAMED
 * --add-opens=java.base/java.nio=ALL-UNNAMED
 * --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
 * --add-opens=java.base/java.text=ALL-UNNAMED
 * --add-opens=java.base/java.time=ALL-UNNAMED
 * --add-opens=java.base/java.util=ALL-UNNAMED
 * --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
 * --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
 * --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
 * </pre>
 *
 * <p>This class is thread-safe.
 */
public final class FlinkCluster extends TestServer {

  private static final Logger LOG = LoggerFactory.getLogger(FlinkCluster.class);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
  private static final String LOOPBACK = "127.0.0.1";

  /** Slots of the single TaskManager when not given. */
  public static final int DEFAULT_SLOTS = 4;

  private final MiniCluster miniCluster;
  private final String restUrl;
  private final Duration startupTime;

  private FlinkCluster(MiniCluster miniCluster, String restUrl, Duration startupTime) {
    super("flink mini cluster");
    this.miniCluster = miniCluster;
    this.restUrl = restUrl;
    this.startupTime = startupTime;
  }

  /**
   * Starts a cluster with one TaskManager of {@value #DEFAULT_SLOTS} slots.
   *
   * @return the running cluster; close it when done
   * @throws TestServerException if it cannot start
   */
  public static FlinkCluster start() {
    return start(DEFAULT_SLOTS, new Configuration());
  }

  /**
   * Starts a cluster with one TaskManager.
   *
   * @param slots task slots, at least 1
   * @param configuration extra Flink settings (REST bind address and port are set by this kit)
   * @return the running cluster; close it when done
   * @throws IllegalArgumentException if {@code slots < 1}
   * @throws TestServerException if it cannot start
   */
  public static FlinkCluster start(int slots, Configuration configuration) {
    requireNonNull(configuration, "configuration");
    if (slots < 1) {
      throw new IllegalArgumentException("slots must be >= 1, but was " + slots);
    }
    Configuration config = new Configuration(configuration);
    config.set(RestOptions.ADDRESS, LOOPBACK);
    config.set(RestOptions.BIND_ADDRESS, LOOPBACK);
    config.set(RestOptions.BIND_PORT, "0");
    // every other listener (RPC, blob server, TaskManager data port) on loopback too
    config.set(JobManagerOptions.ADDRESS, LOOPBACK);
    config.set(JobManagerOptions.BIND_HOST, LOOPBACK);
    config.set(TaskManagerOptions.HOST, LOOPBACK);
    config.set(TaskManagerOptions.BIND_HOST, LOOPBACK);
    MiniClusterConfiguration clusterConfig =
        new MiniClusterConfiguration.Builder()
            .setConfiguration(config)
            .setNumTaskManagers(1)
            .setNumSlotsPerTaskManager(slots)
            .setCommonBindAddress(LOOPBACK)
            .withRandomPorts()
            .build();
    long begin = System.nanoTime();
    MiniCluster miniCluster = new MiniCluster(clusterConfig);
    try {
      miniCluster.start();
      String restUrl =
          stripTrailingSlash(get(miniCluster.getRestAddress(), "REST address").toString());
      Duration startupTime = Duration.ofNanos(System.nanoTime() - begin);
      LOG.info("flink mini cluster ready, REST at {} in {} ms", restUrl, startupTime.toMillis());
      return new FlinkCluster(miniCluster, restUrl, startupTime);
    } catch (Exception e) {
      closeQuietly(miniCluster);
      if (e instanceof TestServerException) {
        throw (TestServerException) e;
      }
      throw new TestServerException("flink: cannot start the mini cluster", e);
    }
  }

  /**
   * @return the REST API's base URL, e.g. {@code http://127.0.0.1:40123}
   */
  public String restUrl() {
    return restUrl;
  }

  /**
   * Builds the job defined on {@code env} (its stream graph; the environment's transformations are
   * cleared, as {@code execute} does), names it and submits it without waiting for it to run.
   *
   * @param env an environment with at least one sink
   * @param jobName the job's name, as shown by {@code /jobs/overview}
   * @return the job's id
   * @throws TestServerException if the submission is rejected
   */
  public JobID submit(StreamExecutionEnvironment env, String jobName) {
    requireNonNull(env, "env");
    requireNonNull(jobName, "jobName");
    StreamGraph streamGraph = env.getStreamGraph();
    streamGraph.setJobName(jobName);
    return submit(streamGraph);
  }

  /**
   * Submits a stream graph (translated to a job graph) without waiting for it to run.
   *
   * @param streamGraph the job
   * @return the job's id
   * @throws TestServerException if the submission is rejected
   */
  public JobID submit(StreamGraph streamGraph) {
    requireNonNull(streamGraph, "streamGraph");
    return submit(streamGraph.getJobGraph());
  }

  /**
   * Submits a job graph without waiting for it to run.
   *
   * @param jobGraph the job
   * @return the job's id
   * @throws TestServerException if the submission is rejected
   */
  public JobID submit(JobGraph jobGraph) {
    requireNonNull(jobGraph, "jobGraph");
    requireOpen();
    JobID jobId = get(miniCluster.submitJob(jobGraph), "submit " + jobGraph.getName()).getJobID();
    LOG.info("flink job '{}' submitted as {}", jobGraph.getName(), jobId);
    return jobId;
  }

  /**
   * Cancels a job and returns once the cancellation is acknowledged (the job may still be
   * CANCELLING; use {@link #awaitStatus} for CANCELED).
   *
   * @param jobId the job
   * @throws TestServerException if the job is unknown or cannot be cancelled
   */
  public void cancel(JobID jobId) {
    requireNonNull(jobId, "jobId");
    get(miniCluster.cancelJob(jobId), "cancel " + jobId);
  }

  /**
   * @param jobId the job
   * @return its current status
   * @throws TestServerException if the job is unknown
   */
  public JobStatus status(JobID jobId) {
    requireNonNull(jobId, "jobId");
    return get(miniCluster.getJobStatus(jobId), "status of " + jobId);
  }

  /**
   * Polls the job's status until it is {@code expected}.
   *
   * @param jobId the job
   * @param expected the awaited status
   * @param timeout how long to wait
   * @throws TestServerException if the timeout passes, or the job reaches a different terminal
   *     status (e.g. FAILED while RUNNING is awaited)
   */
  public void awaitStatus(JobID jobId, JobStatus expected, Duration timeout) {
    requireNonNull(jobId, "jobId");
    requireNonNull(expected, "expected");
    requireNonNull(timeout, "timeout");
    long deadline = System.nanoTime() + timeout.toNanos();
    JobStatus current = status(jobId);
    while (current != expected) {
      if (current.isGloballyTerminalState()) {
        throw new TestServerException(
            "flink: job " + jobId + " ended " + current + " while " + expected + " was awaited");
      }
      if (System.nanoTime() > deadline) {
        throw new TestServerException(
            "flink: job " + jobId + " is " + current + ", not " + expected + ", after " + timeout);
      }
      pause();
      current = status(jobId);
    }
  }

  /**
   * @return the underlying mini cluster, for what this class does not offer
   */
  public MiniCluster miniCluster() {
    return miniCluster;
  }

  /**
   * @return how long {@link #start()} took until the REST API was up
   */
  public Duration startupTime() {
    return startupTime;
  }

  /** Cancels running jobs and shuts the cluster down. */
  @Override
  protected void shutDown() {
    try {
      miniCluster.closeAsync().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestServerException("flink: interrupted while closing the mini cluster", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new TestServerException("flink: error while closing the mini cluster", e);
    }
  }

  @Override
  protected String address() {
    return restUrl;
  }

  private static <T> T get(CompletableFuture<T> future, String what) {
    try {
      return future.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestServerException("flink: interrupted during " + what, e);
    } catch (ExecutionException e) {
      throw new TestServerException("flink: " + what + " failed", e.getCause());
    } catch (TimeoutException e) {
      throw new TestServerException("flink: " + what + " timed out after " + CALL_TIMEOUT, e);
    }
  }

  private static String stripTrailingSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static void closeQuietly(MiniCluster miniCluster) {
    try {
      miniCluster.closeAsync().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException suppressed) {
      LOG.warn("flink: error while closing a mini cluster that failed to start", suppressed);
    }
  }

  /** Polling interval of {@link #awaitStatus}. */
  private static void pause() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestServerException("flink: interrupted while awaiting a job status", e);
    }
  }
}
