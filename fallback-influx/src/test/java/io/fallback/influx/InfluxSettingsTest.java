package io.fallback.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.influx.InfluxSettings.ApiVersion;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InfluxSettingsTest {

  private static InfluxSettings.Builder v1() {
    return InfluxSettings.builder().url("http://influxdb:8086").database("flink_sink");
  }

  @Test
  void of_givesTheSeedsDefaults() {
    InfluxSettings s = InfluxSettings.of("http://influxdb:8086", "flink_sink");

    assertThat(s.apiVersion()).isEqualTo(ApiVersion.V1);
    assertThat(s.measurement()).isEqualTo("nurse_stress");
    assertThat(s.sourceTag()).isEqualTo("dask-fallback");
    assertThat(s.sourceAsField()).isFalse();
    assertThat(s.primaryMeasurement()).isEqualTo("nurse_stress");
    assertThat(s.primarySource()).isEmpty();
    assertThat(s.primaryIdTag()).isEqualTo("id");
    assertThat(s.primaryField()).isEqualTo("stress_level");
    assertThat(s.chunkSize()).isEqualTo(5000);
    assertThat(s.maxRetries()).isEqualTo(20);
    assertThat(s.maxRetryDuration()).isEqualTo(Duration.ofSeconds(60));
    assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.retentionPolicy()).isEmpty();
    assertThat(s.username()).isEmpty();
  }

  @Test
  void primaryMeasurement_followsTheMeasurement_unlessSet() {
    assertThat(v1().measurement("m2").build().primaryMeasurement()).isEqualTo("m2");
    assertThat(
            v1().measurement("m2").primaryMeasurement("flink_events").build().primaryMeasurement())
        .isEqualTo("flink_events");
  }

  @Test
  void toString_masksPasswordAndToken() {
    InfluxSettings v1 = v1().credentials("admin", "s3cret-pw").build();
    InfluxSettings v2 =
        InfluxSettings.builder()
            .url("http://x:8086")
            .apiVersion(ApiVersion.V2)
            .org("o")
            .bucket("b")
            .token("t0k3n-value")
            .build();

    assertThat(v1.toString())
        .contains("admin")
        .contains("password=****")
        .doesNotContain("s3cret-pw");
    assertThat(v2.toString()).contains("token=****").doesNotContain("t0k3n-value");
  }

  @Test
  void v2_defaultsTheQueryDatabaseToTheBucket() {
    InfluxSettings s =
        InfluxSettings.builder()
            .url("https://x")
            .apiVersion(ApiVersion.V2)
            .org("o")
            .bucket("flink_sink/autogen")
            .token("t")
            .build();

    assertThat(s.database()).isEqualTo("flink_sink/autogen");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1", "v1", " V1 "})
  void apiVersion_parsesOne(String text) {
    assertThat(ApiVersion.parse(text)).isEqualTo(ApiVersion.V1);
  }

  @Test
  void apiVersion_otherValues_nameTheKeyAndAllowedValues() {
    assertThatThrownBy(() -> ApiVersion.parse("3"))
        .hasMessage("influxdb.api_version must be 1 or 2, but was '3'");
  }

  @Test
  void toBuilder_roundTrips() {
    InfluxSettings s =
        v1().credentials("u", "p").retentionPolicy("rp").chunkSize(10).sourceAsField(true).build();

    assertThat(s.toBuilder().build()).isEqualTo(s);
  }

  @Test
  void urlWithUserInfo_isRejected_withoutEchoingThePassword() {
    assertThatThrownBy(() -> v1().url("http://admin:hunter2@influxdb:8086").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("influxdb.url")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void passwordWithoutUser_isRejected() {
    assertThatThrownBy(() -> v1().credentials(null, "pw").build())
        .hasMessageContaining("influxdb.password")
        .hasMessageContaining("influxdb.username")
        .hasMessageNotContaining("pw'");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "influxdb.url is required",
        "influxdb.url must be an http:// or https:// URL with a host, but was 'ftp://x'",
        "influxdb.url must be an http:// or https:// URL, but was 'http://a b'",
        "influxdb.database must not be blank, but was ''",
        "influxdb.measurement must not be blank, but was ' '",
        "influxdb.source_tag must not be blank",
        "influxdb.primary_id_tag must not be blank",
        "influxdb.primary_stress_field must not be blank",
        "influxdb.chunk_size must be between 1 and 1000000, but was 0",
        "influxdb.max_retries must be >= 0, but was -1",
        "influxdb.timeout_seconds must be > 0, but was 0.0",
        "influxdb.max_retry_seconds must be > 0, but was -1.0",
        "influxdb.retry_initial_backoff_ms must be > 0, but was 0",
        "influxdb.retry_max_backoff_ms must be > influxdb.retry_initial_backoff_ms (500), but was 500",
        "influxdb.retry_initial_backoff_ms must be < influxdb.max_retry_seconds (1.0 s), but was 2000",
        "influxdb.org is required when influxdb.api_version is 2",
        "influxdb.bucket is required when influxdb.api_version is 2",
        "influxdb.token is required when influxdb.api_version is 2",
      })
  void invalidValue_isRejected_withAMessageNamingTheKey(String expected) {
    UnaryOperator<InfluxSettings.Builder> breakIt = breaker(expected);

    assertThatThrownBy(() -> breakIt.apply(v1()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(expected);
  }

  private static UnaryOperator<InfluxSettings.Builder> breaker(String expected) {
    String key = expected.substring(0, expected.indexOf(' '));
    switch (key) {
      case "influxdb.url":
        if (expected.contains("required")) {
          return b -> b.url((String) null);
        }
        return expected.contains("ftp") ? b -> b.url("ftp://x") : b -> b.url("http://a b");
      case "influxdb.database":
        return b -> b.database("");
      case "influxdb.measurement":
        return b -> b.measurement(" ");
      case "influxdb.source_tag":
        return b -> b.sourceTag("");
      case "influxdb.primary_id_tag":
        return b -> b.primaryIdTag("");
      case "influxdb.primary_stress_field":
        return b -> b.primaryField(" ");
      case "influxdb.chunk_size":
        return b -> b.chunkSize(0);
      case "influxdb.max_retries":
        return b -> b.maxRetries(-1);
      case "influxdb.timeout_seconds":
        return b -> b.timeout(Duration.ZERO);
      case "influxdb.max_retry_seconds":
        return b -> b.maxRetryDuration(Duration.ofSeconds(-1));
      case "influxdb.retry_initial_backoff_ms":
        return expected.contains("> 0")
            ? b -> b.backoff(Duration.ZERO, Duration.ofSeconds(1))
            : b ->
                b.maxRetryDuration(Duration.ofSeconds(1))
                    .backoff(Duration.ofSeconds(2), Duration.ofSeconds(3));
      case "influxdb.retry_max_backoff_ms":
        return b -> b.backoff(Duration.ofMillis(500), Duration.ofMillis(500));
      case "influxdb.org":
        return b -> b.apiVersion(ApiVersion.V2).bucket("b").token("t");
      case "influxdb.bucket":
        return b -> b.apiVersion(ApiVersion.V2).org("o").token("t");
      case "influxdb.token":
        return b -> b.apiVersion(ApiVersion.V2).org("o").bucket("b");
      default:
        throw new AssertionError(key);
    }
  }

  @Test
  void v2WithoutOrgBucketAndToken_reportsEachAtOnce() {
    assertThatThrownBy(
            () -> InfluxSettings.builder().url("http://x:8086").apiVersion(ApiVersion.V2).build())
        .hasMessage(
            "influxdb.org is required when influxdb.api_version is 2\n"
                + "influxdb.bucket is required when influxdb.api_version is 2\n"
                + "influxdb.token is required when influxdb.api_version is 2");
  }

  @Test
  void severalInvalidValues_areReportedAtOnce_butARetryBoundIsNotAlsoComparedWhenItIsInvalid() {
    assertThatThrownBy(
            () ->
                v1().chunkSize(0)
                    .timeout(Duration.ZERO)
                    .maxRetryDuration(Duration.ofSeconds(-1))
                    .build())
        .hasMessage(
            "influxdb.chunk_size must be between 1 and 1000000, but was 0\n"
                + "influxdb.timeout_seconds must be > 0, but was 0.0\n"
                + "influxdb.max_retry_seconds must be > 0, but was -1.0");
  }
}
