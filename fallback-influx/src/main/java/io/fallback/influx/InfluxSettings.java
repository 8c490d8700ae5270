package io.fallback.influx;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the InfluxDB adapters need: where to write, how to authenticate, the shape of the points,
 * where the primary writes, and the retry bounds. Immutable and validated on construction; every error
 * message names the configuration key ({@code influxdb.*}), the bad value and what is allowed.
 * Secrets (password, token) are never part of {@link #toString()} or of any message.
 *
 * <p>Keys and defaults (the launcher maps YAML and environment to these components):
 * <table>
 *   <caption>configuration keys</caption>
 *   <tr><th>component</th><th>key</th><th>default</th></tr>
 *   <tr><td>url</td><td>{@code influxdb.url}</td><td>required</td></tr>
 *   <tr><td>apiVersion</td><td>{@code influxdb.api_version} ({@code 1} or {@code 2})</td><td>1</td></tr>
 *   <tr><td>database</td><td>{@code influxdb.database}</td><td>required for 1; for 2 the bucket (queries only)</td></tr>
 *   <tr><td>retentionPolicy</td><td>{@code influxdb.retention_policy}</td><td>none: the database default</td></tr>
 *   <tr><td>username / password</td><td>{@code influxdb.username} / {@code influxdb.password}</td><td>none (no auth)</td></tr>
 *   <tr><td>org / bucket / token</td><td>{@code influxdb.org} / {@code influxdb.bucket} / {@code influxdb.token}</td><td>required for 2</td></tr>
 *   <tr><td>measurement</td><td>{@code influxdb.measurement}</td><td>{@code nurse_stress}</td></tr>
 *   <tr><td>sourceTag</td><td>{@code influxdb.source_tag}</td><td>{@code dask-fallback}</td></tr>
 *   <tr><td>sourceAsField</td><td>{@code influxdb.source_as_field}</td><td>false</td></tr>
 *   <tr><td>primaryMeasurement</td><td>{@code influxdb.primary_measurement}</td><td>= measurement</td></tr>
 *   <tr><td>primarySource</td><td>{@code influxdb.primary_source}</td><td>none: source absent or not ours</td></tr>
 *   <tr><td>primaryIdTag</td><td>{@code influxdb.primary_id_tag}</td><td>{@code id}</td></tr>
 *   <tr><td>primaryField</td><td>{@code influxdb.primary_field}</td><td>{@code stress_level}</td></tr>
 *   <tr><td>chunkSize</td><td>{@code influxdb.chunk_size}</td><td>5000 points per request</td></tr>
 *   <tr><td>maxRetries</td><td>{@code influxdb.max_retries}</td><td>20 (retries of one request, after the first try)</td></tr>
 *   <tr><td>maxRetryDuration</td><td>{@code influxdb.max_retry_seconds}</td><td>60 s per request</td></tr>
 *   <tr><td>initialBackoff</td><td>{@code influxdb.retry_initial_backoff_ms}</td><td>100 ms</td></tr>
 *   <tr><td>maxBackoff</td><td>{@code influxdb.retry_max_backoff_ms}</td><td>5000 ms</td></tr>
 *   <tr><td>timeout</td><td>{@code influxdb.timeout_seconds}</td><td>10 s per HTTP request (write or query)</td></tr>
 * </table>
 *
 * <p>{@code source_as_field} trade-off: with the source as a tag (default), the primary's and the
 * fallback's points for the same window are two series, so a window written by both appears twice in a
 * query that does not group by source (the dashboard's view), but each source's output stays visible
 * and countable. With the source as a field, a window written by both sources is one point (series =
 * measurement + id, same timestamp): the later write wins, overlap disappears from queries, but you can no
 * longer tell from the data that both wrote it, and the primary's filter must then use a field (the
 * primary must also write {@code source} as a field, and a primary point later overwritten by the
 * fallback no longer counts as the primary's).
 *
 * @param url base URL of the server, {@code http} or {@code https}
 * @param apiVersion which write API to use
 * @param database 1.x database written to and queried; for 2.x the database name queries use through
 *     the 1.x compatibility API (a DBRP mapping), the bucket when not set
 * @param retentionPolicy 1.x retention policy, empty for the database default
 * @param username 1.x user, empty for no authentication
 * @param password 1.x password (secret), empty for none
 * @param org 2.x organisation
 * @param bucket 2.x bucket
 * @param token 2.x API token (secret)
 * @param measurement the measurement the fallback writes
 * @param sourceTag the value of {@code source} on the fallback's points
 * @param sourceAsField write {@code source} as a string field instead of a tag
 * @param primaryMeasurement the measurement the primary writes
 * @param primarySource the {@code source} value of the primary's points; empty means "absent or not
 *     {@code sourceTag}"
 * @param primaryIdTag the tag holding the key (nurse id) in the primary's points
 * @param primaryField a field every primary point has, used to find its points
 * @param chunkSize points per write request
 * @param maxRetries retries of one request after its first try; 0 disables retries
 * @param maxRetryDuration how long one request is retried at most
 * @param initialBackoff first retry delay, doubled per retry, with jitter
 * @param maxBackoff largest retry delay, before up to 25 % jitter
 * @param timeout bound of one HTTP request
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
    /** InfluxDB 2.x (and 1.8+ with its 2.x API): {@code POST /api/v2/write}, org, bucket and token. */
    V2;

    /**
     * Parses {@code influxdb.api_version}.
     *
     * @param value {@code 1}, {@code 2}, {@code v1} or {@code v2}
     * @return the version
     * @throws IllegalArgumentException naming the key and the allowed values
     */
    public static ApiVersion parse(String value) {
      String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
      switch (v) {
        case "1":
        case "v1":
          return V1;
        case "2":
        case "v2":
          return V2;
        default:
          throw new IllegalArgumentException(
              "influxdb.api_version must be 1 or 2, but was '" + value + "'");
      }
    }
  }

  /**
   * Validates the components.
   *
   * @throws NullPointerException for a null component
   * @throws IllegalArgumentException naming the key and value of an invalid component
   */
  public InfluxSettings {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(apiVersion, "apiVersion");
    Objects.requireNonNull(retentionPolicy, "retentionPolicy");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(org, "org");
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(primarySource, "primarySource");
    Objects.requireNonNull(maxRetryDuration, "maxRetryDuration");
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(timeout, "timeout");

    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
      throw new IllegalArgumentException(
          "influxdb.url must be an http:// or https:// URL with a host, but was '" + url + "'");
    }
    if (url.getRawQuery() != null || url.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "influxdb.url must not contain a query or user info (use influxdb.username and "
              + "influxdb.password), but was '" + redact(url) + "'");
    }
    retentionPolicy = blankToEmpty(retentionPolicy);
    username = blankToEmpty(username);
    org = blankToEmpty(org);
    bucket = blankToEmpty(bucket);
    primarySource = blankToEmpty(primarySource);
    password = password.filter(p -> !p.isEmpty());
    token = token.filter(t -> !t.isEmpty());

    if (apiVersion == ApiVersion.V1) {
      requireText(database, "influxdb.database");
      if (password.isPresent() && username.isEmpty()) {
        throw new IllegalArgumentException(
            "influxdb.password is set but influxdb.username is not; set both or neither");
      }
    } else {
      requirePresent(org, "influxdb.org");
      requirePresent(bucket, "influxdb.bucket");
      requirePresent(token, "influxdb.token");
      if (database == null || database.isBlank()) {
        database = bucket.get();
      }
    }
    requireText(measurement, "influxdb.measurement");
    requireText(sourceTag, "influxdb.source_tag");
    requireText(primaryMeasurement, "influxdb.primary_measurement");
    requireText(primaryIdTag, "influxdb.primary_id_tag");
    requireText(primaryField, "influxdb.primary_field");
    if (chunkSize < 1 || chunkSize > 1_000_000) {
      throw new IllegalArgumentException(
          "influxdb.chunk_size must be between 1 and 1000000, but was " + chunkSize);
    }
    if (maxRetries < 0) {
      throw new IllegalArgumentException("influxdb.max_retries must be >= 0, but was " + maxRetries);
    }
    requirePositive(timeout, "influxdb.timeout_seconds", timeout.toMillis() / 1000.0);
    requirePositive(maxRetryDuration, "influxdb.max_retry_seconds", maxRetryDuration.toMillis() / 1000.0);
    requirePositive(initialBackoff, "influxdb.retry_initial_backoff_ms", initialBackoff.toMillis());
    if (maxBackoff.compareTo(initialBackoff) <= 0) {
      throw new IllegalArgumentException(
          "influxdb.retry_max_backoff_ms must be > influxdb.retry_initial_backoff_ms ("
              + initialBackoff.toMillis() + "), but was " + maxBackoff.toMillis());
    }
    if (initialBackoff.compareTo(maxRetryDuration) >= 0) {
      throw new IllegalArgumentException(
          "influxdb.retry_initial_backoff_ms must be < influxdb.max_retry_seconds ("
              + maxRetryDuration.toMillis() / 1000.0 + " s), but was " + initialBackoff.toMillis());
    }
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
    Builder b = new Builder();
    b.url = url;
    b.apiVersion = apiVersion;
    b.database = database;
    b.retentionPolicy = retentionPolicy.orElse(null);
    b.username = username.orElse(null);
    b.password = password.orElse(null);
    b.org = org.orElse(null);
    b.bucket = bucket.orElse(null);
    b.token = token.orElse(null);
    b.measurement = measurement;
    b.sourceTag = sourceTag;
    b.sourceAsField = sourceAsField;
    b.primaryMeasurement = primaryMeasurement;
    b.primarySource = primarySource.orElse(null);
    b.primaryIdTag = primaryIdTag;
    b.primaryField = primaryField;
    b.chunkSize = chunkSize;
    b.maxRetries = maxRetries;
    b.maxRetryDuration = maxRetryDuration;
    b.initialBackoff = initialBackoff;
    b.maxBackoff = maxBackoff;
    b.timeout = timeout;
    return b;
  }

  /** Secrets masked. */
  @Override
  public String toString() {
    return "InfluxSettings[url=" + url
        + ", apiVersion=" + apiVersion
        + ", database=" + database
        + ", retentionPolicy=" + retentionPolicy.orElse("")
        + ", username=" + username.orElse("")
        + ", password=" + mask(password)
        + ", org=" + org.orElse("")
        + ", bucket=" + bucket.orElse("")
        + ", token=" + mask(token)
        + ", measurement=" + measurement
        + ", sourceTag=" + sourceTag
        + ", sourceAsField=" + sourceAsField
        + ", primaryMeasurement=" + primaryMeasurement
        + ", primarySource=" + primarySource.orElse("(absent or not " + sourceTag + ")")
        + ", primaryIdTag=" + primaryIdTag
        + ", primaryField=" + primaryField
        + ", chunkSize=" + chunkSize
        + ", maxRetries=" + maxRetries
        + ", maxRetryDuration=" + maxRetryDuration
        + ", initialBackoff=" + initialBackoff
        + ", maxBackoff=" + maxBackoff
        + ", timeout=" + timeout
        + "]";
  }

  private static String mask(Optional<String> secret) {
    return secret.isPresent() ? "****" : "";
  }

  private static String redact(URI url) {
    return url.getRawUserInfo() == null
        ? url.toString()
        : url.toString().replace(url.getRawUserInfo(), "****");
  }

  private static Optional<String> blankToEmpty(Optional<String> value) {
    return value.map(String::trim).filter(v -> !v.isEmpty());
  }

  private static void requireText(String value, String key) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(key + " must not be blank, but was '"
          + (value == null ? "" : value) + "'");
    }
  }

  private static void requirePresent(Optional<String> value, String key) {
    if (value.isEmpty()) {
      throw new IllegalArgumentException(key + " is required when influxdb.api_version is 2");
    }
  }

  private static void requirePositive(Duration d, String key, Object shown) {
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(key + " must be > 0, but was " + shown);
    }
  }

  /**
   * Builds {@link InfluxSettings}. Unset values take the documented defaults. Not thread-safe.
   */
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

    /**
     * Sets {@code influxdb.url}.
     *
     * @param url the base URL
     * @return this builder
     */
    public Builder url(String url) {
      this.rawUrl = url;
      this.url = null;
      return this;
    }

    /**
     * Sets {@code influxdb.url}.
     *
     * @param url the base URL
     * @return this builder
     */
    public Builder url(URI url) {
      this.url = url;
      this.rawUrl = null;
      return this;
    }

    /**
     * Sets {@code influxdb.api_version}.
     *
     * @param apiVersion the API
     * @return this builder
     */
    public Builder apiVersion(ApiVersion apiVersion) {
      this.apiVersion = apiVersion;
      return this;
    }

    /**
     * Sets {@code influxdb.database}.
     *
     * @param database the database
     * @return this builder
     */
    public Builder database(String database) {
      this.database = database;
      return this;
    }

    /**
     * Sets {@code influxdb.retention_policy}.
     *
     * @param retentionPolicy the retention policy, null for the default
     * @return this builder
     */
    public Builder retentionPolicy(String retentionPolicy) {
      this.retentionPolicy = retentionPolicy;
      return this;
    }

    /**
     * Sets {@code influxdb.username} and {@code influxdb.password}.
     *
     * @param username the user, null for none
     * @param password the password (secret), null for none
     * @return this builder
     */
    public Builder credentials(String username, String password) {
      this.username = username;
      this.password = password;
      return this;
    }

    /**
     * Sets {@code influxdb.org}.
     *
     * @param org the 2.x organisation
     * @return this builder
     */
    public Builder org(String org) {
      this.org = org;
      return this;
    }

    /**
     * Sets {@code influxdb.bucket}.
     *
     * @param bucket the 2.x bucket
     * @return this builder
     */
    public Builder bucket(String bucket) {
      this.bucket = bucket;
      return this;
    }

    /**
     * Sets {@code influxdb.token}.
     *
     * @param token the 2.x API token (secret)
     * @return this builder
     */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /**
     * Sets {@code influxdb.measurement}.
     *
     * @param measurement the measurement written
     * @return this builder
     */
    public Builder measurement(String measurement) {
      this.measurement = measurement;
      return this;
    }

    /**
     * Sets {@code influxdb.source_tag}.
     *
     * @param sourceTag the fallback's source value
     * @return this builder
     */
    public Builder sourceTag(String sourceTag) {
      this.sourceTag = sourceTag;
      return this;
    }

    /**
     * Sets {@code influxdb.source_as_field}.
     *
     * @param sourceAsField true to write the source as a field
     * @return this builder
     */
    public Builder sourceAsField(boolean sourceAsField) {
      this.sourceAsField = sourceAsField;
      return this;
    }

    /**
     * Sets {@code influxdb.primary_measurement}.
     *
     * @param primaryMeasurement the primary's measurement, null for the written measurement
     * @return this builder
     */
    public Builder primaryMeasurement(String primaryMeasurement) {
      this.primaryMeasurement = primaryMeasurement;
      return this;
    }

    /**
     * Sets {@code influxdb.primary_source}.
     *
     * @param primarySource the primary's source value, null for "absent or not ours"
     * @return this builder
     */
    public Builder primarySource(String primarySource) {
      this.primarySource = primarySource;
      return this;
    }

    /**
     * Sets {@code influxdb.primary_id_tag}.
     *
     * @param primaryIdTag the primary's key tag
     * @return this builder
     */
    public Builder primaryIdTag(String primaryIdTag) {
      this.primaryIdTag = primaryIdTag;
      return this;
    }

    /**
     * Sets {@code influxdb.primary_field}.
     *
     * @param primaryField a field every primary point has
     * @return this builder
     */
    public Builder primaryField(String primaryField) {
      this.primaryField = primaryField;
      return this;
    }

    /**
     * Sets {@code influxdb.chunk_size}.
     *
     * @param chunkSize points per request
     * @return this builder
     */
    public Builder chunkSize(int chunkSize) {
      this.chunkSize = chunkSize;
      return this;
    }

    /**
     * Sets {@code influxdb.max_retries}.
     *
     * @param maxRetries retries per request after the first try
     * @return this builder
     */
    public Builder maxRetries(int maxRetries) {
      this.maxRetries = maxRetries;
      return this;
    }

    /**
     * Sets {@code influxdb.max_retry_seconds}.
     *
     * @param maxRetryDuration how long one request is retried at most
     * @return this builder
     */
    public Builder maxRetryDuration(Duration maxRetryDuration) {
      this.maxRetryDuration = maxRetryDuration;
      return this;
    }

    /**
     * Sets {@code influxdb.retry_initial_backoff_ms} and {@code influxdb.retry_max_backoff_ms}.
     *
     * @param initialBackoff the first retry delay
     * @param maxBackoff the largest retry delay
     * @return this builder
     */
    public Builder backoff(Duration initialBackoff, Duration maxBackoff) {
      this.initialBackoff = initialBackoff;
      this.maxBackoff = maxBackoff;
      return this;
    }

    /**
     * Sets {@code influxdb.timeout_seconds}.
     *
     * @param timeout bound of one HTTP request
     * @return this builder
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
      URI u = url;
      if (u == null) {
        if (rawUrl == null || rawUrl.isBlank()) {
          throw new IllegalArgumentException("influxdb.url is required, for example http://influxdb:8086");
        }
        try {
          u = new URI(rawUrl.trim());
        } catch (URISyntaxException e) {
          throw new IllegalArgumentException(
              "influxdb.url must be an http:// or https:// URL, but was '"
                  + rawUrl.replaceAll("//[^/@]*@", "//****@") + "' (" + e.getReason() + ")");
        }
      }
      String primary = primaryMeasurement == null || primaryMeasurement.isBlank()
          ? measurement
          : primaryMeasurement;
      return new InfluxSettings(u, apiVersion, database, Optional.ofNullable(retentionPolicy),
          Optional.ofNullable(username), Optional.ofNullable(password), Optional.ofNullable(org),
          Optional.ofNullable(bucket), Optional.ofNullable(token), measurement, sourceTag, sourceAsField,
          primary, Optional.ofNullable(primarySource), primaryIdTag, primaryField, chunkSize, maxRetries,
          maxRetryDuration, initialBackoff, maxBackoff, timeout);
    }
  }
}
