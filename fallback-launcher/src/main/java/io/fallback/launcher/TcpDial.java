package io.fallback.launcher;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Tells whether a dependency accepts TCP connections and, when it does not, why in a few words
 * ({@code connection refused}, {@code unknown host kafka}, {@code connect timed out after 2 s}).
 * The launcher dials only after a read through a client library failed: the libraries do not say
 * why (Kafka's admin client answers "timed out waiting for a node assignment"), and a dial on every
 * read would show up in a broker's logs as a failed handshake.
 *
 * <p>Immutable and thread-safe.
 */
final class TcpDial {

  /** How long one connection attempt may take. */
  static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final List<Address> addresses;
  private final String shown;
  private final Duration timeout;

  private record Address(String host, int port) {
    @Override
    public String toString() {
      return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
  }

  private TcpDial(List<Address> addresses, String shown, Duration timeout) {
    this.addresses = List.copyOf(addresses);
    this.shown = Objects.requireNonNull(shown, "shown");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /**
   * Kafka's bootstrap servers.
   *
   * @param bootstrapServers {@code host:port[,host:port...]}, as {@code kafka.bootstrap_servers}
   * @return the dial; entries that are not {@code host:port} are left out (the client reports
   *     them), and with none left it never reports a failure
   */
  static TcpDial ofHostPorts(String bootstrapServers) {
    List<Address> out = new ArrayList<>();
    for (String entry : bootstrapServers.split(",")) {
      String s = entry.strip().replaceFirst("^[A-Za-z_]+://", "");
      int colon = s.lastIndexOf(':');
      if (colon <= 0 || colon == s.length() - 1) {
        continue;
      }
      String host = s.substring(0, colon).replace("[", "").replace("]", "");
      try {
        out.add(new Address(host, Integer.parseInt(s.substring(colon + 1))));
      } catch (NumberFormatException e) {
        // not host:port; the client reports that entry itself
      }
    }
    String shown =
        out.isEmpty()
            ? bootstrapServers
            : out.stream().map(Address::toString).collect(Collectors.joining(","));
    return new TcpDial(out, shown, TIMEOUT);
  }

  /**
   * The host and port of an http(s) URL (80 or 443 when it names none).
   *
   * @param uri for example {@code http://jobmanager:8081}
   * @return the dial
   * @throws IllegalArgumentException if the URL has no host
   */
  static TcpDial ofUrl(URI uri) {
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("no host in " + uri);
    }
    int port =
        uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    String host = uri.getHost().replace("[", "").replace("]", "");
    Address address = new Address(host, port);
    return new TcpDial(List.of(address), address.toString(), TIMEOUT);
  }

  /**
   * @return the addresses, as the lines show them: {@code 127.0.0.1:9092,broker-2:9092}
   */
  String addresses() {
    return shown;
  }

  /**
   * Dials each address in turn until one accepts; closes that connection at once.
   *
   * @return empty when an address accepted (or there is none to dial), else why the first one did
   *     not
   */
  Optional<String> failure() {
    if (addresses.isEmpty()) {
      return Optional.empty();
    }
    String first = null;
    for (Address a : addresses) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(a.host(), a.port()), (int) timeout.toMillis());
        return Optional.empty();
      } catch (IOException e) {
        if (e instanceof InterruptedIOException && Thread.currentThread().isInterrupted()) {
          return Optional.of("interrupted");
        }
        if (first == null) {
          first = reason(e, timeout);
        }
      } catch (IllegalArgumentException | SecurityException e) {
        if (first == null) {
          first = String.valueOf(e.getMessage());
        }
      }
    }
    return Optional.of(first);
  }

  /**
   * Why a connection failed, when an error's causes say it could not be made at all (refused,
   * unknown host, no route, connect timeout); empty for other failures (an HTTP 500, a rejected
   * write), which are about the answer, not about reaching the dependency.
   *
   * @param error any error, for example a model-service call's
   * @return the reason in a few words, or empty
   */
  static Optional<String> connectFailure(Throwable error) {
    Throwable e = error;
    for (int depth = 0; e != null && depth < 10; depth++) {
      boolean bare = e.getMessage() == null && e.getCause() instanceof ConnectException;
      if (!bare
          && (e instanceof ConnectException
              || e instanceof UnknownHostException
              || e instanceof NoRouteToHostException
              || e instanceof HttpConnectTimeoutException)) {
        return Optional.of(reason((IOException) e, null));
      }
      e = e.getCause() == e ? null : e.getCause();
    }
    return Optional.empty();
  }

  private static String reason(IOException e, Duration timeout) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    if (e instanceof UnknownHostException) {
      return "unknown host " + message;
    }
    if (e instanceof NoRouteToHostException) {
      return "no route to host";
    }
    if (e instanceof SocketTimeoutException || e instanceof HttpConnectTimeoutException) {
      return timeout == null
          ? "connect timed out"
          : "connect timed out after " + timeout.toSeconds() + " s";
    }
    if (e instanceof ConnectException) {
      String lower = message.toLowerCase(Locale.ROOT);
      return lower.contains("refused") || message.isEmpty() ? "connection refused" : lower;
    }
    return e.toString();
  }
}
