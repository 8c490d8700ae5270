package io.fallback.launcher;

import io.fallback.launcher.config.ConfigLoader;
import io.fallback.launcher.config.FallbackConfig;
import java.util.Map;

/** Wires the adapters from the configuration and runs until SIGTERM. */
final class Launcher {
  private Launcher() {}

  static int run(FallbackConfig config, ConfigLoader loader, Map<String, String> environment) {
    throw new UnsupportedOperationException("wiring lands with the adapters");
  }
}
