package io.fallback.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The shared life cycle of the process-based servers, with {@code sleep} as the server. */
class ChildProcessServerTest {

  @Test
  void stopThenRestart_newProcessSameDirectory() {
    try (SleepServer server = SleepServer.started("exec sleep 60")) {
      long firstPid = server.pid();
      Path marker = server.dataDirectory().resolve("marker");

      server.stop();
      boolean runningAfterStop = server.isRunning();
      server.restart();

      assertThat(runningAfterStop).isFalse();
      assertThat(server.isRunning()).isTrue();
      assertThat(server.pid()).isNotEqualTo(firstPid);
      assertThat(marker).exists();
      assertThat(server.lastStartupTime()).isPositive();
      assertThat(server.logFile().getFileName().toString())
          .isEqualTo(server.dataDirectory().getFileName() + ".log");
    }
  }

  @Test
  void kill_endsTheProcessAndPidFails() {
    try (SleepServer server = SleepServer.started("exec sleep 60")) {
      long pid = server.pid();

      server.kill();

      assertThat(server.isRunning()).isFalse();
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
      assertThatThrownBy(server::pid)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("sleep at nowhere:0 is not running");
    }
  }

  @Test
  void close_twice_stopsOnceDeletesDirectoryAndRefusesRestart() {
    SleepServer server = SleepServer.started("exec sleep 60");
    long pid = server.pid();

    server.close();
    server.close();

    assertThat(server.isRunning()).isFalse();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
    assertThat(Files.exists(server.dataDirectory())).isFalse();
    assertThatThrownBy(server::restart)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("sleep at nowhere:0 is closed");
  }

  @Test
  void firstLaunchFails_preparedAgainThenGivesUpAfterThreeAttempts() {
    SleepServer server = SleepServer.create("echo broken; exit 3");
    server.ready = false;

    assertThatThrownBy(() -> TestServer.initialize(server, SleepServer::prepareAndLaunch))
        .isInstanceOf(TestServerException.class)
        .hasMessageContaining("sleep: exited with status 3 before it was ready at nowhere:0")
        .hasMessageContaining("broken");
    assertThat(server.prepared).isEqualTo(3);
    assertThat(Files.exists(server.dataDirectory())).isFalse();
  }

  @Test
  void launchAfterAStart_failsWithoutRetrying() {
    try (SleepServer server = SleepServer.started("exec sleep 60")) {
      server.script = "exit 4";
      server.ready = false;

      assertThatThrownBy(server::restart)
          .isInstanceOf(TestServerException.class)
          .hasMessageContaining("exited with status 4");
      assertThat(server.prepared).isEqualTo(1);
      assertThat(server.isRunning()).isFalse();
    }
  }

  @Test
  void notReadyBeforeTheDeadline_failsAndKillsTheProcess() {
    SleepServer server = new SleepServer("exec sleep 60", Duration.ofMillis(300));
    server.ready = false;

    assertThatThrownBy(() -> TestServer.initialize(server, SleepServer::prepareAndLaunch))
        .isInstanceOf(TestServerException.class)
        .hasMessageContaining("sleep: not ready at nowhere:0 within PT0.3S");
    assertThat(server.isRunning()).isFalse();
  }

  /** A "server" that is a shell script, ready as soon as it runs (unless told otherwise). */
  private static final class SleepServer extends ChildProcessServer {

    volatile String script;
    volatile boolean ready = true;
    int prepared;

    SleepServer(String script, Duration startupTimeout) {
      super(
          "sleep",
          TestkitPaths.newTempDirectory("sleep-test-"),
          startupTimeout,
          Duration.ofSeconds(5));
      this.script = script;
    }

    static SleepServer create(String script) {
      return new SleepServer(script, Duration.ofSeconds(10));
    }

    static SleepServer started(String script) {
      return TestServer.initialize(create(script), SleepServer::prepareAndLaunch);
    }

    void prepareAndLaunch() {
      prepare();
      launch();
    }

    @Override
    protected String address() {
      return "nowhere:0";
    }

    @Override
    protected void prepare() {
      prepared++;
      logTo(dataDirectory().getFileName() + ".log");
      try {
        Files.writeString(dataDirectory().resolve("marker"), "kept across restarts");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    protected List<String> command() {
      return List.of("/bin/sh", "-c", script);
    }

    @Override
    protected void awaitReady(Process child, long deadlineNanos) {
      pollUntil(child, deadlineNanos, () -> ready, Duration.ofMillis(10));
    }
  }
}
