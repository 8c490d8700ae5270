package io.fallback.testkit;

import static java.util.Objects.requireNonNull;

import java.util.function.Consumer;

/**
 * The life cycle every server of this kit shares: it is open until the first {@link #close()},
 * which shuts it down once; later calls do nothing, and methods that need the server call {@link
 * #requireOpen()} to fail with an {@link IllegalStateException} after it.
 *
 * <p>This class is thread-safe: {@link #close()} and {@link #requireOpen()} synchronize on the
 * server, the monitor the subclasses' synchronized life-cycle methods hold as well.
 */
abstract class TestServer implements AutoCloseable {

  private final String kind;
  private boolean closed;

  /**
   * @param kind what the server is, the first words of its messages, e.g. {@code influxd}
   */
  protected TestServer(String kind) {
    this.kind = requireNonNull(kind, "kind");
  }

  /**
   * Runs {@code setup} on a new server and returns it; if {@code setup} fails, the server is closed
   * before the failure is rethrown, so that nothing it holds is left behind.
   *
   * @param server the new server
   * @param setup what makes it usable, e.g. writing its configuration and starting it
   * @param <S> the server type
   * @return {@code server}
   */
  static <S extends TestServer> S initialize(S server, Consumer<? super S> setup) {
    try {
      setup.accept(server);
      return server;
    } catch (RuntimeException e) {
      try {
        server.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Shuts the server down and deletes what it holds (see the class documentation). Idempotent: only
   * the first call does anything.
   *
   * @throws TestServerException if the server cannot be shut down
   * @throws java.io.UncheckedIOException if its data directory cannot be deleted
   */
  @Override
  public final synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    shutDown();
  }

  /**
   * Releases everything the server holds; called once, by the first {@link #close()}, with the
   * server's monitor held. Every step must run even when an earlier one fails (try/finally).
   */
  protected abstract void shutDown();

  /**
   * @return where clients reach the server, e.g. {@code http://127.0.0.1:40123}
   */
  protected abstract String address();

  /**
   * @return what the server is, the first words of its messages, e.g. {@code influxd}
   */
  protected final String kind() {
    return kind;
  }

  /**
   * @return the kind and the address, e.g. {@code influxd at http://127.0.0.1:40123}
   */
  protected final String description() {
    return kind + " at " + address();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + address() + "]";
  }

  /**
   * Fails if the server was closed.
   *
   * @throws IllegalStateException if {@link #close()} was called
   */
  protected final synchronized void requireOpen() {
    if (closed) {
      throw new IllegalStateException(description() + " is closed");
    }
  }
}
