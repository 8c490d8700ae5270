package io.fallback.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The environment mapping of Kafka client properties, and which are secrets. */
class ClientPropertiesTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "SECURITY_PROTOCOL, security.protocol",
    "SASL_JAAS_CONFIG, sasl.jaas.config",
    "CONSUMER_MAX_POLL_RECORDS, consumer.max.poll.records",
    "SSL_ENDPOINT_IDENTIFICATION_ALGORITHM, ssl.endpoint.identification.algorithm",
    "PRODUCER_CLIENT__DNS__LOOKUP, producer.client-dns-lookup",
    "MY___PLUGIN_SOME__KEY, my_plugin.some-key",
    "security_protocol, security.protocol",
    "A_1, a.1"
  })
  void variableSuffix_underscoreIsDot_doubleIsDash_tripleIsUnderscore(
      String suffix, String property) {
    assertThat(ClientProperties.fromVariable(suffix)).isEqualTo(property);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "security.protocol",
        "consumer.max.poll.records",
        "client-dns-lookup",
        "my_plugin.some-key",
        "a.b-c_d.1"
      })
  void toVariable_isTheInverseOfFromVariable(String property) {
    assertThat(ClientProperties.fromVariable(ClientProperties.toVariable(property)))
        .isEqualTo(property);
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(
      strings = {
        "",
        "_SECURITY_PROTOCOL",
        "SECURITY_PROTOCOL_",
        "SSL____KEY",
        "SSL_____KEY",
        "SSL_KEY$"
      })
  void ambiguousOrEmptySuffix_isRefused(String suffix) {
    assertThatThrownBy(() -> ClientProperties.fromVariable(suffix))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "sasl.jaas.config",
        "consumer.sasl.jaas.config",
        "ssl.keystore.password",
        "ssl.truststore.password",
        "ssl.key.password",
        "producer.ssl.key.password",
        "ssl.keystore.key",
        "sasl.oauthbearer.client.credentials.client.secret",
        "basic.auth.user.info"
      })
  void secretProperty_isMasked(String property) {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("security.protocol", "SASL_SSL");
    properties.put(property, "s3cr3t");

    assertThat(ClientProperties.isSecret(property)).isTrue();
    assertThat(ClientProperties.masked(properties))
        .containsExactly(Map.entry("security.protocol", "SASL_SSL"), Map.entry(property, "****"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "security.protocol",
        "sasl.mechanism",
        "ssl.truststore.location",
        "max.poll.records",
        "ssl.endpoint.identification.algorithm"
      })
  void ordinaryProperty_isShown(String property) {
    assertThat(ClientProperties.isSecret(property)).isFalse();
  }
}
