package io.fallback.launcher.config;

import static io.fallback.launcher.config.ConfigDef.Type.BOOLEAN;
import static io.fallback.launcher.config.ConfigDef.Type.FILE;
import static io.fallback.launcher.config.ConfigDef.Type.INT;
import static io.fallback.launcher.config.ConfigDef.Type.SECONDS;
import static io.fallback.launcher.config.ConfigDef.Type.STRING;
import static io.fallback.launcher.config.ConfigDef.Type.URL;
import static io.fallback.launcher.config.ConfigDef.absent;
import static io.fallback.launcher.config.ConfigDef.derived;

/**
 * The {@code influxdb} section of the launcher's definition table. Only {@link Keys} constructs it,
 * at the place in its table where the section belongs, and re-exports every key ({@code
 * Keys.INFLUX_URL}, {@code Keys.PRIMARY_SOURCE}, ...); everything else uses those. The constructor
 * defines the keys in README order. Holding no static state, this class cannot be initialised
 * before or after its place in the table, as a class of static constants could.
 *
 * <p>Immutable once constructed.
 */
final class InfluxKeys {

  final Key url;
  final Key apiVersion;
  final Key database;
  final Key retentionPolicy;
  final Key measurement;
  final Key username;
  final Key passwordEnv;
  final Key passwordFile;
  final Key org;
  final Key bucket;
  final Key tokenEnv;
  final Key tokenFile;
  final Key sourceTag;
  final Key sourceAsField;
  final Key primaryMeasurement;
  final Key primarySource;
  final Key primaryIdTag;
  final Key primaryStressField;
  final Key chunkSize;
  final Key timeout;
  final Key maxRetrySeconds;

  /**
   * Defines the section's keys.
   *
   * @param def the launcher's table, with every earlier section already defined
   * @throws IllegalArgumentException if a key is defined twice or a default is invalid
   */
  InfluxKeys(ConfigDef def) {
    url = def.define("influxdb.url", URL, "http://influxdb:8086", null, "InfluxDB URL.");
    apiVersion =
        def.defineChoice(
            "influxdb.api_version",
            "1",
            "`1`: /write with database and retention policy; `2`: org, bucket and token (protocol-tested only).",
            "1",
            "2");
    database =
        def.define("influxdb.database", STRING, "flink_sink", null, "InfluxDB 1.x database.");
    retentionPolicy =
        def.define(
            "influxdb.retention_policy",
            STRING,
            absent("(none: the default)"),
            null,
            "InfluxDB 1.x retention policy.");
    measurement =
        def.define(
            "influxdb.measurement",
            STRING,
            "nurse_stress",
            null,
            "Measurement the fallback writes.");
    username =
        def.define("influxdb.username", STRING, absent("(none)"), null, "InfluxDB 1.x user.");
    passwordEnv =
        def.define(
            "influxdb.password_env",
            STRING,
            "INFLUXDB_PASSWORD",
            null,
            "Environment variable holding the password (secret; never logged).");
    passwordFile =
        def.define(
            "influxdb.password_file",
            FILE,
            absent("(none)"),
            null,
            "File holding the password, used when the variable is unset.");
    org = def.define("influxdb.org", STRING, absent("(none)"), null, "InfluxDB 2.x organisation.");
    bucket = def.define("influxdb.bucket", STRING, absent("(none)"), null, "InfluxDB 2.x bucket.");
    tokenEnv =
        def.define(
            "influxdb.token_env",
            STRING,
            "INFLUXDB_TOKEN",
            null,
            "Environment variable holding the 2.x token (secret; never logged).");
    tokenFile =
        def.define(
            "influxdb.token_file",
            FILE,
            absent("(none)"),
            null,
            "File holding the token, used when the variable is unset.");
    sourceTag =
        def.define(
            "influxdb.source_tag",
            STRING,
            "dask-fallback",
            null,
            "Value of the `source` tag on the fallback's points.");
    sourceAsField =
        def.define(
            "influxdb.source_as_field",
            BOOLEAN,
            "false",
            null,
            "Write `source` as a field, so a window written by both sources is one point.");
    primaryMeasurement =
        def.define(
            "influxdb.primary_measurement",
            STRING,
            derived("(= measurement)", value -> value.apply(Keys.INFLUX_MEASUREMENT)),
            null,
            "Measurement the primary writes (the seed's own Flink job wrote `flink_events`).");
    primarySource =
        def.define(
            "influxdb.primary_source",
            STRING,
            absent("(none: absent or not ours)"),
            null,
            "`source` tag value of the primary's points.");
    primaryIdTag =
        def.define(
            "influxdb.primary_id_tag",
            STRING,
            "id",
            null,
            "Tag holding the key (nurse id) in the primary's points; primary progress groups by it.");
    primaryStressField =
        def.define(
            "influxdb.primary_stress_field",
            STRING,
            "stress_level",
            null,
            "Field holding the stress level in the primary's points (the seed's own Flink job wrote `stressLevel`); "
                + "freshness and primary progress find the primary's points through it.");
    chunkSize = def.define("influxdb.chunk_size", INT, "5000", null, "Points per write request.");
    timeout = def.define("influxdb.timeout_seconds", SECONDS, "10", null, "Per-request timeout.");
    maxRetrySeconds =
        def.define(
            "influxdb.max_retry_seconds",
            SECONDS,
            "60",
            null,
            "How long one write is retried (5xx, timeouts) before the batch is held and retried by the loop.");
  }
}
