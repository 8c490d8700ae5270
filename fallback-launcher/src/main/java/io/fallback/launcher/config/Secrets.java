package io.fallback.launcher.config;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads secrets (InfluxDB password and token, Kafka's {@code sasl.jaas.config}) when a client is
 * built. Secrets are never part of a {@link FallbackConfig}, never logged and never in a message.
 *
 * <p>The configuration is loaded without them, so that {@code validate}, {@code status} and the
 * mode commands work from a shell that does not hold them; whether a required secret is there (the
 * token of {@code influxdb.api_version: 2}) is checked when the client is built.
 */
@FunctionalInterface
public interface Secrets {

  /**
   * Reads a secret.
   *
   * @param ref where it is
   * @return the secret, or empty when neither the variable nor the file holds one
   * @throws ConfigException naming the file's key when the file cannot be read
   */
  Optional<String> read(SecretRef ref);

  /**
   * Secrets from the environment first, then from the file (stripped of surrounding white space).
   *
   * @param environment usually {@code System.getenv()}
   * @return the reader; thread-safe
   */
  static Secrets from(Map<String, String> environment) {
    Map<String, String> env = Map.copyOf(environment);
    return ref -> {
      Optional<String> fromEnv =
          Optional.ofNullable(env.get(ref.variable())).filter(v -> !v.isEmpty());
      if (fromEnv.isPresent()) {
        return fromEnv;
      }
      return ref.file()
          .map(
              p -> {
                try {
                  return Files.readString(p).strip();
                } catch (IOException e) {
                  throw new ConfigException(
                      List.of(ref.fileKey() + ": cannot read " + p + ": " + e.getMessage()));
                }
              });
    };
  }
}
