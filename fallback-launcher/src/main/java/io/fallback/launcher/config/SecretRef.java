package io.fallback.launcher.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a secret is read from: an environment variable, or else a file. Holds no secret itself, so
 * a configuration can be printed. Immutable and thread-safe.
 *
 * @param variable the environment variable, for example {@code INFLUXDB_PASSWORD}
 * @param file the file used when the variable is unset or empty
 * @param fileKey the YAML path that named the file, for messages
 */
public record SecretRef(String variable, Optional<Path> file, String fileKey) {

  /**
   * Validates the components.
   *
   * @throws NullPointerException for a null component
   */
  public SecretRef {
    Objects.requireNonNull(variable, "variable");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(fileKey, "fileKey");
  }
}
