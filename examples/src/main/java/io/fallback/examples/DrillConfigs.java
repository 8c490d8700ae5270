package io.fallback.examples;

/**
 * The drill's launcher files, as operators would write them: one per launcher process the drill
 * starts. The hosts (Kafka, InfluxDB, model service, Flink REST), the status port and the admin
 * token are not in them: {@link Drill} puts them in each process's environment, as a deployment
 * sets them.
 *
 * <p>Stateless; thread-safe.
 */
final class DrillConfigs {

  private DrillConfigs() {}

  /**
   * The main fallback's file. Batches as the seed sizes them: {@code batch_timeout_seconds: 30} (a
   * batch is handed over when full or 30 s after its first record), {@code batch_size: 20000}. With
   * {@code shadowMode}, the same file plus {@code shadow.enabled: true}.
   */
  static String fallbackYaml(DrillSettings settings, boolean shadowMode) {
    String yaml =
        String.join(
            "\n",
            "kafka:",
            "  topic: " + Drill.TOPIC,
            "  group_id: dask-fallback-consumer",
            "  auto_offset_reset: earliest",
            "processing:",
            "  batch_size: 20000",
            "  batch_timeout_seconds: 30",
            "  commit_interval_ms: 1000",
            "monitoring:",
            "  latency_threshold_seconds: " + settings.threshold().toSeconds(),
            "  consecutive_violations: " + settings.violations(),
            "  check_interval_seconds: " + settings.checkInterval().toSeconds(),
            "  resume_threshold_seconds: " + settings.resume().toSeconds(),
            "  consecutive_recoveries: " + settings.recoveries(),
            "  probe_timeout_seconds: 2",
            "  latency_source: kafka_lag",
            "  primary_group_id: flink-consumer",
            "  health_probe: flink_rest",
            "  flink_job_name: " + Drill.JOB_NAME,
            "ml_service:",
            "  timeout_seconds: 5",
            "  retry_attempts: 3",
            "influxdb:",
            "  database: " + Drill.DATABASE,
            "  measurement: " + Drill.MEASUREMENT,
            "  source_tag: " + Drill.FALLBACK_SOURCE,
            "  primary_source: " + Drill.PRIMARY_SOURCE,
            "");
    // shadow mode with the documented defaults (every window sampled, 20 model calls/s, 30 s
    // grace, 0 % differing and 1 % missing tolerated)
    return shadowMode ? yaml + "shadow:\n  enabled: true\n" : yaml;
  }

  /**
   * The fast-path launcher: the seed's check interval (60 s) with the fast confirmation on (health
   * probes every 5 s, 3 confirmations), its own group and database (it writes only when it
   * triggers, and is stopped right after that), its own source tag.
   */
  static String fastYaml(DrillSettings settings) {
    return String.join(
        "\n",
        "kafka:",
        "  topic: " + Drill.TOPIC,
        "  group_id: drill-fast",
        "  auto_offset_reset: latest",
        "processing:",
        "  batch_size: 20000",
        "  batch_timeout_seconds: 30",
        "monitoring:",
        "  latency_threshold_seconds: " + settings.threshold().toSeconds(),
        "  consecutive_violations: " + settings.violations(),
        "  check_interval_seconds: " + Drill.FAST_CHECK_INTERVAL.toSeconds(),
        "  health_check_interval_seconds: " + Drill.FAST_HEALTH_INTERVAL.toSeconds(),
        "  health_confirmations: " + Drill.FAST_CONFIRMATIONS,
        "  resume_threshold_seconds: " + settings.resume().toSeconds(),
        "  probe_timeout_seconds: 2",
        "  latency_source: kafka_lag",
        "  primary_group_id: flink-consumer",
        "  health_probe: flink_rest",
        "  flink_job_name: " + Drill.JOB_NAME,
        "influxdb:",
        "  database: " + Drill.FAST_DATABASE,
        "  measurement: " + Drill.MEASUREMENT,
        "  source_tag: " + Drill.FAST_SOURCE,
        "  primary_source: " + Drill.PRIMARY_SOURCE,
        "");
  }

  /**
   * A deliberately wrong shadow: shadow mode with 10 s windows where the primary computes 5 s
   * windows. Its own group; no health probe and a latency threshold of an hour, so it stays in
   * PRIMARY (shadowing) and never writes; no model-call budget, so every window is compared. It
   * reads the primary's points from the drill's database.
   */
  static String wrongShadowYaml() {
    return String.join(
        "\n",
        "kafka:",
        "  topic: " + Drill.TOPIC,
        "  group_id: drill-wrong-shadow",
        "  auto_offset_reset: latest",
        "processing:",
        "  batch_size: 20000",
        "  batch_timeout_seconds: 30",
        "  window_seconds: 10",
        "monitoring:",
        "  latency_threshold_seconds: 3600",
        "  check_interval_seconds: 60",
        "  latency_source: kafka_lag",
        "  primary_group_id: flink-consumer",
        "  health_probe: none",
        "influxdb:",
        "  database: " + Drill.DATABASE,
        "  measurement: " + Drill.MEASUREMENT,
        "  source_tag: " + Drill.WRONG_SHADOW_SOURCE,
        "  primary_source: " + Drill.PRIMARY_SOURCE,
        "shadow:",
        "  enabled: true",
        "  max_model_calls_per_second: 0",
        "");
  }

  /**
   * A fallback that owns the whole topic: its own group, no primary group, no health probe, own
   * database. Its batch timeout is short on purpose: it compares outputs, and its last batch would
   * otherwise wait 30 s for records that never come.
   */
  static String replayYaml() {
    return String.join(
        "\n",
        "kafka:",
        "  topic: " + Drill.TOPIC,
        "  group_id: drill-replay",
        "  auto_offset_reset: earliest",
        "processing:",
        "  batch_size: 20000",
        "  batch_timeout_seconds: 0.2",
        "monitoring:",
        "  check_interval_seconds: 60",
        "  primary_group_id: drill-no-primary",
        "  health_probe: none",
        "influxdb:",
        "  database: " + Drill.REPLAY_DATABASE,
        "  measurement: " + Drill.MEASUREMENT,
        "  source_tag: " + Drill.REPLAY_SOURCE,
        "");
  }
}
