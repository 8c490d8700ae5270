package io.fallback.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The command line as an operator meets it: help everywhere, and errors that say what to do (issue
 * 12).
 */
class CliTest {

  private record Result(int code, String out, String err) {}

  private static Result run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"run", "validate", "status", "force-fallback", "force-primary", "auto"})
  void everySubcommand_answersHelpWithoutItsRequiredOptions(String command) {
    for (String flag : new String[] {"--help", "-h"}) {
      Result r = run(Map.of(), command, flag);

      assertThat(r.code()).as(command + " " + flag + ": " + r.err()).isZero();
      assertThat(r.out()).contains("Usage: fallback-launcher " + command);
      assertThat(r.err())
          .doesNotContain("Unknown option")
          .doesNotContain("Missing required option");
    }
  }

  @Test
  void helpCommand_printsTheTopLevelUsageAndACommandsUsage() {
    Result top = run(Map.of(), "help");
    Result cmd = run(Map.of(), "help", "run");

    assertThat(top.code()).isZero();
    assertThat(top.out()).contains("Commands:").contains("run").contains("validate");
    assertThat(cmd.code()).isZero();
    assertThat(cmd.out()).contains("Usage: fallback-launcher run").contains("--config");
  }

  @Test
  void topLevelUsage_listsExitCodesAndTheEnvironmentItReads() {
    Result r = run(Map.of(), "--help");

    assertThat(r.out())
        .contains("Exit codes:")
        .contains("2   invalid configuration")
        .contains("Environment:")
        .contains("FALLBACK_ADMIN_TOKEN")
        .contains("KAFKA_BOOTSTRAP_SERVERS")
        .contains("FALLBACK_<SECTION>_<KEY>");
  }

  @Test
  void status_withNoInstanceListening_saysSoInsteadOfErrorNull() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }

    Result r = run(Map.of(), "status", "--url", "http://127.0.0.1:" + port);

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("no fallback instance at http://127.0.0.1:" + port + ": connection refused")
        .doesNotContain("Error: null");
  }

  @Test
  void forceFallback_whoseAnswerIsLate_saysItTimedOutAndToCheckStatus() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/mode",
        ex -> {
          try {
            release.await(30, TimeUnit.SECONDS); // the switch happened, the answer is slow
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    server.start();
    try {
      Result r =
          run(
              Map.of("FALLBACK_ADMIN_TOKEN", "t"),
              "force-fallback",
              "--timeout",
              "0.5",
              "--url",
              "http://127.0.0.1:" + server.getAddress().getPort());

      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err())
          .contains("timed out after 0.5 s")
          .contains("check 'fallback-launcher status'");
    } finally {
      release.countDown();
      server.stop(0);
    }
  }
}
