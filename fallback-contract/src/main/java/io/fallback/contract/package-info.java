/**
 * The contract kit for adapter authors: abstract JUnit 5 test classes, one per extension point of
 * {@code fallback-core}, that an implementation's test extends by supplying a small factory.
 *
 * <ul>
 *   <li>{@link io.fallback.contract.SinkContract}: {@code write} returns only after the write is
 *       durable, throws on any failure, and accepts the same outputs again without a second copy.
 *   <li>{@link io.fallback.contract.BatchSourceContract}: commit then restart resumes at the
 *       commit, not before and not after; {@code hold} keeps the partitions and loses nothing;
 *       {@code close} commits nothing unwritten.
 *   <li>{@link io.fallback.contract.LatencySourceContract}: no reading is "no evidence" (empty or
 *       an exception), never a made-up value, within a bounded time.
 *   <li>{@link io.fallback.contract.HealthProbeContract}: an unreachable or a silent primary is
 *       UNHEALTHY with a reason, within a bounded time.
 *   <li>{@link io.fallback.contract.BatchProcessorContract}: all or nothing, never an invented
 *       output.
 * </ul>
 *
 * <p>Add {@code io.fallback:fallback-contract} in {@code test} scope, extend the class, and run it
 * against the real system the adapter talks to, the way Micrometer's registries extend its {@code
 * MeterRegistryCompatibilityKit}. The project's own adapters do exactly that.
 */
package io.fallback.contract;
