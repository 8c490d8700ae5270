package io.fallback.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Starts a launcher process as {@link LauncherProcess.Builder} describes it: {@code java -jar <jar>
 * run --config <config>} with its output in the log file and an environment cleaned of this JVM's
 * overrides, then waits until {@code GET /status} answers. When the port was chosen here and the
 * launcher finds it taken, starts again on another one.
 *
 * <p>This class is thread-safe: it has no state; a builder must not change while it starts.
 */
final class LauncherStarter {

  /** Variables of this JVM's environment that would change the child's configuration. */
  private static final List<String> SEED_OVERRIDES =
      List.of("KAFKA_BOOTSTRAP_SERVERS", "LATENCY_THRESHOLD", "BATCH_SIZE");

  /** How to build the jar, named in the error when it is missing. */
  static final String BUILD_COMMAND = "./mvnw -q -B -DskipTests -pl fallback-launcher -am package";

  private static final int PORT_ATTEMPTS = 3;

  private static final Path JAR_IN_REPOSITORY =
      Path.of("fallback-launcher", "target", "fallback-launcher.jar");

  private LauncherStarter() {}

  /** See {@link LauncherProcess#locate()}. */
  static Path locateJar() {
    String configured = System.getProperty(LauncherProcess.JAR_PROPERTY);
    List<Path> candidates =
        configured != null && !configured.isBlank()
            ? List.of(Path.of(configured))
            : List.of(JAR_IN_REPOSITORY, Path.of("..").resolve(JAR_IN_REPOSITORY));
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate)) {
        return candidate.toAbsolutePath().normalize();
      }
    }
    throw new IllegalStateException(
        "the fallback launcher jar "
            + candidates.get(0).toAbsolutePath().normalize()
            + " does not exist: build it with "
            + BUILD_COMMAND
            + " (or set -D"
            + LauncherProcess.JAR_PROPERTY
            + "=PATH)");
  }

  /**
   * See {@link LauncherProcess.Builder#start()}.
   *
   * @param b the description of the process
   * @return the running process
   */
  static LauncherProcess start(LauncherProcess.Builder b) {
    IllegalStateException last = null;
    for (int attempt = 1; attempt <= (b.port > 0 ? 1 : PORT_ATTEMPTS); attempt++) {
      int chosen = b.port > 0 ? b.port : Ports.freePort();
      LauncherLog log = new LauncherLog(b.name, logFile(b, chosen), b.echo);
      LauncherProcess launched = launch(b, chosen, log);
      try {
        awaitStatus(launched, log, b.name, b.startTimeout);
        return launched;
      } catch (IllegalStateException e) {
        launched.kill();
        last = e;
        if (b.port > 0 || !launched.logText().contains("Address already in use")) {
          throw e;
        }
        log.info("{} launcher: port {} was taken, retrying with another one", b.name, chosen);
      }
    }
    throw last;
  }

  private static Path logFile(LauncherProcess.Builder b, int chosenPort) {
    return b.logFile != null
        ? b.logFile
        : TestkitPaths.logDirectory().resolve("launcher-" + b.name + "-" + chosenPort + ".log");
  }

  private static LauncherProcess launch(
      LauncherProcess.Builder b, int chosenPort, LauncherLog log) {
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar",
            b.jar.toString(),
            "run",
            "--config",
            b.config.toAbsolutePath().toString());
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.file().toFile()));
    Map<String, String> env = pb.environment();
    // this JVM's environment must not reconfigure the child: only the file and the caller apply
    env.keySet().removeIf(k -> k.startsWith("FALLBACK_") || SEED_OVERRIDES.contains(k));
    env.putAll(b.environment);
    env.put(LauncherProcess.PORT_ENV, String.valueOf(chosenPort));
    if (b.token != null) {
      env.put(LauncherProcess.TOKEN_ENV, b.token);
    }
    Process process;
    try {
      Path parent = log.file().toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      process = pb.start();
    } catch (IOException e) {
      throw new TestServerException("launcher: cannot start " + String.join(" ", command), e);
    }
    ChildProcesses.register(process.toHandle());
    LauncherProcess launched =
        new LauncherProcess(b.name, process, log, chosenPort, b.token, b.stopGrace);
    log.follow(process);
    log.info(
        "{} launcher: started pid {}: {} (port {}, log {})",
        b.name,
        process.pid(),
        String.join(" ", command),
        chosenPort,
        log.file());
    return launched;
  }

  private static void awaitStatus(
      LauncherProcess launched, LauncherLog log, String name, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      launched.ensureRunning();
      try {
        launched.status();
        return;
      } catch (IllegalStateException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              String.format(
                  "%s launcher (pid %d): GET /status did not answer within %d s (%s); %s",
                  name,
                  launched.pid(),
                  timeout.toSeconds(),
                  e.getMessage(),
                  log.tail(LauncherProcess.TAIL_LINES)),
              e);
        }
      }
      pause(name);
    }
  }

  /** The polling interval while waiting for the status endpoint. */
  private static void pause(String name) {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the " + name + " launcher", e);
    }
  }
}
