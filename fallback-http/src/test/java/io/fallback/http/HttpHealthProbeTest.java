package io.fallback.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.Health;
import io.fallback.http.StubServer.Reply;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HttpHealthProbeTest {

  @Test
  void status2xx_isHealthy_otherwiseUnhealthy() throws Exception {
    try (StubServer server = StubServer.start()) {
      server.handler(exchange -> new Reply(204, ""));
      HttpHealthProbe probe = HttpHealthProbe.of(server.uri("/health"), Duration.ofSeconds(2));

      assertThat(probe.check())
          .isEqualTo(Health.healthy("GET " + server.uri("/health") + " answered 204"));

      server.handler(exchange -> new Reply(503, "draining"));
      assertThat(probe.check())
          .isEqualTo(
              Health.unhealthy("GET " + server.uri("/health") + " answered 503: 'draining'"));
    }
  }

  @Test
  void silentServer_isUnhealthyWithinTheTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      URI url = URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/health");

      Health health = HttpHealthProbe.of(url, Duration.ofMillis(300)).check();

      assertThat(health).isEqualTo(Health.unhealthy("GET " + url + " timed out after 300ms"));
    }
  }

  @Test
  void closedPort_isUnreachable() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }

    Health health =
        HttpHealthProbe.of(URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(1))
            .check();

    assertThat(health.reason())
        .startsWith("GET http://127.0.0.1:" + port + "/ unreachable: ConnectException");
  }
}
