package io.fallback.launcher;

import io.fallback.launcher.config.ConfigLoader;
import io.fallback.launcher.config.FallbackConfig;
import java.io.PrintWriter;
import java.util.List;

/** Checks that the configured services answer. */
final class Connectivity {
  private Connectivity() {}

  static List<String> check(FallbackConfig config, ConfigLoader loader, PrintWriter out) {
    return List.of("connectivity checks land with the adapters");
  }
}
