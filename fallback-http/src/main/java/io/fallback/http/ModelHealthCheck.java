package io.fallback.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;

/**
 * How the model service's health is checked: the meaning of {@code ml_service.health_endpoint}.
 *
 * <ul>
 *   <li>absent: {@link Kind#PREDICT}. The seed's model service serves its predict path only, so the
 *       check is one predict request with every query parameter {@code 0.0} (see {@link
 *       ModelServiceClient#health()} for which answers count);
 *   <li>a path such as {@code /health}: {@link Kind#GET} of that path on the predict endpoint's
 *       scheme, host and port; a 2xx answer is healthy;
 *   <li>an {@code http://} or {@code https://} URL: {@link Kind#GET} of that URL; a 2xx answer is
 *       healthy;
 *   <li>{@value #NONE_VALUE}: {@link Kind#NONE}, no check.
 * </ul>
 *
 * <p>{@link #of(String, URI)} is the one place this rule is stated: {@link
 * ModelServiceSettings.Builder} asks it, and the launcher's configuration loader reports the
 * builder's message. Immutable and thread-safe.
 *
 * @param kind what the check does
 * @param url the URL to GET for {@link Kind#GET}; null for the other kinds
 */
public record ModelHealthCheck(Kind kind, URI url) {

  /** The value of {@code ml_service.health_endpoint} that turns the check off. */
  public static final String NONE_VALUE = "none";

  /** What a check does. */
  public enum Kind {
    /** Send one predict request with probe values (the default). */
    PREDICT,
    /** {@code GET} a health URL; 2xx is healthy. */
    GET,
    /** Do not check. */
    NONE
  }

  private static final ModelHealthCheck PREDICT = new ModelHealthCheck(Kind.PREDICT, null);
  private static final ModelHealthCheck NONE = new ModelHealthCheck(Kind.NONE, null);

  /**
   * Validates the components.
   *
   * @throws NullPointerException if {@code kind} is null, or {@code url} is null for {@link
   *     Kind#GET}
   * @throws IllegalArgumentException if {@code url} is given for another kind, or is not http(s)
   */
  public ModelHealthCheck {
    Objects.requireNonNull(kind, "kind");
    if (kind == Kind.GET) {
      Objects.requireNonNull(url, "url");
      if (!isHttpUrl(url)) {
        throw new IllegalArgumentException(
            "must be an http:// or https:// URL with a host, but was '" + url + "'");
      }
    } else if (url != null) {
      throw new IllegalArgumentException(
          "a " + kind + " check has no URL, but was given '" + url + "'");
    }
  }

  /**
   * The default: one predict request with probe values.
   *
   * @return the check
   */
  public static ModelHealthCheck predict() {
    return PREDICT;
  }

  /**
   * {@code GET url}; 2xx is healthy.
   *
   * @param url an http(s) URL with a host
   * @return the check
   * @throws IllegalArgumentException if the URL is not http(s) or has no host
   */
  public static ModelHealthCheck get(URI url) {
    return new ModelHealthCheck(Kind.GET, url);
  }

  /**
   * No check.
   *
   * @return the check
   */
  public static ModelHealthCheck none() {
    return NONE;
  }

  /**
   * Reads a value of {@code ml_service.health_endpoint}.
   *
   * @param value the configured value; null when the key is absent
   * @param endpoint the predict endpoint ({@code ml_service.endpoint}), which a path resolves
   *     against
   * @return the check
   * @throws IllegalArgumentException saying what is allowed (the message does not name the key, so
   *     that callers can prefix it in their own style)
   */
  public static ModelHealthCheck of(String value, URI endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    if (value == null) {
      return PREDICT;
    }
    String v = value.strip();
    if (v.equals(NONE_VALUE)) {
      return NONE;
    }
    try {
      if (v.startsWith("/")) {
        if (!isHttpUrl(endpoint)) {
          throw new IllegalArgumentException(
              "a path needs ml_service.endpoint to be an http(s) URL, but it was '"
                  + endpoint
                  + "'");
        }
        return get(new URI(endpoint.getScheme() + "://" + endpoint.getRawAuthority() + v));
      }
      URI uri = new URI(v);
      if (isHttpUrl(uri)) {
        return get(uri);
      }
    } catch (URISyntaxException e) {
      // reported below, with what is allowed
    }
    // YAML reads an unquoted off or no as false: say how to turn the check off
    String hint =
        v.equalsIgnoreCase("false") || v.equalsIgnoreCase("off") || v.equalsIgnoreCase("no")
            ? " (to turn the check off, write " + NONE_VALUE + ")"
            : "";
    throw new IllegalArgumentException(
        "must be a path such as /health (on ml_service.endpoint's host and port), an http:// or https:// URL, or "
            + NONE_VALUE
            + " to skip the check, but was '"
            + value
            + "'"
            + hint);
  }

  private static boolean isHttpUrl(URI uri) {
    String scheme = uri.getScheme();
    return scheme != null
        && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        && uri.getHost() != null;
  }
}
