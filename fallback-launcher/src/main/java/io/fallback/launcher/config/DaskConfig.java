package io.fallback.launcher.config;

/**
 * The {@code dask} section: kept for the seed; it bounds memory and sizes no thread pool. Immutable
 * and thread-safe.
 *
 * @param nWorkers {@code dask.n_workers}
 * @param threadsPerWorker {@code dask.threads_per_worker}
 * @param memoryLimit {@code dask.memory_limit}, bytes per worker
 */
public record DaskConfig(int nWorkers, int threadsPerWorker, long memoryLimit) {

  static DaskConfig from(Values v) {
    return new DaskConfig(
        v.integer(Keys.DASK_WORKERS), v.integer(Keys.DASK_THREADS), v.bytes(Keys.DASK_MEMORY));
  }

  /**
   * The bound on bytes of records held in memory: n_workers x memory_limit.
   *
   * @return bytes
   */
  public long memoryBound() {
    return nWorkers * memoryLimit;
  }
}
