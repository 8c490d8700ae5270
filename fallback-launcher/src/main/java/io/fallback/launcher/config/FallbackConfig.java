package io.fallback.launcher.config;

import io.fallback.core.mode.ModePolicy;
import io.fallback.core.window.WindowSpec;
import io.fallback.http.ModelServiceSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The validated configuration: every key of {@link Keys#ALL} with its parsed value or its default.
 * Immutable and thread-safe. Secrets are not held here, only where to find them.
 */
public final class FallbackConfig {

  private final Map<String, Object> values;
  private final List<String> warnings;

  FallbackConfig(Map<String, Object> values, List<String> warnings) {
    this.values = Map.copyOf(values);
    this.warnings = List.copyOf(warnings);
  }

  /**
   * Warnings found while loading (seed keys that are ignored, a zero threshold), one line each.
   *
   * @return the warnings
   */
  public List<String> warnings() {
    return warnings;
  }

  private Object raw(Key key) {
    return values.get(key.path());
  }

  /**
   * A text value.
   *
   * @param key the key
   * @return the value, or empty when absent and without default
   */
  public Optional<String> string(Key key) {
    return Optional.ofNullable((String) raw(key));
  }

  /**
   * An integer value (every integer key has a default).
   *
   * @param key the key
   * @return the value
   */
  public int integer(Key key) {
    return (Integer) Objects.requireNonNull(raw(key), key.path());
  }

  /**
   * A duration given in seconds.
   *
   * @param key the key
   * @return the value
   */
  public Duration seconds(Key key) {
    return (Duration) Objects.requireNonNull(raw(key), key.path());
  }

  /**
   * A boolean value.
   *
   * @param key the key
   * @return the value
   */
  public boolean bool(Key key) {
    return (Boolean) Objects.requireNonNull(raw(key), key.path());
  }

  /**
   * A size in bytes.
   *
   * @param key the key
   * @return the value
   */
  public long bytes(Key key) {
    return (Long) Objects.requireNonNull(raw(key), key.path());
  }

  /**
   * A file.
   *
   * @param key the key
   * @return the path, if set
   */
  public Optional<Path> file(Key key) {
    return Optional.ofNullable((Path) raw(key));
  }

  /**
   * A list value.
   *
   * @param key the key
   * @return the list
   */
  @SuppressWarnings("unchecked")
  public List<String> list(Key key) {
    return (List<String>) Objects.requireNonNull(raw(key), key.path());
  }

  /**
   * A map value.
   *
   * @param key the key
   * @return the map
   */
  @SuppressWarnings("unchecked")
  public Map<String, String> map(Key key) {
    return (Map<String, String>) Objects.requireNonNull(raw(key), key.path());
  }

  /**
   * The mode rules.
   *
   * @return the policy
   */
  public ModePolicy policy() {
    return new ModePolicy(
        seconds(Keys.THRESHOLD),
        integer(Keys.VIOLATIONS),
        seconds(Keys.RESUME),
        integer(Keys.RECOVERIES),
        seconds(Keys.MIN_FALLBACK));
  }

  /**
   * The windows.
   *
   * @return the window spec
   */
  public WindowSpec windowSpec() {
    return new WindowSpec(seconds(Keys.WINDOW), seconds(Keys.OUT_OF_ORDER), list(Keys.FIELDS));
  }

  /**
   * How to call and check the model service ({@code ml_service.*}).
   *
   * @return the settings
   * @throws IllegalArgumentException naming the key of a value the model client refuses (the loader
   *     has already checked every value, so this does not happen for a loaded configuration)
   */
  public ModelServiceSettings modelServiceSettings() {
    return ModelServiceSettings.builder(URI.create(string(Keys.ML_ENDPOINT).orElseThrow()))
        .healthEndpoint(string(Keys.ML_HEALTH).orElse(null))
        .timeout(seconds(Keys.ML_TIMEOUT))
        .retryAttempts(integer(Keys.ML_RETRIES))
        .maxConcurrency(integer(Keys.ML_CONCURRENCY))
        .circuitBreaker(integer(Keys.ML_BREAKER_FAILURES), seconds(Keys.ML_BREAKER_OPEN))
        .queryParameters(map(Keys.ML_QUERY))
        .build();
  }

  /**
   * The dead-letter topic, {@code <topic>.dlq} unless set.
   *
   * @return the topic
   */
  public String dlqTopic() {
    return string(Keys.DLQ_TOPIC).orElse(string(Keys.KAFKA_TOPIC).orElseThrow() + ".dlq");
  }

  /**
   * The bound on bytes of records held in memory: n_workers x memory_limit.
   *
   * @return bytes
   */
  public long memoryBound() {
    return integer(Keys.DASK_WORKERS) * bytes(Keys.DASK_MEMORY);
  }

  /**
   * The processing pool size: n_workers x threads_per_worker.
   *
   * @return threads
   */
  public int workerThreads() {
    return integer(Keys.DASK_WORKERS) * integer(Keys.DASK_THREADS);
  }
}
