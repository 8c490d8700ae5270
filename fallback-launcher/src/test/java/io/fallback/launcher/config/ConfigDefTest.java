package io.fallback.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fallback.launcher.config.ConfigDef.Type;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The definition API: one {@code define} per key holds its type, default, rule and meaning. */
class ConfigDefTest {

  @Test
  void define_parsesTheDefaultAsTheFileWould() {
    ConfigDef def = new ConfigDef();

    Key interval =
        def.define(
            "monitoring.check_interval_seconds", Type.SECONDS, "60", ConfigDef.positive(), "Doc.");
    Key query =
        def.define("ml_service.query_parameters", Type.NAME_MAP, "{x: X, y: Y}", null, "Doc.");
    Key size = def.define("dask.memory_limit", Type.SIZE, "2GiB", null, "Doc.");

    assertThat(interval.defaultValue()).isEqualTo(Duration.ofSeconds(60));
    assertThat(query.defaultValue()).isEqualTo(Map.of("x", "X", "y", "Y"));
    assertThat(size.defaultValue()).isEqualTo(2L << 30);
    assertThat(def.keys()).containsExactly(interval, query, size);
    assertThat(def.sections()).containsExactly("monitoring", "ml_service", "dask");
  }

  @Test
  void defaultThatBreaksItsOwnRule_isRejectedWhenDefined() {
    ConfigDef def = new ConfigDef();

    assertThatThrownBy(
            () -> def.define("server.port", Type.INT, "70000", ConfigDef.between(0, 65535), "Doc."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "default of server.port is invalid: must be between 0 and 65535, but was 70000");
    assertThatThrownBy(
            () -> def.defineChoice("kafka.auto_offset_reset", "none", "Doc.", "earliest", "latest"))
        .hasMessageContaining("not one of its values");
  }

  @Test
  void keyDefinedTwice_isRejected() {
    ConfigDef def = new ConfigDef();
    def.define("kafka.topic", Type.STRING, "t", null, "Doc.");

    assertThatThrownBy(() -> def.define("kafka.topic", Type.STRING, "u", null, "Doc."))
        .hasMessage("key kafka.topic is defined twice");
  }

  @Test
  void absentAndDerivedDefaults_areShownAsWritten_andHaveNoLiteralValue() {
    ConfigDef def = new ConfigDef();

    Key job =
        def.define(
            "monitoring.flink_job_name", Type.STRING, ConfigDef.absent("(none)"), null, "Doc.");
    Key dlq =
        def.define(
            "processing.dlq_topic",
            Type.STRING,
            ConfigDef.derived("<topic>.dlq", value -> value.apply(job) + ".dlq"),
            null,
            "Doc.");

    assertThat(job.defaultText()).isEqualTo("(none)");
    assertThat(job.defaultValue()).isNull();
    assertThat(dlq.defaultText()).isEqualTo("<topic>.dlq");
    assertThat(dlq.derivation().derive(k -> "t")).isEqualTo("t.dlq");
  }

  @Test
  void validators_sayWhatIsAllowedAndWhatWasGiven() {
    assertThatThrownBy(() -> ConfigDef.atLeast(1).ensureValid(0))
        .hasMessage("must be >= 1, but was 0");
    assertThatThrownBy(() -> ConfigDef.positive().ensureValid(Duration.ZERO))
        .hasMessage("must be > 0, but was 0.0");
    assertThatThrownBy(() -> ConfigDef.wholeSeconds().ensureValid(Duration.ofMillis(2500)))
        .hasMessage("must be whole seconds, but was 2.5");
    assertThatThrownBy(() -> ConfigDef.atLeastBytes(1_000_000, "1MB").ensureValid(10L))
        .hasMessage("must be at least 1MB, but was 10 bytes");
  }

  @Test
  void launcherTable_validatesOnlyKeysNoRecordIsAskedAbout() {
    List<Key> validated = Keys.ALL.stream().filter(k -> k.validator() != null).toList();

    // every other rule is stated by the settings record the value is bound into (ModePolicy,
    // WindowSpec, KafkaSourceSettings, FlinkProbeSettings, ModelServiceSettings, InfluxSettings,
    // ShadowSampling);
    // a new validator here must not restate one of theirs (see Keys)
    assertThat(validated)
        .containsExactly(
            Keys.BATCH_SIZE,
            Keys.PIPELINE_DEPTH,
            Keys.COMMIT_INTERVAL,
            Keys.WINDOW,
            Keys.CHECK_INTERVAL,
            Keys.PROBE_TIMEOUT,
            Keys.HEALTH_CONFIRMATIONS,
            Keys.ML_RETRIES,
            Keys.DASK_WORKERS,
            Keys.DASK_THREADS,
            Keys.DASK_MEMORY,
            Keys.SHADOW_BUDGET,
            Keys.SHADOW_GRACE,
            Keys.SHADOW_MAX_DIFFERING,
            Keys.SHADOW_MAX_MISSING,
            Keys.SHADOW_LOG_DIFFERENCES,
            Keys.GROUP_SESSION,
            Keys.SERVER_PORT,
            Keys.SERVER_READY_BOUND);
  }
}
