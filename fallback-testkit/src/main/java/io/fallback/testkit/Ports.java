package io.fallback.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free TCP ports on the loopback interface, for servers that need a fixed port chosen before they
 * start (a port that must stay the same across restarts).
 *
 * <p>A port is free when this method returns; another process may take it before the caller binds
 * it. The servers of this kit retry their first start with new ports when that happens.
 *
 * <p>This class is thread-safe.
 */
public final class Ports {

  private Ports() {}

  /**
   * Returns a TCP port that was free on 127.0.0.1 a moment ago.
   *
   * @return a port number in the ephemeral range
   * @throws UncheckedIOException if no socket can be bound
   */
  public static int freePort() {
    return freePorts(1)[0];
  }

  /**
   * Returns {@code count} distinct TCP ports that were free on 127.0.0.1 a moment ago. All sockets
   * are held open together, so the ports are distinct.
   *
   * @param count how many ports, at least 1
   * @return distinct port numbers
   * @throws IllegalArgumentException if {@code count < 1}
   * @throws UncheckedIOException if no socket can be bound
   */
  public static int[] freePorts(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be >= 1, but was " + count);
    }
    List<ServerSocket> sockets = new ArrayList<>(count);
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket();
        sockets.add(socket);
        // no SO_REUSEADDR: the port must really be unused, not merely in TIME_WAIT
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on 127.0.0.1", e);
    } finally {
      for (ServerSocket socket : sockets) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // closing a bound, unconnected server socket does not fail in practice; nothing to do
        }
      }
    }
  }
}
