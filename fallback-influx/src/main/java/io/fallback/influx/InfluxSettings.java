package io.fallback.influx;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the InfluxDB adapters need: where to write, how to authenticate, the shape of the
 * points, where the primary writes, and the retry bounds. Immutable and validated on construction,
 * which reports every bad component, one line each, naming its configuration key, the bad value and
 * what is allowed; the launcher's configuration loader reports these messages as they are. Secrets
 * (password, token) are never part of {@link #toString()} or of any message.
 *
 * <p>Each component below names the YAML key the launcher reads it from and the default of {@link
 * #builder()}. Components marked "no key" keep their default in the launcher; messages still name
 * them ({@code influxdb.max_retries}, ...).
 *
 * <p>{@code source_as_field} trade-off: with the source as a tag (default), the primary's and the
 * fallback's points for the same window are two series, so a window written by both appears twice
 * in a query that does not group by source (the dashboard's view), but each source's output stays
 * visible and countable. With the source as a field, a window written by both sources is one point
 * (series = measurement + id, same timestamp): the later write wins, overlap disappears from
 * queries, but you can no longer tell from the data that both wrote it, and the primary's filter
 * must then use a field (the primary must also write {@code source} as a field, and a primary point
 * later overwritten by the fallback no longer counts as the primary's).
 *
 * @param url {@code influxdb.url}: base URL of the server, {@code http} or {@code https}; required
 * @param apiVersion {@code influxdb.api_version}: which write API to use; default 1
 * @param database {@code influxdb.database}: 1.x database written to and queried (required for 1);
 *     for 2.x the database name queries use through the 1.x compatibility API (a DBRP mapping), the
 *     bucket when not set
 * @param retentionPolicy {@code influxdb.retention_policy}: 1.x retention policy, empty for the
 *     default
 * @param username {@code influxdb.username}: 1.x user, empty for no authentication
 * @param password 1.x password, a secret read from the variable named by {@code
 *     influxdb.password_env} or from {@code influxdb.password_file} (messages say {@code
 *     influxdb.password}); empty for none
 * @param org {@code influxdb.org}: 2.x organisation; required for 2
 * @param bucket {@code influxdb.bucket}: 2.x bucket; required for 2
 * @param token 2.x API token, a secret read from the variable named by {@code influxdb.token_env}
 *     or from {@code influxdb.token_file} (messages say {@code influxdb.token}); required for 2
 * @param measurement {@code influxdb.measurement}: the measurement the fallback writes; default
 *     {@code nurse_stress}
 * @param sourceTag {@code influxdb.source_tag}: the value of {@code source} on the fallback's
 *     points; default {@code dask-fallback}
 * @param sourceAsField {@code influxdb.source_as_field}: write {@code source} as a string field
 *     instead of a tag; default false
 * @param primaryMeasurement {@code influxdb.primary_measurement}: the measurement the primary
 *     writes; default the measurement
 * @param primarySource {@code influxdb.primary_source}: the {@code source} value of the primary's
 *     points; empty (default) means "absent or not {@code sourceTag}"
 * @param primaryIdTag {@code influxdb.primary_id_tag}: the tag holding the key (nurse id) in the
 *     primary's points; default {@code id}
 * @param primaryField {@code influxdb.primary_stress_field}: the stress-level field every primary
 *     point has, used to find its points; default {@code stress_level} (the seed's own Flink job
 *     wrote {@code stressLevel})
 * @param chunkSize {@code influxdb.chunk_size}: points per write request, 1 to 1000000; default
 *     5000
 * @param maxRetries no key: retries of one request after its first try, 0 disables them; default 20
 * @param maxRetryDuration {@code influxdb.max_retry_seconds}: how long one request is retried at
 *     most; default 60 s
 * @param initialBackoff no key: first retry delay, doubled per retry, with jitter; default 100 ms
 * @param maxBackoff no key: largest retry delay, before up to 25 % jitter; default 5 s
 * @param timeout {@code influxdb.timeout_seconds}: bound of one HTTP request (write or query);
 *     default 10 s
 */
public record InfluxSettings(
    URI url,
    ApiVersion apiVersion,
    String database,
    Optional<String> retentionPolicy,
    Optional<String> username,
    Optional<String> password,
    Optional<String> org,
    Optional<String> bucket,
    Optional<String> token,
    String measurement,
    String sourceTag,
    boolean sourceAsField,
    String primaryMeasurement,
    Optional<String> primarySource,
    String primaryIdTag,
    String primaryField,
    int chunkSize,
    int maxRetries,
    Duration maxRetryDuration,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration timeout) {

  /** Default {@code influxdb.measurement}. */
  public static final String DEFAULT_MEASUREMENT = "nurse_stress";

  /** Default {@code influxdb.source_tag}. */
  public static final String DEFAULT_SOURCE_TAG = "dask-fallback";

  /** Default {@code influxdb.chunk_size}. */
  public static final int DEFAULT_CHUNK_SIZE = 5000;

  /** The write API of the server. */
  public enum ApiVersion {
    /** InfluxDB 1.x: {@code POST /write?db=&rp=&precision=ms}, optional user and password. */
    V1,
    /**
     * InfluxDB 2.x (and 1.8+ with its 2.x API): {@code POST /api/v2/write}, org, bucket and token.
     */
    V2;

    /**
     * Parses {@code influxdb.api_version}.
     *
     * @param value {@code 1}, {@code 2}, {@code v1} or {@code v2}
     * @return the version
     * @throws IllegalArgumentException naming the key and the allowed values
     */
    public static ApiVersion parse(String value) {
      return InfluxSettingsRules.parseApiVersion(value);
    }
  }

  /**
   * Validates the components and reports every invalid one.
   *
   * @throws NullPointerException for a null component
   * @throws IllegalArgumentException naming the key and value of each invalid component, one per
   *     line
   */
  public InfluxSettings {
    // the null checks run in this order; an optional component is normalised where it is checked
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(apiVersion, "apiVersion");
    retentionPolicy = blankToEmpty(retentionPolicy, "retentionPolicy");
    username = blankToEmpty(username, "username");
    password = Objects.requireNonNull(password, "password").filter(p -> !p.isEmpty());
    org = blankToEmpty(org, "org");
    bucket = blankToEmpty(bucket, "bucket");
    token = Objects.requireNonNull(token, "token").filter(t -> !t.isEmpty());
    primarySource = blankToEmpty(primarySource, "primarySource");
    Objects.requireNonNull(maxRetryDuration, "maxRetryDuration");
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(timeout, "timeout");
    List<String> errors = new ArrayList<>();
    InfluxSettingsRules.checkUrl(errors, url);
    InfluxSettingsRules.checkApiVersion(
        errors, apiVersion, database, username, password, org, bucket, token);
    if (apiVersion == ApiVersion.V2 && (database == null || database.isBlank())) {
      database = bucket.orElse(database);
    }
    InfluxSettingsRules.checkPoints(
        errors, measurement, sourceTag, primaryMeasurement, primaryIdTag, primaryField, chunkSize);
    InfluxSettingsRules.checkRetries(
        errors, maxRetries, timeout, maxRetryDuration, initialBackoff, maxBackoff);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", errors));
    }
  }

  /** {@link InfluxSettingsRules#blankToEmpty} of a component that must not be null. */
  private static Optional<String> blankToEmpty(Optional<String> value, String name) {
    return InfluxSettingsRules.blankToEmpty(Objects.requireNonNull(value, name));
  }

  /**
   * A builder with the defaults of the table above.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * InfluxDB 1.x settings with all other defaults.
   *
   * @param url base URL, for example {@code http://influxdb:8086}
   * @param database the database, for example {@code flink_sink}
   * @return validated settings
   * @throws IllegalArgumentException naming the key of an invalid value
   */
  public static InfluxSettings of(String url, String database) {
    return builder().url(url).database(database).build();
  }

  /**
   * A builder initialised with these settings.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    return builder()
        .url(url)
        .apiVersion(apiVersion)
        .database(database)
        .retentionPolicy(retentionPolicy.orElse(null))
        .credentials(username.orElse(null), password.orElse(null))
        .org(org.orElse(null))
        .bucket(bucket.orElse(null))
        .token(token.orElse(null))
        .measurement(measurement)
        .sourceTag(sourceTag)
        .sourceAsField(sourceAsField)
        .primaryMeasurement(primaryMeasurement)
        .primarySource(primarySource.orElse(null))
        .primaryIdTag(primaryIdTag)
        .primaryField(primaryField)
        .chunkSize(chunkSize)
        .maxRetries(maxRetries)
        .maxRetryDuration(maxRetryDuration)
        .backoff(initialBackoff, maxBackoff)
        .timeout(timeout);
  }

  /** Secrets masked. */
  @Override
  public String toString() {
    return InfluxSettingsRules.render(this);
  }

  /** Builds {@link InfluxSettings}. Unset values take the documented defaults. Not thread-safe. */
  public static final class Builder {
    private URI url;
    private String rawUrl;
    private ApiVersion apiVersion = ApiVersion.V1;
    private String database;
    private String retentionPolicy;
    private String username;
    private String password;
    private String org;
    private String bucket;
    private String token;
    private String measurement = DEFAULT_MEASUREMENT;
    private String sourceTag = DEFAULT_SOURCE_TAG;
    private boolean sourceAsField;
    private String primaryMeasurement;
    private String primarySource;
    private String primaryIdTag = "id";
    private String primaryField = "stress_level";
    private int chunkSize = DEFAULT_CHUNK_SIZE;
    private int maxRetries = 20;
    private Duration maxRetryDuration = Duration.ofSeconds(60);
    private Duration initialBackoff = Duration.ofMillis(100);
    private Duration maxBackoff = Duration.ofSeconds(5);
    private Duration timeout = Duration.ofSeconds(10);

    private Builder() {}

    /** Sets {@code influxdb.url}. @param url the base URL @return this builder */
    public Builder url(String url) {
      this.rawUrl = url;
      this.url = null;
      return this;
    }

    /** Sets {@code influxdb.url}. @param url the base URL @return this builder */
    public Builder url(URI url) {
      this.url = url;
      this.rawUrl = null;
      return this;
    }

    /** Sets {@code influxdb.api_version}. @param apiVersion the API @return this builder */
    public Builder apiVersion(ApiVersion apiVersion) {
      this.apiVersion = apiVersion;
      return this;
    }

    /** Sets {@code influxdb.database}. @param database the database @return this builder */
    public Builder database(String database) {
      this.database = database;
      return this;
    }

    /**
     * @param retentionPolicy {@code influxdb.retention_policy}, null for the default @return this
     *     builder
     */
    public Builder retentionPolicy(String retentionPolicy) {
      this.retentionPolicy = retentionPolicy;
      return this;
    }

    /**
     * Sets the 1.x credentials; the password is a secret (from {@code influxdb.password_env} or
     * {@code influxdb.password_file}). @param username {@code influxdb.username}, null for
     * none @param password null for none @return this builder
     */
    public Builder credentials(String username, String password) {
      this.username = username;
      this.password = password;
      return this;
    }

    /** Sets {@code influxdb.org}. @param org the 2.x organisation @return this builder */
    public Builder org(String org) {
      this.org = org;
      return this;
    }

    /** Sets {@code influxdb.bucket}. @param bucket the 2.x bucket @return this builder */
    public Builder bucket(String bucket) {
      this.bucket = bucket;
      return this;
    }

    /**
     * Sets the 2.x API token, a secret (from {@code influxdb.token_env} or {@code
     * influxdb.token_file}).
     *
     * @param token the token @return this builder
     */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /**
     * Sets {@code influxdb.measurement}. @param measurement the measurement written @return this
     * builder
     */
    public Builder measurement(String measurement) {
      this.measurement = measurement;
      return this;
    }

    /**
     * Sets {@code influxdb.source_tag}. @param sourceTag the fallback's source value @return this
     * builder
     */
    public Builder sourceTag(String sourceTag) {
      this.sourceTag = sourceTag;
      return this;
    }

    /**
     * @param sourceAsField {@code influxdb.source_as_field}: source as a field, not a tag @return
     *     this builder
     */
    public Builder sourceAsField(boolean sourceAsField) {
      this.sourceAsField = sourceAsField;
      return this;
    }

    /**
     * @param primaryMeasurement {@code influxdb.primary_measurement}, null for the
     *     measurement @return this builder
     */
    public Builder primaryMeasurement(String primaryMeasurement) {
      this.primaryMeasurement = primaryMeasurement;
      return this;
    }

    /**
     * @param primarySource {@code influxdb.primary_source}, null for "absent or not ours" @return
     *     this builder
     */
    public Builder primarySource(String primarySource) {
      this.primarySource = primarySource;
      return this;
    }

    /**
     * @param primaryIdTag {@code influxdb.primary_id_tag}, the primary's key tag @return this
     *     builder
     */
    public Builder primaryIdTag(String primaryIdTag) {
      this.primaryIdTag = primaryIdTag;
      return this;
    }

    /**
     * @param primaryField {@code influxdb.primary_stress_field}, the stress-level field every
     *     primary point has
     * @return this builder
     */
    public Builder primaryField(String primaryField) {
      this.primaryField = primaryField;
      return this;
    }

    /**
     * Sets {@code influxdb.chunk_size}. @param chunkSize points per request @return this builder
     */
    public Builder chunkSize(int chunkSize) {
      this.chunkSize = chunkSize;
      return this;
    }

    /**
     * @param maxRetries retries of one request after its first try (no configuration key) @return
     *     this builder
     */
    public Builder maxRetries(int maxRetries) {
      this.maxRetries = maxRetries;
      return this;
    }

    /**
     * @param maxRetryDuration {@code influxdb.max_retry_seconds} @return this builder
     */
    public Builder maxRetryDuration(Duration maxRetryDuration) {
      this.maxRetryDuration = maxRetryDuration;
      return this;
    }

    /**
     * Sets the retry delays (no configuration key). @param initialBackoff the first retry delay
     *
     * @param maxBackoff the largest retry delay @return this builder
     */
    public Builder backoff(Duration initialBackoff, Duration maxBackoff) {
      this.initialBackoff = initialBackoff;
      this.maxBackoff = maxBackoff;
      return this;
    }

    /**
     * Sets {@code influxdb.timeout_seconds}. @param timeout bound of one HTTP request @return this
     * builder
     */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return the settings
     * @throws IllegalArgumentException naming the key of an invalid value
     */
    public InfluxSettings build() {
      URI u = url != null ? url : InfluxSettingsRules.parseUrl(rawUrl);
      String primary =
          primaryMeasurement == null || primaryMeasurement.isBlank()
              ? measurement
              : primaryMeasurement;
      return new InfluxSettings(
          u,
          apiVersion,
          database,
          Optional.ofNullable(retentionPolicy),
          Optional.ofNullable(username),
          Optional.ofNullable(password),
          Optional.ofNullable(org),
          Optional.ofNullable(bucket),
          Optional.ofNullable(token),
          measurement,
          sourceTag,
          sourceAsField,
          primary,
          Optional.ofNullable(primarySource),
          primaryIdTag,
          primaryField,
          chunkSize,
          maxRetries,
          maxRetryDuration,
          initialBackoff,
          maxBackoff,
          timeout);
    }
  }
}
