package io.fallback.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.fallback.core.window.WindowResult;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The model service's request and answer formats: a {@code GET} of the endpoint with one query
 * parameter per configured window field ({@code ml_service.query_parameters}, each the field's mean
 * as a float), and an answer {@code {"stress_level_prediction": "2"}}.
 *
 * <p>Immutable and thread-safe.
 */
final class ModelRequests {

  private final String[] names;
  private final String[] encodedNames;
  private final int[] fieldIndexes;
  private final String prefix;

  /**
   * @throws IllegalArgumentException if a query parameter names a field that is not a window field
   */
  ModelRequests(ModelServiceSettings settings, List<String> fieldNames) {
    Objects.requireNonNull(fieldNames, "fieldNames");
    Map<String, String> params = settings.queryParameters();
    this.names = new String[params.size()];
    this.encodedNames = new String[params.size()];
    this.fieldIndexes = new int[params.size()];
    int i = 0;
    for (Map.Entry<String, String> e : params.entrySet()) {
      int index = fieldNames.indexOf(e.getValue());
      if (index < 0) {
        throw new IllegalArgumentException(
            "ml_service.query_parameters maps '"
                + e.getKey()
                + "' to field '"
                + e.getValue()
                + "', which is not one of the window fields "
                + fieldNames);
      }
      names[i] = e.getKey();
      encodedNames[i] = URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8);
      fieldIndexes[i] = index;
      i++;
    }
    String endpoint = settings.endpoint().toString();
    this.prefix = endpoint + (settings.endpoint().getRawQuery() == null ? "?" : "&");
  }

  /**
   * The request of the default health check: the endpoint with every configured parameter set to
   * {@code value}.
   *
   * @param value the value of each parameter
   * @return the URI
   */
  URI probeUri(String value) {
    StringBuilder sb = new StringBuilder(prefix);
    for (int i = 0; i < encodedNames.length; i++) {
      sb.append(i > 0 ? "&" : "").append(encodedNames[i]).append('=').append(value);
    }
    return URI.create(sb.toString());
  }

  /** The request URI of a window: the endpoint with the configured parameters. */
  URI uri(WindowResult window) {
    StringBuilder sb = new StringBuilder(prefix.length() + 16 * encodedNames.length);
    sb.append(prefix);
    for (int i = 0; i < encodedNames.length; i++) {
      if (i > 0) {
        sb.append('&');
      }
      int field = fieldIndexes[i];
      if (field >= window.size()) {
        throw new IllegalArgumentException(
            "window "
                + window.key()
                + " has "
                + window.size()
                + " fields, but ml_service.query_parameters needs field #"
                + field);
      }
      sb.append(encodedNames[i]).append('=').append(Float.toString(window.mean(field)));
    }
    return URI.create(sb.toString());
  }

  /**
   * The body of a batched call: {@code {"instances": [{"x": 0.1, "y": -0.25, ...}, ...]}}, one
   * object per window in order, with the query parameters' names and the means as JSON numbers
   * (written as {@link Float#toString(float)} writes them, as in the {@code GET}).
   */
  String batchBody(List<WindowResult> windows) {
    StringBuilder sb = new StringBuilder(16 + windows.size() * (8 + 20 * names.length));
    sb.append("{\"instances\":[");
    for (int w = 0; w < windows.size(); w++) {
      WindowResult window = windows.get(w);
      sb.append(w > 0 ? ",{" : "{");
      for (int i = 0; i < names.length; i++) {
        if (i > 0) {
          sb.append(',');
        }
        float mean = window.mean(fieldIndexes[i]);
        if (!Float.isFinite(mean)) {
          throw new IllegalArgumentException(
              "window " + window.key() + " has a non-finite mean " + mean + " for " + names[i]);
        }
        sb.append(quoted(names[i])).append(':').append(Float.toString(mean));
      }
      sb.append('}');
    }
    return sb.append("]}").toString();
  }

  private static String quoted(String name) {
    try {
      return Json.MAPPER.writeValueAsString(name);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads the predictions of a batched answer: {@code {"predictions": [2, 1, ...]}} (numbers or
   * strings holding integers), exactly one per window sent, in order.
   *
   * @throws ModelServiceException for an error status (retryable for 429 and 5xx) or a malformed
   *     body (not retryable)
   */
  static int[] batchPredictions(HttpResponse<String> response, int windows) {
    String body = successBody(response);
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body == null ? "" : body);
    } catch (IOException e) {
      throw malformed("not JSON", body);
    }
    JsonNode list = root == null ? null : root.get(BATCH_PREDICTIONS);
    if (list == null || !list.isArray()) {
      throw malformed("no " + BATCH_PREDICTIONS + " array", body);
    }
    if (list.size() != windows) {
      throw malformed(list.size() + " predictions for " + windows + " windows", body);
    }
    int[] out = new int[windows];
    for (int i = 0; i < windows; i++) {
      out[i] = integer(list.get(i), BATCH_PREDICTIONS + "[" + i + "]", body);
    }
    return out;
  }

  /** The field of a batched answer. */
  static final String BATCH_PREDICTIONS = "predictions";

  /**
   * Reads the prediction of an answer.
   *
   * @throws ModelServiceException for an error status or a malformed body
   */
  static int prediction(HttpResponse<String> response) {
    return parsePrediction(successBody(response));
  }

  /**
   * The body of a 2xx answer.
   *
   * @throws ModelServiceException for any other status, retryable for 429 and 5xx
   */
  private static String successBody(HttpResponse<String> response) {
    int status = response.statusCode();
    String body = response.body();
    if (status < 200 || status > 299) {
      boolean retryable = status == 429 || status >= 500;
      throw new ModelServiceException(
          "HTTP " + status + ": " + Texts.excerpt(body), null, retryable);
    }
    return body;
  }

  /**
   * Parses {@code {"stress_level_prediction": "2"}}; a JSON number is accepted too, as long as it
   * is an integer.
   *
   * @throws ModelServiceException (not retryable) if the body is not such an object
   */
  static int parsePrediction(String body) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body == null ? "" : body);
    } catch (IOException e) {
      throw malformed("not JSON", body);
    }
    if (root == null || !root.isObject()) {
      throw malformed("not a JSON object", body);
    }
    JsonNode value = root.get(ModelServiceClient.PREDICTION_FIELD);
    if (value == null || value.isNull()) {
      throw malformed("no " + ModelServiceClient.PREDICTION_FIELD, body);
    }
    return integer(value, ModelServiceClient.PREDICTION_FIELD, body);
  }

  /** An integer prediction: a JSON number or a string holding one. */
  private static int integer(JsonNode value, String what, String body) {
    String text;
    if (value.isTextual()) {
      text = value.textValue().strip();
    } else if (value.isNumber()) {
      text = value.asText();
    } else {
      throw malformed(what + " is not a number", body);
    }
    try {
      return new BigDecimal(text).intValueExact();
    } catch (NumberFormatException e) {
      throw malformed(what + " is not numeric", body);
    } catch (ArithmeticException e) {
      throw malformed(what + " is not an integer", body);
    }
  }

  private static ModelServiceException malformed(String what, String body) {
    return new ModelServiceException(
        "malformed response (" + what + "): " + Texts.excerpt(body), null, false);
  }
}
