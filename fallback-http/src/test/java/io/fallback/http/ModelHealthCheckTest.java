package io.fallback.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.http.ModelHealthCheck.Kind;
import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ModelHealthCheckTest {

  private static final URI ENDPOINT =
      URI.create("http://model.internal:5000/model/api/predict?v=2");

  @ParameterizedTest(name = "''{0}'' -> {1} {2}")
  @CsvSource(
      nullValues = "null",
      value = {
        "null, PREDICT, null",
        "none, NONE, null",
        "' none ', NONE, null",
        "/health, GET, http://model.internal:5000/health",
        "/ready?deep=true, GET, http://model.internal:5000/ready?deep=true",
        "http://other:9000/up, GET, http://other:9000/up",
        "HTTPS://other/up, GET, HTTPS://other/up"
      })
  void value_isReadAsPathUrlOrNone(String value, Kind kind, String url) {
    ModelHealthCheck check = ModelHealthCheck.of(value, ENDPOINT);

    assertThat(check.kind()).isEqualTo(kind);
    assertThat(check.url()).isEqualTo(url == null ? null : URI.create(url));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"health", "NONE", "", " ", "ftp://host/health", "http:///nohost", "/bad path"})
  void otherValues_areRejectedSayingWhatIsAllowed(String value) {
    assertThatThrownBy(() -> ModelHealthCheck.of(value, ENDPOINT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "must be a path such as /health (on ml_service.endpoint's host and port), an http:// or https://"
                + " URL, or none to skip the check, but was '"
                + value
                + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"false", "off", "No"})
  void offLikeValues_areRejectedNamingTheValueThatTurnsTheCheckOff(String value) {
    assertThatThrownBy(() -> ModelHealthCheck.of(value, ENDPOINT))
        .hasMessageEndingWith("but was '" + value + "' (to turn the check off, write none)");
  }
}
