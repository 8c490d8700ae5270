package io.fallback.launcher.config;

import io.fallback.influx.InfluxSettings.ApiVersion;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code influxdb} section. Holds where the password and the token are, not the secrets.
 * Immutable and thread-safe.
 *
 * <p>Built by the loader, whose bound values are never null (a missing required value fails there,
 * naming its key), so the components are not checked again here.
 *
 * @param url {@code influxdb.url}
 * @param apiVersion {@code influxdb.api_version}
 * @param database {@code influxdb.database}
 * @param retentionPolicy {@code influxdb.retention_policy}
 * @param measurement {@code influxdb.measurement}
 * @param username {@code influxdb.username}
 * @param password {@code influxdb.password_env} and {@code influxdb.password_file}
 * @param org {@code influxdb.org}
 * @param bucket {@code influxdb.bucket}
 * @param token {@code influxdb.token_env} and {@code influxdb.token_file}
 * @param sourceTag {@code influxdb.source_tag}
 * @param sourceAsField {@code influxdb.source_as_field}
 * @param primaryMeasurement {@code influxdb.primary_measurement}, the measurement unless set
 * @param primarySource {@code influxdb.primary_source}
 * @param primaryIdTag {@code influxdb.primary_id_tag}
 * @param primaryStressField {@code influxdb.primary_stress_field}
 * @param chunkSize {@code influxdb.chunk_size}
 * @param timeout {@code influxdb.timeout_seconds}
 * @param maxRetry {@code influxdb.max_retry_seconds}
 */
public record InfluxConfig(
    URI url,
    ApiVersion apiVersion,
    String database,
    Optional<String> retentionPolicy,
    String measurement,
    Optional<String> username,
    SecretRef password,
    Optional<String> org,
    Optional<String> bucket,
    SecretRef token,
    String sourceTag,
    boolean sourceAsField,
    String primaryMeasurement,
    Optional<String> primarySource,
    String primaryIdTag,
    String primaryStressField,
    int chunkSize,
    Duration timeout,
    Duration maxRetry) {

  static InfluxConfig from(Values v) {
    return new InfluxConfig(
        URI.create(v.requiredString(Keys.INFLUX_URL)),
        ApiVersion.parse(v.requiredString(Keys.INFLUX_VERSION)),
        v.requiredString(Keys.INFLUX_DB),
        v.string(Keys.INFLUX_RP),
        v.requiredString(Keys.INFLUX_MEASUREMENT),
        v.string(Keys.INFLUX_USER),
        v.secret(Keys.INFLUX_PASSWORD_ENV, Keys.INFLUX_PASSWORD_FILE),
        v.string(Keys.INFLUX_ORG),
        v.string(Keys.INFLUX_BUCKET),
        v.secret(Keys.INFLUX_TOKEN_ENV, Keys.INFLUX_TOKEN_FILE),
        v.requiredString(Keys.SOURCE_TAG),
        v.bool(Keys.SOURCE_AS_FIELD),
        v.requiredString(Keys.PRIMARY_MEASUREMENT),
        v.string(Keys.PRIMARY_SOURCE),
        v.requiredString(Keys.PRIMARY_ID_TAG),
        v.requiredString(Keys.PRIMARY_STRESS_FIELD),
        v.integer(Keys.INFLUX_CHUNK),
        v.seconds(Keys.INFLUX_TIMEOUT),
        v.seconds(Keys.INFLUX_RETRY_SECONDS));
  }
}
