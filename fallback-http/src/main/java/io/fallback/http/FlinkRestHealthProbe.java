package io.fallback.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.fallback.core.Health;
import io.fallback.core.HealthProbe;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Tells whether the primary Flink job is processing, from the JobManager's REST API.
 *
 * <p>In mode {@link FlinkProbeSettings.Mode#FLINK_REST} a check is healthy only when all of these
 * hold:
 *
 * <ul>
 *   <li>the configured job (by name or id; with neither, the newest RUNNING job, as the seed took
 *       any) is listed by {@code /jobs/overview} as RUNNING;
 *   <li>all its vertices are RUNNING ({@code /jobs/<id>});
 *   <li>its {@code numRestarts} job metric ({@code /jobs/<id>/metrics?get=numRestarts}) has not
 *       risen since the previous check. Flink 2.2's job details carry no restart count; the metric
 *       is the scheduler's own counter, refreshed in the REST metric store every {@code
 *       metrics.fetcher.update-interval} (10 s by default), so a restart is reported up to that
 *       much later, once;
 *   <li>when the job checkpoints ({@code /jobs/<id>/checkpoints/config} has a finite interval), its
 *       latest completed checkpoint ({@code /jobs/<id>/checkpoints}) is younger than {@link
 *       FlinkProbeSettings#maxCheckpointAge()}, or, before the first one, the job started less than
 *       that long ago. Failed checkpoint counts are ignored: Flink reports declined triggers as
 *       failures right after a start.
 * </ul>
 *
 * <p>Every failed condition is named in the reason, for example {@code job nurse-stress is
 * CANCELED}, {@code no job named nurse-stress}, {@code vertex Source: kafka is INITIALIZING},
 * {@code restarts rose from 1 to 2}, {@code last checkpoint 95s old > 60s}, {@code JobManager
 * unreachable at ...}, {@code timed out after 10s (...)}, {@code unparseable response to GET ...:
 * '...'}. Mode {@link FlinkProbeSettings.Mode#LEGACY_OVERVIEW} keeps the seed's rule: healthy when
 * {@code /overview} reports {@code jobs-running > 0}.
 *
 * <p>All requests of one check share {@link FlinkProbeSettings#timeout()}. {@link #check()} never
 * throws. Checkpoint ages are measured with the injected clock against the JobManager's timestamps.
 *
 * <p>Thread-safe; meant to be called by one supervisor thread at a time (the restart count of the
 * previous check is the state it keeps).
 */
public final class FlinkRestHealthProbe implements HealthProbe {

  private static final Set<String> TERMINAL = Set.of("FINISHED", "CANCELED", "FAILED");
  private static final Duration MIN_DERIVED_CHECKPOINT_AGE = Duration.ofSeconds(60);
  private static final int DERIVED_CHECKPOINT_AGE_INTERVALS = 3;

  private final FlinkProbeSettings settings;
  private final InstantSource clock;
  private final HttpClient http;
  private final String base;
  private final AtomicReference<RestartMark> lastRestarts = new AtomicReference<>();

  private FlinkRestHealthProbe(FlinkProbeSettings settings, InstantSource clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(settings.timeout())
            .build();
    String url = settings.restUrl().toString();
    this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /**
   * Creates a probe that measures checkpoint ages with the system clock.
   *
   * @param settings what to check
   * @return the probe
   */
  public static FlinkRestHealthProbe of(FlinkProbeSettings settings) {
    return new FlinkRestHealthProbe(settings, InstantSource.system());
  }

  /**
   * Creates a probe.
   *
   * @param settings what to check
   * @param clock the clock checkpoint ages are measured with (the launcher's single clock)
   * @return the probe
   */
  public static FlinkRestHealthProbe of(FlinkProbeSettings settings, InstantSource clock) {
    return new FlinkRestHealthProbe(settings, clock);
  }

  /**
   * The name used in logs and events.
   *
   * @return {@code flink_rest}
   */
  @Override
  public String name() {
    return "flink_rest";
  }

  /**
   * Checks the primary once.
   *
   * @return healthy, or unhealthy with every failed condition in the reason; never null, never
   *     throws
   */
  @Override
  public Health check() {
    Deadline deadline = new Deadline(System.nanoTime() + settings.timeout().toNanos());
    try {
      return settings.mode() == FlinkProbeSettings.Mode.LEGACY_OVERVIEW
          ? checkOverview(deadline)
          : checkJob(deadline);
    } catch (RestFailure e) {
      return Health.unhealthy(e.getMessage());
    } catch (RuntimeException e) {
      return Health.unhealthy("probe failed: " + Texts.describe(e));
    }
  }

  private Health checkOverview(Deadline deadline) throws RestFailure {
    String path = "/overview";
    JsonNode overview = get(path, deadline);
    JsonNode running = overview.get("jobs-running");
    if (running == null || !running.canConvertToLong()) {
      throw unparseable(path, overview.toString());
    }
    long n = running.asLong();
    return n > 0
        ? Health.healthy(n + " job(s) running (legacy_overview)")
        : Health.unhealthy("no job running (legacy_overview: jobs-running = " + n + ")");
  }

  private Health checkJob(Deadline deadline) throws RestFailure {
    List<Job> jobs = overview(deadline);
    Optional<Job> selected = select(jobs);
    if (selected.isEmpty()) {
      return Health.unhealthy(notFound(jobs));
    }
    Job job = selected.get();
    String label = "job " + job.name();
    if (TERMINAL.contains(job.state())) {
      return Health.unhealthy(label + " is " + job.state());
    }
    List<String> problems = new ArrayList<>();
    List<String> facts = new ArrayList<>();
    if (!job.state().equals("RUNNING")) {
      problems.add(label + " is " + job.state());
    }

    OptionalLong restarts = restarts(job, deadline);
    if (restarts.isPresent()) {
      long now = restarts.getAsLong();
      RestartMark previous = lastRestarts.getAndSet(new RestartMark(job.id(), now));
      if (previous != null && previous.jobId().equals(job.id()) && now > previous.count()) {
        problems.add("restarts rose from " + previous.count() + " to " + now);
      }
      facts.add("restarts " + now);
    }

    if (job.state().equals("RUNNING")) {
      checkVertices(job, deadline, problems, facts);
      checkCheckpoints(job, deadline, problems, facts);
    }
    String id = " (" + job.id() + ")";
    if (problems.isEmpty()) {
      return Health.healthy(label + id + " is RUNNING: " + String.join(", ", facts));
    }
    return Health.unhealthy(String.join("; ", problems));
  }

  private List<Job> overview(Deadline deadline) throws RestFailure {
    String path = "/jobs/overview";
    JsonNode root = get(path, deadline);
    JsonNode array = root.get("jobs");
    if (array == null || !array.isArray()) {
      throw unparseable(path, root.toString());
    }
    List<Job> jobs = new ArrayList<>();
    for (JsonNode j : array) {
      String id = text(j, "jid");
      String name = text(j, "name");
      String state = text(j, "state");
      if (id == null || name == null || state == null) {
        throw unparseable(path, j.toString());
      }
      jobs.add(new Job(id, name, state, j.path("start-time").asLong(0)));
    }
    return jobs;
  }

  private Optional<Job> select(List<Job> jobs) {
    List<Job> candidates;
    if (settings.jobId().isPresent()) {
      String id = settings.jobId().get();
      candidates = jobs.stream().filter(j -> j.id().equalsIgnoreCase(id)).toList();
    } else if (settings.jobName().isPresent()) {
      String name = settings.jobName().get();
      candidates = jobs.stream().filter(j -> j.name().equals(name)).toList();
    } else {
      candidates = jobs;
    }
    // A job resubmitted under the same name leaves its old, cancelled runs in the list: prefer the
    // live one (RUNNING first), then the newest.
    Comparator<Job> preference =
        Comparator.comparing((Job j) -> !j.state().equals("RUNNING"))
            .thenComparing(j -> TERMINAL.contains(j.state()))
            .thenComparing(Comparator.comparingLong(Job::startTime).reversed());
    return candidates.stream().min(preference);
  }

  private String notFound(List<Job> jobs) {
    String what =
        settings
            .jobId()
            .map(id -> "no job with id " + id)
            .or(() -> settings.jobName().map(name -> "no job named " + name))
            .orElse("no job on the cluster");
    if (jobs.isEmpty()) {
      return settings.jobId().isEmpty() && settings.jobName().isEmpty()
          ? what
          : what + " (no jobs on the cluster)";
    }
    return what
        + " (jobs: "
        + jobs.stream()
            .limit(5)
            .map(j -> j.name() + " " + j.state())
            .collect(Collectors.joining(", "))
        + (jobs.size() > 5 ? ", ..." : "")
        + ")";
  }

  private OptionalLong restarts(Job job, Deadline deadline) throws RestFailure {
    String path = "/jobs/" + job.id() + "/metrics?get=numRestarts";
    Optional<JsonNode> metrics = getIfPresent(path, deadline);
    if (metrics.isEmpty() || !metrics.get().isArray()) {
      return OptionalLong.empty();
    }
    for (JsonNode m : metrics.get()) {
      if ("numRestarts".equals(text(m, "id"))) {
        try {
          return OptionalLong.of(Long.parseLong(m.path("value").asText().strip()));
        } catch (NumberFormatException e) {
          throw unparseable(path, metrics.get().toString());
        }
      }
    }
    // the metric store has not fetched this job's metrics yet: no evidence either way
    return OptionalLong.empty();
  }

  private void checkVertices(Job job, Deadline deadline, List<String> problems, List<String> facts)
      throws RestFailure {
    String path = "/jobs/" + job.id();
    JsonNode details = get(path, deadline);
    JsonNode vertices = details.get("vertices");
    if (vertices == null || !vertices.isArray()) {
      throw unparseable(path, details.toString());
    }
    List<String> notRunning = new ArrayList<>();
    for (JsonNode v : vertices) {
      String status = text(v, "status");
      if (status == null) {
        throw unparseable(path, v.toString());
      }
      if (!status.equals("RUNNING")) {
        notRunning.add("vertex " + text(v, "name") + " is " + status);
      }
    }
    if (notRunning.isEmpty()) {
      facts.add(vertices.size() + "/" + vertices.size() + " vertices RUNNING");
    } else {
      problems.add(
          notRunning.get(0)
              + (notRunning.size() > 1
                  ? " (and " + (notRunning.size() - 1) + " more vertices not RUNNING)"
                  : ""));
    }
  }

  private void checkCheckpoints(
      Job job, Deadline deadline, List<String> problems, List<String> facts) throws RestFailure {
    if (settings.maxCheckpointAge().map(Duration::isZero).orElse(false)) {
      return;
    }
    String configPath = "/jobs/" + job.id() + "/checkpoints/config";
    Optional<JsonNode> config = getIfPresent(configPath, deadline);
    // Flink 2.2 reports interval Long.MAX_VALUE for a job without checkpointing; older ones a 404
    long interval =
        config.map(c -> c.path("interval").asLong(Long.MAX_VALUE)).orElse(Long.MAX_VALUE);
    if (interval <= 0 || interval == Long.MAX_VALUE) {
      facts.add("checkpointing off");
      return;
    }
    Duration maxAge =
        settings
            .maxCheckpointAge()
            .orElseGet(
                () ->
                    max(
                        Duration.ofMillis(interval).multipliedBy(DERIVED_CHECKPOINT_AGE_INTERVALS),
                        MIN_DERIVED_CHECKPOINT_AGE));
    String path = "/jobs/" + job.id() + "/checkpoints";
    JsonNode stats = get(path, deadline);
    JsonNode latest = stats.get("latest");
    if (latest == null || !latest.isObject()) {
      throw unparseable(path, stats.toString());
    }
    JsonNode completed = latest.get("completed");
    long nowMillis = clock.millis();
    if (completed == null || completed.isNull()) {
      Duration running = Duration.ofMillis(Math.max(0, nowMillis - job.startTime()));
      if (job.startTime() > 0 && running.compareTo(maxAge) > 0) {
        problems.add(
            "no completed checkpoint since the job started "
                + seconds(running)
                + " ago (max "
                + Texts.duration(maxAge)
                + ")");
      } else {
        facts.add("no checkpoint completed yet");
      }
      return;
    }
    long completedAt = completed.path("latest_ack_timestamp").asLong(0);
    if (completedAt <= 0) {
      completedAt = completed.path("trigger_timestamp").asLong(0);
    }
    if (completedAt <= 0) {
      throw unparseable(path, completed.toString());
    }
    Duration age = Duration.ofMillis(Math.max(0, nowMillis - completedAt));
    if (age.compareTo(maxAge) > 0) {
      problems.add("last checkpoint " + seconds(age) + " old > " + Texts.duration(maxAge));
    } else {
      facts.add("last checkpoint " + seconds(age) + " old");
    }
  }

  private JsonNode get(String path, Deadline deadline) throws RestFailure {
    HttpResponse<String> response = send(path, deadline);
    if (response.statusCode() < 200 || response.statusCode() > 299) {
      throw new RestFailure(
          "JobManager answered HTTP "
              + response.statusCode()
              + " to GET "
              + path
              + ": "
              + Texts.excerpt(flinkError(response.body())));
    }
    return parse(path, response.body());
  }

  /**
   * Like {@link #get} but an error status (other than a timeout or no answer) means "not
   * available".
   */
  private Optional<JsonNode> getIfPresent(String path, Deadline deadline) throws RestFailure {
    HttpResponse<String> response = send(path, deadline);
    if (response.statusCode() < 200 || response.statusCode() > 299) {
      return Optional.empty();
    }
    return Optional.of(parse(path, response.body()));
  }

  private HttpResponse<String> send(String path, Deadline deadline) throws RestFailure {
    Duration remaining = deadline.remaining();
    if (remaining.isZero()) {
      throw timedOut(path);
    }
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(remaining)
            .header("Accept", "application/json")
            .GET()
            .build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      throw timedOut(path);
    } catch (IOException e) {
      throw new RestFailure("JobManager unreachable at " + base + ": " + Texts.describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RestFailure("interrupted while calling GET " + base + path);
    }
  }

  private static JsonNode parse(String path, String body) throws RestFailure {
    try {
      JsonNode node = Json.MAPPER.readTree(body == null ? "" : body);
      if (node == null || node.isMissingNode()) {
        throw unparseable(path, body);
      }
      return node;
    } catch (IOException e) {
      throw unparseable(path, body);
    }
  }

  /** The first line of Flink's {@code {"errors": ["..."]}} body, or the body itself. */
  private static String flinkError(String body) {
    try {
      JsonNode errors = Json.MAPPER.readTree(body).path("errors");
      if (errors.isArray() && !errors.isEmpty()) {
        return errors.get(0).asText().lines().findFirst().orElse("");
      }
    } catch (IOException | RuntimeException e) {
      // not Flink's error shape: quote the body as it is
    }
    return body;
  }

  private RestFailure timedOut(String path) {
    return new RestFailure(
        "timed out after " + Texts.duration(settings.timeout()) + " (GET " + base + path + ")");
  }

  private static RestFailure unparseable(String path, String body) {
    return new RestFailure("unparseable response to GET " + path + ": " + Texts.excerpt(body));
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
  }

  private static String seconds(Duration d) {
    return d.toSeconds() + "s";
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private record Job(String id, String name, String state, long startTime) {}

  private record RestartMark(String jobId, long count) {}

  private record Deadline(long nanos) {
    Duration remaining() {
      return Duration.ofNanos(Math.max(0, nanos - System.nanoTime()));
    }
  }

  /** A check that could not be completed; the message is the reason. */
  private static final class RestFailure extends Exception {
    private static final long serialVersionUID = 1L;

    RestFailure(String reason) {
      super(reason, null, false, false);
    }
  }
}
