package io.fallback.launcher.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@code server} section: the status/metrics endpoint. Immutable and thread-safe.
 *
 * @param bind {@code server.bind}
 * @param port {@code server.port}; 0 for any free port
 * @param tokenEnv {@code server.token_env}: the variable holding the token {@code POST /mode}
 *     requires
 * @param readyProgressBound {@code server.ready_progress_seconds}: in fallback, reading nothing for
 *     this long while records are unread makes {@code /health/ready} answer 503
 */
public record ServerConfig(String bind, int port, String tokenEnv, Duration readyProgressBound) {

  /**
   * Checks the components.
   *
   * @throws NullPointerException for a null component
   */
  public ServerConfig {
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(tokenEnv, "tokenEnv");
    Objects.requireNonNull(readyProgressBound, "readyProgressBound");
  }

  static ServerConfig from(Values v) {
    return new ServerConfig(
        v.requiredString(Keys.SERVER_BIND),
        v.integer(Keys.SERVER_PORT),
        v.requiredString(Keys.SERVER_TOKEN_ENV),
        v.seconds(Keys.SERVER_READY_BOUND));
  }
}
