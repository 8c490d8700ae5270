package io.fallback.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A model service that costs (almost) nothing: HTTP/1.1 keep-alive on plain blocking sockets, one
 * daemon thread per connection, every request answered with the same prebuilt bytes without parsing
 * more than the end of the headers. What a call costs against it is the client's cost (and the
 * loopback's).
 *
 * <p>This class is thread-safe.
 */
public final class ZeroCostStub implements AutoCloseable {

  private static final byte[] RESPONSE =
      ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 32\r\n\r\n"
              + "{\"stress_level_prediction\": \"2\"}")
          .getBytes(StandardCharsets.US_ASCII);

  private final ServerSocket server;

  private ZeroCostStub(ServerSocket server) {
    this.server = server;
  }

  /**
   * Starts the stub on a free port of 127.0.0.1.
   *
   * @return the running stub
   * @throws IOException if it cannot bind
   */
  public static ZeroCostStub start() throws IOException {
    ServerSocket server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
    ZeroCostStub stub = new ZeroCostStub(server);
    Thread acceptor = new Thread(stub::accept, "zero-cost-stub");
    acceptor.setDaemon(true);
    acceptor.start();
    return stub;
  }

  /**
   * @return the predict URL, {@code http://127.0.0.1:<port>/model/api/predict}
   */
  public String predictUrl() {
    return "http://127.0.0.1:" + server.getLocalPort() + "/model/api/predict";
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        s.setTcpNoDelay(true);
        Thread t = new Thread(() -> serve(s), "zero-cost-stub-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void serve(Socket s) {
    try (s;
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream()) {
      byte[] buf = new byte[8192];
      int matched = 0; // progress through "\r\n\r\n"
      while (true) {
        int n = in.read(buf);
        if (n < 0) {
          return;
        }
        for (int i = 0; i < n; i++) {
          byte b = buf[i];
          matched =
              (b == '\r' && (matched == 0 || matched == 2))
                      || (b == '\n' && (matched == 1 || matched == 3))
                  ? matched + 1
                  : (b == '\r' ? 1 : 0);
          if (matched == 4) {
            out.write(RESPONSE);
            matched = 0;
          }
        }
        out.flush();
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  /** Stops accepting; open connections end when their clients close them. */
  @Override
  public void close() throws IOException {
    server.close();
  }
}
