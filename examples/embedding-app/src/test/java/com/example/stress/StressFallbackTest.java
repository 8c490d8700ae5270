package com.example.stress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fallback.core.FallbackListener;
import io.fallback.core.mode.Mode;
import io.fallback.core.mode.Transition;
import io.fallback.testkit.InfluxDbExtension;
import io.fallback.testkit.KafkaBrokerExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The application against a real Kafka broker and a real influxd, from the fallback test kit. */
class StressFallbackTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @RegisterExtension static final InfluxDbExtension INFLUX = new InfluxDbExtension();

  private static final Pattern COUNT = Pattern.compile("\"values\":\\[\\[\\d+,(\\d+)\\]\\]");

  @Test
  void primaryDown_everyCompleteWindowScoredIntoInflux() throws Exception {
    KAFKA.broker().createTopic("sensors", 1);
    INFLUX.server().createDatabase("stress");
    long origin = (System.currentTimeMillis() - 120_000) / 5_000 * 5_000; // window aligned
    produce("sensors", origin, 3, 31, 10); // 3 nurses, 31 s at 10 Hz: windows up to 25 s complete
    List<Transition> transitions = new CopyOnWriteArrayList<>();
    FallbackListener listener =
        new FallbackListener() {
          @Override
          public void transitioned(Transition t) {
            transitions.add(t);
          }
        };

    try (StressFallback app =
        new StressFallback(
            KAFKA.bootstrapServers(),
            "sensors",
            INFLUX.server().url(),
            "stress",
            URI.create("http://127.0.0.1:" + closedPort()), // the primary is down
            Duration.ofMillis(500),
            listener)) {

      await("fallback mode").atMost(Duration.ofSeconds(30)).until(() -> app.state().mode() == Mode.FALLBACK);
      await("5 complete windows per nurse in InfluxDB")
          .atMost(Duration.ofSeconds(60))
          .until(() -> points("stress") == 3 * 5);
    }

    assertThat(transitions).first().extracting(Transition::to).isEqualTo(Mode.FALLBACK);
    assertThat(points("stress")).isEqualTo(3 * 5);
  }

  private static long points(String db) {
    String body = INFLUX.server().query(db, "SELECT count(\"stress_level\") FROM \"nurse_stress\"", "ms");
    Matcher m = COUNT.matcher(body.replace(" ", ""));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private static void produce(String topic, long origin, int nurses, int seconds, int hz)
      throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < seconds * hz; i++) {
        long ts = origin + i * 1000L / hz;
        for (int n = 0; n < nurses; n++) {
          String json =
              String.format(
                  Locale.ROOT,
                  "{\"id\":\"nurse-%d\",\"datetime\":%d,\"X\":1.0,\"Y\":2.0,\"Z\":3.0,\"EDA\":0.5,"
                      + "\"HR\":%d,\"TEMP\":33.1}",
                  n,
                  ts,
                  70 + 15 * n);
          producer.send(new ProducerRecord<>(topic, "nurse-" + n, json));
        }
      }
      producer.flush();
    }
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
