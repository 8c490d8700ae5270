package io.fallback.influx;

import io.fallback.influx.InfluxSettings.ApiVersion;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The validation rules and the masked rendering of {@link InfluxSettings}, kept beside the record
 * so that it reads as its components, defaults and builder: the parsing of the API version and of
 * the builder's URL, and the checks of the compact constructor. Each {@code check...} method adds
 * one line per invalid component to the list the constructor collects, naming the configuration
 * key, the bad value and what is allowed; secrets never appear in a message or in {@link
 * #render(InfluxSettings)}.
 *
 * <p>Stateless and thread-safe.
 */
final class InfluxSettingsRules {

  private InfluxSettingsRules() {}

  /**
   * Trims an optional text and treats a blank one as absent.
   *
   * @param value the component as given
   * @return the trimmed value, or empty when blank
   */
  static Optional<String> blankToEmpty(Optional<String> value) {
    return value.map(String::trim).filter(v -> !v.isEmpty());
  }

  /**
   * Parses {@code influxdb.api_version}.
   *
   * @param value {@code 1}, {@code 2}, {@code v1} or {@code v2}, in any case
   * @return the version
   * @throws IllegalArgumentException naming the key and the allowed values
   */
  static ApiVersion parseApiVersion(String value) {
    return switch (value == null ? "" : value.trim().toLowerCase(Locale.ROOT)) {
      case "1", "v1" -> ApiVersion.V1;
      case "2", "v2" -> ApiVersion.V2;
      default ->
          throw new IllegalArgumentException(
              "influxdb.api_version must be 1 or 2, but was '" + value + "'");
    };
  }

  /**
   * Parses {@code influxdb.url} as the builder was given it; {@link #checkUrl} then checks it.
   *
   * @param rawUrl the text, possibly with user info (masked in the message)
   * @return the URI
   * @throws IllegalArgumentException if it is missing or not a URI
   */
  static URI parseUrl(String rawUrl) {
    if (rawUrl == null || rawUrl.isBlank()) {
      throw new IllegalArgumentException(
          "influxdb.url is required, for example http://influxdb:8086");
    }
    try {
      return new URI(rawUrl.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "influxdb.url must be an http:// or https:// URL, but was '"
              + rawUrl.replaceAll("//[^/@]*@", "//****@")
              + "' ("
              + e.getReason()
              + ")");
    }
  }

  /**
   * Checks {@code influxdb.url}: http or https with a host, no query and no user info.
   *
   * @param errors where an error is added
   * @param url the base URL
   */
  static void checkUrl(List<String> errors, URI url) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
      errors.add(
          "influxdb.url must be an http:// or https:// URL with a host, but was '" + url + "'");
    } else if (url.getRawQuery() != null || url.getRawUserInfo() != null) {
      errors.add(
          "influxdb.url must not contain a query or user info (use influxdb.username and "
              + "influxdb.password), but was '"
              + redact(url)
              + "'");
    }
  }

  /**
   * Checks what the API version requires: a database (and a user with a password) for 1.x; org,
   * bucket and token for 2.x. The optional components are already normalised.
   *
   * @param errors where errors are added
   * @param apiVersion the write API
   * @param database {@code influxdb.database} as given
   * @param username the 1.x user
   * @param password the 1.x password
   * @param org the 2.x organisation
   * @param bucket the 2.x bucket
   * @param token the 2.x token
   */
  static void checkApiVersion(
      List<String> errors,
      ApiVersion apiVersion,
      String database,
      Optional<String> username,
      Optional<String> password,
      Optional<String> org,
      Optional<String> bucket,
      Optional<String> token) {
    if (apiVersion == ApiVersion.V1) {
      requireText(errors, database, "influxdb.database");
      if (password.isPresent() && username.isEmpty()) {
        errors.add("influxdb.password is set but influxdb.username is not; set both or neither");
      }
    } else {
      requirePresent(errors, org, "influxdb.org");
      requirePresent(errors, bucket, "influxdb.bucket");
      requirePresent(errors, token, "influxdb.token");
    }
  }

  /**
   * Checks the shape of the points: the names written and read, and the points per request.
   *
   * @param errors where errors are added
   * @param measurement {@code influxdb.measurement}
   * @param sourceTag {@code influxdb.source_tag}
   * @param primaryMeasurement {@code influxdb.primary_measurement}
   * @param primaryIdTag {@code influxdb.primary_id_tag}
   * @param primaryField {@code influxdb.primary_stress_field}
   * @param chunkSize {@code influxdb.chunk_size}
   */
  static void checkPoints(
      List<String> errors,
      String measurement,
      String sourceTag,
      String primaryMeasurement,
      String primaryIdTag,
      String primaryField,
      int chunkSize) {
    requireText(errors, measurement, "influxdb.measurement");
    requireText(errors, sourceTag, "influxdb.source_tag");
    requireText(errors, primaryMeasurement, "influxdb.primary_measurement");
    requireText(errors, primaryIdTag, "influxdb.primary_id_tag");
    requireText(errors, primaryField, "influxdb.primary_stress_field");
    if (chunkSize < 1 || chunkSize > 1_000_000) {
      errors.add("influxdb.chunk_size must be between 1 and 1000000, but was " + chunkSize);
    }
  }

  /**
   * Checks the request timeout and the retry bounds, and that the backoff fits between them.
   *
   * @param errors where errors are added
   * @param maxRetries retries of one request after its first try
   * @param timeout {@code influxdb.timeout_seconds}
   * @param maxRetryDuration {@code influxdb.max_retry_seconds}
   * @param initialBackoff the first retry delay
   * @param maxBackoff the largest retry delay
   */
  static void checkRetries(
      List<String> errors,
      int maxRetries,
      Duration timeout,
      Duration maxRetryDuration,
      Duration initialBackoff,
      Duration maxBackoff) {
    if (maxRetries < 0) {
      errors.add("influxdb.max_retries must be >= 0, but was " + maxRetries);
    }
    requirePositive(errors, timeout, "influxdb.timeout_seconds", timeout.toMillis() / 1000.0);
    boolean retryValid =
        requirePositive(
            errors,
            maxRetryDuration,
            "influxdb.max_retry_seconds",
            maxRetryDuration.toMillis() / 1000.0);
    if (requirePositive(
        errors, initialBackoff, "influxdb.retry_initial_backoff_ms", initialBackoff.toMillis())) {
      if (maxBackoff.compareTo(initialBackoff) <= 0) {
        errors.add(
            "influxdb.retry_max_backoff_ms must be > influxdb.retry_initial_backoff_ms ("
                + initialBackoff.toMillis()
                + "), but was "
                + maxBackoff.toMillis());
      }
      if (retryValid && initialBackoff.compareTo(maxRetryDuration) >= 0) {
        errors.add(
            "influxdb.retry_initial_backoff_ms must be < influxdb.max_retry_seconds ("
                + maxRetryDuration.toMillis() / 1000.0
                + " s), but was "
                + initialBackoff.toMillis());
      }
    }
  }

  /**
   * Renders settings with the password and the token masked.
   *
   * @param s the settings
   * @return {@code InfluxSettings[url=..., ...]}
   */
  static String render(InfluxSettings s) {
    return "InfluxSettings[url="
        + s.url()
        + ", apiVersion="
        + s.apiVersion()
        + ", database="
        + s.database()
        + ", retentionPolicy="
        + s.retentionPolicy().orElse("")
        + ", username="
        + s.username().orElse("")
        + ", password="
        + mask(s.password())
        + ", org="
        + s.org().orElse("")
        + ", bucket="
        + s.bucket().orElse("")
        + ", token="
        + mask(s.token())
        + ", measurement="
        + s.measurement()
        + ", sourceTag="
        + s.sourceTag()
        + ", sourceAsField="
        + s.sourceAsField()
        + ", primaryMeasurement="
        + s.primaryMeasurement()
        + ", primarySource="
        + s.primarySource().orElse("(absent or not " + s.sourceTag() + ")")
        + ", primaryIdTag="
        + s.primaryIdTag()
        + ", primaryField="
        + s.primaryField()
        + ", chunkSize="
        + s.chunkSize()
        + ", maxRetries="
        + s.maxRetries()
        + ", maxRetryDuration="
        + s.maxRetryDuration()
        + ", initialBackoff="
        + s.initialBackoff()
        + ", maxBackoff="
        + s.maxBackoff()
        + ", timeout="
        + s.timeout()
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

  private static void requireText(List<String> errors, String value, String key) {
    if (value == null || value.isBlank()) {
      errors.add(key + " must not be blank, but was '" + (value == null ? "" : value) + "'");
    }
  }

  private static void requirePresent(List<String> errors, Optional<String> value, String key) {
    if (value.isEmpty()) {
      errors.add(key + " is required when influxdb.api_version is 2");
    }
  }

  /** Adds an error unless {@code d} is positive; returns whether it is. */
  private static boolean requirePositive(
      List<String> errors, Duration d, String key, Object shown) {
    if (d.isZero() || d.isNegative()) {
      errors.add(key + " must be > 0, but was " + shown);
      return false;
    }
    return true;
  }
}
