package io.fallback.launcher;

import static io.fallback.core.internal.Throwables.rootMessage;

import io.fallback.core.Health;
import io.fallback.http.ModelHealthCheck;
import io.fallback.http.ModelServiceClient;
import io.fallback.http.ModelServiceSettings;
import io.fallback.kafka.GroupBacklog;
import io.fallback.launcher.config.ConfigLoader;
import io.fallback.launcher.config.FallbackConfig;
import io.fallback.launcher.config.Keys;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code validate}: checks that Kafka, InfluxDB, the Flink REST API and the model service answer.
 * Each reachable dependency prints one line; each problem is returned as one line naming the
 * dependency and the address.
 */
final class Connectivity {

  /** The dependencies, as {@code validate --only} names them. */
  static final List<String> DEPENDENCIES = List.of("kafka", "influxdb", "flink", "ml_service");

  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private Connectivity() {}

  /**
   * Checks the named dependencies.
   *
   * @param only names from {@link #DEPENDENCIES}
   * @return the problems, one line each; empty when every checked dependency answered
   */
  static List<String> check(
      FallbackConfig config, ConfigLoader loader, PrintWriter out, Set<String> only) {
    List<String> problems = new ArrayList<>();
    if (only.contains("kafka")) {
      kafka(config, loader, out, problems);
    }
    if (only.contains("influxdb")) {
      String influx = config.influxdb().url().toString().replaceAll("/+$", "");
      http(influx + "/ping", "influxdb", out, problems);
    }
    if (only.contains("flink") && config.monitoring().healthProbe().isPresent()) {
      http(
          config.monitoring().flinkRestUrl().toString().replaceAll("/+$", "") + "/overview",
          "flink",
          out,
          problems);
    }
    if (only.contains("ml_service")) {
      modelService(config, out, problems);
    }
    return problems;
  }

  private static void kafka(
      FallbackConfig config, ConfigLoader loader, PrintWriter out, List<String> problems) {
    String bootstrap = config.kafka().bootstrapServers();
    String topic = config.kafka().topic();
    // the adapter's own client-config routing (kafka.properties, admin. prefix) and the secret from
    // its source
    try (GroupBacklog kafka =
        GroupBacklog.of(config.kafkaSourceSettings(loader.secrets()), TIMEOUT)) {
      out.println(
          "kafka "
              + bootstrap
              + ": OK, topic "
              + topic
              + " has "
              + kafka.partitions()
              + " partitions");
    } catch (RuntimeException e) {
      problems.add(
          "kafka "
              + bootstrap
              + " (topic "
              + topic
              + "): "
              + config.withKafkaPropertySources(rootMessage(e)));
    }
  }

  /**
   * The model service, checked as the fallback's own client checks it ({@code
   * ml_service.health_endpoint}): by default one predict request, so a service that serves only its
   * predict path is reachable.
   */
  private static void modelService(FallbackConfig config, PrintWriter out, List<String> problems) {
    ModelServiceSettings settings = config.modelServiceSettings();
    if (settings.healthCheck().kind() == ModelHealthCheck.Kind.NONE) {
      out.println(
          "model service "
              + settings.endpoint()
              + ": not checked ("
              + Keys.ML_HEALTH.path()
              + " is "
              + ModelHealthCheck.NONE_VALUE
              + ")");
      return;
    }
    try (ModelServiceClient client =
        ModelServiceClient.of(settings, config.windowSpec().fieldNames())) {
      Health health = client.health();
      if (health.isHealthy()) {
        out.println("model service: OK, " + health.reason());
      } else {
        problems.add("model service: " + health.reason());
      }
    }
  }

  private static void http(String url, String what, PrintWriter out, List<String> problems) {
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
      HttpResponse<Void> r =
          client.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).GET().build(),
              HttpResponse.BodyHandlers.discarding());
      if (r.statusCode() / 100 == 2) {
        out.println(what + " " + url + ": OK");
      } else {
        problems.add(what + " " + url + ": HTTP " + r.statusCode());
      }
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      problems.add(what + " " + url + ": " + rootMessage(e));
    }
  }
}
