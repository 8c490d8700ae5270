package io.fallback.contract;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * A local TCP server that accepts connections and never answers: a primary that hangs. Closing it
 * closes every connection it accepted.
 *
 * <p>This class is thread-safe.
 */
public final class SilentServer implements AutoCloseable {

  private final ServerSocket socket;
  private final List<Socket> accepted = new ArrayList<>();
  private final Thread acceptor;

  private SilentServer() throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::acceptForever, "silent-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Starts a server on a free loopback port.
   *
   * @return the running server
   * @throws UncheckedIOException if no port can be bound
   */
  public static SilentServer start() {
    try {
      return new SilentServer();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The port it listens on.
   *
   * @return the port
   */
  public int port() {
    return socket.getLocalPort();
  }

  /**
   * An HTTP URI of the server, {@code http://127.0.0.1:<port>}.
   *
   * @return the URI
   */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + port());
  }

  private void acceptForever() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        synchronized (accepted) {
          accepted.add(s);
        }
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  /** Stops accepting and closes every accepted connection. Idempotent. */
  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing more to release
    }
    synchronized (accepted) {
      for (Socket s : accepted) {
        try {
          s.close();
        } catch (IOException e) {
          // already closed by the peer
        }
      }
      accepted.clear();
    }
  }
}
