package io.fallback.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The close template every server of the kit shares. */
class TestServerTest {

  @Test
  void close_twice_shutsDownOnceThenRefusesUse() {
    CountingServer server = new CountingServer(false);

    server.close();
    server.close();

    assertThat(server.shutDowns).isEqualTo(1);
    assertThatThrownBy(server::requireOpen)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("counting server at mem:1 is closed");
  }

  @Test
  void shutDownFails_closeStillCountsAsDone() {
    CountingServer server = new CountingServer(true);

    assertThatThrownBy(server::close).isInstanceOf(TestServerException.class);
    server.close();

    assertThat(server.shutDowns).isEqualTo(1);
  }

  @Test
  void setupFails_serverClosedAndFailureRethrown() {
    CountingServer server = new CountingServer(false);

    IllegalArgumentException failure = initializeFailing(server);

    assertThat(server.shutDowns).isEqualTo(1);
    assertThat(failure.getSuppressed()).isEmpty();
  }

  @Test
  void setupAndShutDownFail_shutDownFailureSuppressed() {
    CountingServer server = new CountingServer(true);

    IllegalArgumentException failure = initializeFailing(server);

    assertThat(failure.getSuppressed()).hasSize(1);
    assertThat(failure.getSuppressed()[0]).hasMessage("counting: cannot shut down");
  }

  @Test
  void toString_namesTypeAndAddress() {
    assertThat(new CountingServer(false)).hasToString("CountingServer[mem:1]");
  }

  /** Runs {@link TestServer#initialize} with a setup that throws; returns what it rethrew. */
  private static IllegalArgumentException initializeFailing(CountingServer server) {
    IllegalArgumentException failure = new IllegalArgumentException("bad setup");
    assertThatThrownBy(
            () ->
                TestServer.initialize(
                    server,
                    s -> {
                      throw failure;
                    }))
        .isSameAs(failure);
    return failure;
  }

  private static final class CountingServer extends TestServer {

    private final boolean failing;
    int shutDowns;

    CountingServer(boolean failing) {
      super("counting server");
      this.failing = failing;
    }

    @Override
    protected void shutDown() {
      shutDowns++;
      if (failing) {
        throw new TestServerException("counting: cannot shut down");
      }
    }

    @Override
    protected String address() {
      return "mem:1";
    }
  }
}
