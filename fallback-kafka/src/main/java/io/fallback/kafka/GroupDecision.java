package io.fallback.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One decision of a group of fallback instances, as the decider publishes it on the decision topic
 * (key {@value GroupDecisionLog#DECISION_KEY}, JSON value). Followers act on the decision with the
 * highest epoch they have read and never on an older one.
 *
 * @param epoch strictly increasing over the group's decisions, across deciders
 * @param mode {@code PRIMARY} or {@code FALLBACK}
 * @param override the override in force ({@code AUTO}, {@code FORCE_FALLBACK}, {@code
 *     FORCE_PRIMARY})
 * @param cause why ({@code latency}, {@code unhealthy}, {@code recovered}, {@code manual}, or
 *     {@code claim} when a new decider restates the mode it found)
 * @param detail the observations behind it, as the transition describes them
 * @param at when it was decided
 * @param decider the deciding instance's identity
 */
public record GroupDecision(
    long epoch,
    String mode,
    String override,
    String cause,
    String detail,
    Instant at,
    String decider) {

  private static final JsonFactory JSON = new JsonFactory();

  /**
   * Validates the components.
   *
   * @throws NullPointerException for a null component
   * @throws IllegalArgumentException for an epoch below 1
   */
  public GroupDecision {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(override, "override");
    Objects.requireNonNull(cause, "cause");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(decider, "decider");
    if (epoch < 1) {
      throw new IllegalArgumentException("epoch must be >= 1, but was " + epoch);
    }
  }

  /**
   * The JSON value written to the topic.
   *
   * @return UTF-8 JSON
   */
  public byte[] toJson() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("epoch", epoch);
      g.writeStringField("mode", mode);
      g.writeStringField("override", override);
      g.writeStringField("cause", cause);
      g.writeStringField("detail", detail);
      g.writeStringField("at", at.toString());
      g.writeStringField("decider", decider);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Parses a value written by {@link #toJson()}.
   *
   * @param json the value
   * @return the decision
   * @throws IllegalArgumentException when the value is not a decision
   */
  public static GroupDecision parse(byte[] json) {
    Map<String, String> fields = new HashMap<>();
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("a decision is a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        fields.put(name, p.getValueAsString());
      }
      return new GroupDecision(
          Long.parseLong(required(fields, "epoch")),
          required(fields, "mode"),
          required(fields, "override"),
          required(fields, "cause"),
          fields.getOrDefault("detail", ""),
          Instant.parse(required(fields, "at")),
          required(fields, "decider"));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a group decision: " + e.getMessage(), e);
    }
  }

  private static String required(Map<String, String> fields, String name) {
    String v = fields.get(name);
    if (v == null) {
      throw new IllegalArgumentException("field " + name + " is missing");
    }
    return v;
  }
}
