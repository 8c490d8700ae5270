package io.fallback.http;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How {@link FlinkRestHealthProbe} checks the primary Flink job ({@code monitoring.*} in the
 * configuration).
 *
 * <p>The compact constructor validates every component and reports every bad one, one line each,
 * naming the configuration key; the launcher's configuration loader reports these messages as they
 * are.
 *
 * @param restUrl {@code monitoring.flink_rest_url}: the JobManager's REST address; default {@code
 *     http://jobmanager:8081}
 * @param jobName {@code monitoring.flink_job_name}: the primary job's name; empty (default) with an
 *     empty {@code jobId} means any running job, as the seed did
 * @param jobId {@code monitoring.flink_job_id}: the primary job's id (32 hex digits), instead of a
 *     name
 * @param mode {@code monitoring.health_probe}: {@code flink_rest} (default) or {@code
 *     legacy_overview}; the launcher handles {@code none} by not creating a probe
 * @param maxCheckpointAge {@code monitoring.max_checkpoint_age_seconds}: the latest completed
 *     checkpoint must be younger than this when the job checkpoints; empty (the default of {@link
 *     #builder}) means three times the job's checkpoint interval, at least 60 s; zero turns the
 *     check off. The launcher passes the key's value (default 600 s), and 0 as empty
 * @param timeout {@code monitoring.probe_timeout_seconds}: bound of one whole check (all its
 *     requests); default 10 s
 */
public record FlinkProbeSettings(
    URI restUrl,
    Optional<String> jobName,
    Optional<String> jobId,
    Mode mode,
    Optional<Duration> maxCheckpointAge,
    Duration timeout) {

  /** Default of {@code monitoring.flink_rest_url}. */
  public static final URI DEFAULT_REST_URL = URI.create("http://jobmanager:8081");

  /** Default of {@code monitoring.probe_timeout_seconds}. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private static final Pattern JOB_ID = Pattern.compile("[0-9a-fA-F]{32}");

  /** What "healthy" means. */
  public enum Mode {
    /**
     * The configured job is RUNNING with all vertices RUNNING, checkpoints recently and has not
     * restarted since the previous check.
     */
    FLINK_REST,
    /** The seed's rule: {@code /overview} reports {@code jobs-running > 0}, whatever job it is. */
    LEGACY_OVERVIEW;

    /**
     * Parses the configuration value.
     *
     * @param value {@code flink_rest} or {@code legacy_overview}, case-insensitive
     * @return the mode
     * @throws IllegalArgumentException naming the key and the allowed values
     */
    public static Mode fromConfig(String value) {
      Objects.requireNonNull(value, "monitoring.health_probe");
      try {
        return valueOf(value.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "monitoring.health_probe must be one of flink_rest, legacy_overview, but was '"
                + value
                + "'",
            e);
      }
    }

    /**
     * The configuration value.
     *
     * @return {@code flink_rest} or {@code legacy_overview}
     */
    public String configValue() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Validates the components.
   *
   * @throws NullPointerException for a null component
   * @throws IllegalArgumentException naming the configuration key and the bad value of each invalid
   *     component, one per line
   */
  public FlinkProbeSettings {
    Objects.requireNonNull(restUrl, "monitoring.flink_rest_url");
    jobName = stripped(jobName, "monitoring.flink_job_name");
    jobId = stripped(jobId, "monitoring.flink_job_id");
    Objects.requireNonNull(mode, "monitoring.health_probe");
    Objects.requireNonNull(maxCheckpointAge, "monitoring.max_checkpoint_age_seconds");
    Objects.requireNonNull(timeout, "monitoring.probe_timeout_seconds");
    List<String> errors = new ArrayList<>();
    String scheme = restUrl.getScheme();
    if (scheme == null
        || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || restUrl.getRawAuthority() == null) {
      errors.add(
          "monitoring.flink_rest_url must be an http:// or https:// URL with a host, but was '"
              + restUrl
              + "'");
    }
    if (jobId.isPresent() && !JOB_ID.matcher(jobId.get()).matches()) {
      errors.add(
          "monitoring.flink_job_id must be a Flink job id (32 hex digits), but was '"
              + jobId.get()
              + "'");
    } else if (jobName.isPresent() && jobId.isPresent()) {
      errors.add(
          "set at most one of monitoring.flink_job_name ('"
              + jobName.get()
              + "') and monitoring.flink_job_id ('"
              + jobId.get().toLowerCase(Locale.ROOT)
              + "')");
    }
    jobId = jobId.map(s -> s.toLowerCase(Locale.ROOT));
    if (maxCheckpointAge.isPresent() && maxCheckpointAge.get().isNegative()) {
      errors.add(
          "monitoring.max_checkpoint_age_seconds must be >= 0 (0 = off), but was "
              + maxCheckpointAge.get().toMillis() / 1000.0);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      errors.add(
          "monitoring.probe_timeout_seconds must be > 0, but was " + timeout.toMillis() / 1000.0);
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", errors));
    }
  }

  /** A job name or id stripped, empty when blank; a null value fails, naming {@code key}. */
  private static Optional<String> stripped(Optional<String> value, String key) {
    return Objects.requireNonNull(value, key).map(String::strip).filter(s -> !s.isEmpty());
  }

  /**
   * The defaults: {@code http://jobmanager:8081}, any running job, mode {@code flink_rest},
   * checkpoint age derived from the job's interval, 10 s timeout.
   *
   * @return the default settings
   */
  public static FlinkProbeSettings ofDefaults() {
    return builder(DEFAULT_REST_URL).build();
  }

  /**
   * A builder starting from the defaults.
   *
   * @param restUrl {@code monitoring.flink_rest_url}
   * @return a builder
   */
  public static Builder builder(URI restUrl) {
    return new Builder(Objects.requireNonNull(restUrl, "monitoring.flink_rest_url"));
  }

  /** Builds {@link FlinkProbeSettings}; starts from the defaults. Not thread-safe. */
  public static final class Builder {
    private final URI restUrl;
    private String jobName;
    private String jobId;
    private Mode mode = Mode.FLINK_REST;
    private Duration maxCheckpointAge;
    private Duration timeout = DEFAULT_TIMEOUT;

    private Builder(URI restUrl) {
      this.restUrl = restUrl;
    }

    /**
     * Sets {@code monitoring.flink_job_name}.
     *
     * @param jobName the job name, or null for none
     * @return this builder
     */
    public Builder jobName(String jobName) {
      this.jobName = jobName;
      return this;
    }

    /**
     * Sets {@code monitoring.flink_job_id}.
     *
     * @param jobId the job id, or null for none
     * @return this builder
     */
    public Builder jobId(String jobId) {
      this.jobId = jobId;
      return this;
    }

    /**
     * Sets {@code monitoring.health_probe}.
     *
     * @param mode the mode
     * @return this builder
     */
    public Builder mode(Mode mode) {
      this.mode = mode;
      return this;
    }

    /**
     * Sets {@code monitoring.max_checkpoint_age_seconds}.
     *
     * @param maxCheckpointAge the bound, zero for off, null for the derived default
     * @return this builder
     */
    public Builder maxCheckpointAge(Duration maxCheckpointAge) {
      this.maxCheckpointAge = maxCheckpointAge;
      return this;
    }

    /**
     * Sets {@code monitoring.probe_timeout_seconds}.
     *
     * @param timeout bound of one check
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /**
     * Builds and validates the settings.
     *
     * @return the settings
     * @throws IllegalArgumentException naming the configuration key of a bad value
     */
    public FlinkProbeSettings build() {
      return new FlinkProbeSettings(
          restUrl,
          Optional.ofNullable(jobName),
          Optional.ofNullable(jobId),
          mode,
          Optional.ofNullable(maxCheckpointAge),
          timeout);
    }
  }
}
