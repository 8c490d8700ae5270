package io.fallback.launcher.config;

import io.fallback.kafka.RecordFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code processing} section. Immutable and thread-safe.
 *
 * <p>Built by the loader, whose bound values are never null (a missing required value fails there,
 * naming its key), so the components are not checked again here.
 *
 * @param batchSize {@code processing.batch_size} (or {@code BATCH_SIZE}), as configured; the
 *     launcher caps it by {@link DaskConfig#memoryBound()}
 * @param batchTimeout {@code processing.batch_timeout_seconds}
 * @param commitInterval {@code processing.commit_interval_ms}
 * @param window {@code processing.window_seconds}
 * @param maxOutOfOrderness {@code processing.max_out_of_orderness_seconds}
 * @param format {@code processing.format}
 * @param schemaFile {@code processing.schema_file}; empty for the built-in nurse schema
 * @param keyField {@code processing.key_field}
 * @param timestampField {@code processing.timestamp_field}
 * @param timestampFormat {@code processing.timestamp_format}
 * @param fields {@code processing.fields}
 * @param dlqTopic {@code processing.dlq_topic}, {@code <kafka.topic>.dlq} unless set
 * @param pipelineDepth {@code processing.pipeline_depth}
 */
public record ProcessingConfig(
    int batchSize,
    Duration batchTimeout,
    Duration commitInterval,
    Duration window,
    Duration maxOutOfOrderness,
    RecordFormat format,
    Optional<Path> schemaFile,
    String keyField,
    String timestampField,
    String timestampFormat,
    List<String> fields,
    String dlqTopic,
    int pipelineDepth) {

  /**
   * Copies the fields.
   *
   * @throws NullPointerException if {@code fields} is null or holds null
   */
  public ProcessingConfig {
    fields = List.copyOf(fields);
  }

  static ProcessingConfig from(Values v) {
    return new ProcessingConfig(
        v.integer(Keys.BATCH_SIZE),
        v.seconds(Keys.BATCH_TIMEOUT),
        Duration.ofMillis(v.integer(Keys.COMMIT_INTERVAL)),
        v.seconds(Keys.WINDOW),
        v.seconds(Keys.OUT_OF_ORDER),
        RecordFormat.parse(v.requiredString(Keys.FORMAT)),
        v.file(Keys.SCHEMA_FILE),
        v.requiredString(Keys.KEY_FIELD),
        v.requiredString(Keys.TIMESTAMP_FIELD),
        v.requiredString(Keys.TIMESTAMP_FORMAT),
        v.list(Keys.FIELDS),
        v.requiredString(Keys.DLQ_TOPIC),
        v.integer(Keys.PIPELINE_DEPTH));
  }
}
