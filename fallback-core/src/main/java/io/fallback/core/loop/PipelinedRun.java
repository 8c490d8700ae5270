package io.fallback.core.loop;

import static io.fallback.core.internal.Listeners.notifySafely;

import io.fallback.core.BatchProcessor;
import io.fallback.core.BatchSource;
import io.fallback.core.Checkpoint;
import io.fallback.core.FallbackListener;
import io.fallback.core.FallbackListener.Stage;
import io.fallback.core.Sink;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowStage;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;

/**
 * The pipelined form of {@link FallbackLoop}'s run ({@link LoopSettings#pipelineDepth()} {@code >=
 * 1}): the model calls of one batch overlap the reading, windowing and writing of the others.
 *
 * <pre>
 * loop thread:   poll → window → snapshot ─┐                 ┌→ write (head batch) → commit
 *                                          ▼                 │
 * stage thread:                  process (one batch at a time, in order)
 * </pre>
 *
 * <p>The processor runs on a stage thread; everything else stays on the loop thread, so the sink is
 * called and positions are committed exactly as in the serial loop: right after a successful write,
 * on the same thread. A processing attempt that succeeds starts the next batch's processing itself
 * (the model service never waits for the loop thread to come back from a poll); a failed attempt is
 * retried by the loop thread after its backoff, waiting in {@link BatchSource#hold}, which keeps
 * the source alive and returns early when the stage thread wakes it. The guarantees of the serial
 * loop hold because:
 *
 * <ul>
 *   <li>each batch carries the checkpoints {@link WindowStage#checkpoints()} gave right after its
 *       records were windowed, valid once its windows and all earlier ones are written; batches are
 *       written one at a time, in order, and only the snapshot of the newest batch written (with
 *       every batch before it) is committed;
 *   <li>a failed attempt holds its batch for a doubling backoff and stops reading: the batches
 *       behind it wait (a held batch holds everything behind it); a processed batch is not
 *       processed again;
 *   <li>at most {@code depth} batches are between reading and writing (bounded memory; the loop
 *       waits in {@link BatchSource#hold} when the pipeline is full);
 *   <li>a partition revoked (or assigned again) after a snapshot is left out of that snapshot's
 *       commit: whoever reads it next starts from its last committed position.
 * </ul>
 *
 * <p>On stop, a processing attempt in flight finishes, batches processed by then are written, and
 * the newest written snapshot is committed; the rest is abandoned uncommitted. Listener events are
 * sent from the loop thread only. Used by the loop thread; the stage thread goes through the lock.
 *
 * @param <O> the output type
 */
final class PipelinedRun<O> {

  private static final long MIN_WAIT_MILLIS = 1;

  /** How long a poll may wait while batches are in flight, so that results are applied soon. */
  private static final long IN_FLIGHT_POLL_MILLIS = 5;

  private enum State {
    /** Windowed, waiting to be processed (or to be retried). */
    READ,
    PROCESSING,
    /** Processed, waiting for its turn to be written (or to be retried). */
    PROCESSED,
    WRITTEN
  }

  /** A batch between reading and writing; its mutable fields are guarded by the run's lock. */
  private final class Batch {
    List<WindowResult> windows;
    final Map<Integer, Checkpoint> checkpoints;
    final Map<Integer, Long> generations;
    State state;
    List<O> outputs;
    int failures;
    long retryAtMillis = Long.MIN_VALUE;

    Batch(List<WindowResult> windows, Map<Integer, Checkpoint> checkpoints) {
      this.windows = windows;
      this.checkpoints = checkpoints;
      this.generations = new HashMap<>(generation);
      this.state = windows.isEmpty() ? State.WRITTEN : State.READ;
    }
  }

  private final BatchSource<Reading> source;
  private final WindowStage stage;
  private final BatchProcessor<WindowResult, O> processor;
  private final Sink<O> sink;
  private final FallbackListener listener;
  private final InstantSource clock;
  private final LoopSettings settings;
  private final Executor executor;
  private final BooleanSupplier stopRequested;
  private final BatchReader reader;

  /** Listener calls from the stage task, made by the loop thread. */
  private final ConcurrentLinkedQueue<Runnable> notices = new ConcurrentLinkedQueue<>();

  private volatile boolean waiting;

  // guarded by this: the batches between reading and writing, and the attempts in flight
  private final ArrayDeque<Batch> batches = new ArrayDeque<>();
  private int inFlight;
  private boolean stopping;
  private Throwable fatal;

  // loop-thread state
  private final Map<Integer, Long> generation = new HashMap<>();
  private long generations;
  private Map<Integer, Checkpoint> written;
  private Map<Integer, Long> writtenGenerations;
  private boolean dirty;
  private long lastCommitMillis = Long.MIN_VALUE;

  PipelinedRun(
      BatchSource<Reading> source,
      WindowStage stage,
      BatchProcessor<WindowResult, O> processor,
      Sink<O> sink,
      FallbackListener listener,
      InstantSource clock,
      LoopSettings settings,
      Executor executor,
      BooleanSupplier stopRequested) {
    this.source = source;
    this.stage = stage;
    this.processor = processor;
    this.sink = sink;
    this.listener = listener;
    this.clock = clock;
    this.settings = settings;
    this.executor = executor;
    this.stopRequested = stopRequested;
    this.reader = new BatchReader(source, stage, listener, clock, settings);
  }

  /**
   * Commits what was written of a partition about to be revoked (the newest written snapshot's
   * checkpoint of it, if taken under the current assignment), so that its next reader starts after
   * it instead of writing those windows again. Called in the source's rebalance callback, on the
   * loop thread.
   */
  void commitRevoked(int partition) {
    if (written == null
        || !written.containsKey(partition)
        || !Objects.equals(writtenGenerations.get(partition), generation.get(partition))) {
      return;
    }
    Commits.commit(source, Map.of(partition, written.get(partition)), listener, settings);
  }

  /** A partition was assigned or revoked: snapshots taken before no longer commit it. */
  void partitionChanged(int partition) {
    generation.put(partition, ++generations);
  }

  /** Runs until a stop is requested, then lets a processing attempt finish, writes and commits. */
  void run() {
    while (!stopRequested.getAsBoolean()) {
      step();
    }
    synchronized (this) {
      stopping = true;
    }
    while (inFlight() > 0) {
      if (!applyResults()) {
        await(Duration.ofMillis(100));
      }
    }
    applyResults();
    writeReady(clock.millis(), true);
    commit(true);
  }

  /** One iteration: apply results, write what is ready, read one batch or wait, maybe commit. */
  void step() {
    applyResults();
    long now = clock.millis();
    writeReady(now, false);
    commit(false);
    boolean read;
    long wait;
    synchronized (this) {
      dispatch(now);
      read = !holding() && batches.size() < settings.pipelineDepth();
      wait = read ? 0 : Math.min(commitDueIn(now), nextRetry() - now);
    }
    if (read) {
      pollAndWindow(now);
    } else if (!writable(now)) {
      // full, or holding a failed batch: wait for the stage thread, the next retry or the next
      // commit
      await(Duration.ofMillis(Math.max(wait, MIN_WAIT_MILLIS)));
    }
  }

  /**
   * Starts processing the oldest read batch when none is processing (and its backoff, if it failed,
   * has passed). One call at a time, in batch order, so a processor that is not thread-safe needs
   * nothing more: each call happens-after the previous one, through this object's lock. Called by
   * the loop thread and, when an attempt succeeds, by the stage task itself.
   */
  private void dispatch(long now) {
    if (stopping) {
      return;
    }
    for (Batch b : batches) {
      if (b.state == State.PROCESSING) {
        return;
      }
      if (b.state == State.READ) {
        if (b.failures == 0 || b.retryAtMillis <= now) {
          b.state = State.PROCESSING;
          submit(b);
        }
        return;
      }
    }
  }

  /**
   * Drops from a processed batch the windows of partitions revoked (or assigned again) since it was
   * read: whoever reads such a partition next starts from its committed offset and writes them, so
   * writing them here would write them twice. The rest of the batch is processed again (a rebalance
   * is rare; outputs cannot be told apart by partition). Loop thread, lock held.
   *
   * @return true when windows were dropped (the batch is to be processed again, or is empty)
   */
  private boolean dropRevoked(Batch b) {
    List<WindowResult> kept = null;
    for (int i = 0; i < b.windows.size(); i++) {
      WindowResult w = b.windows.get(i);
      boolean changed =
          w.partition() != WindowResult.UNKNOWN_PARTITION
              && !Objects.equals(b.generations.get(w.partition()), generation.get(w.partition()));
      if (changed && kept == null) {
        kept = new ArrayList<>(b.windows.subList(0, i));
      } else if (!changed && kept != null) {
        kept.add(w);
      }
    }
    if (kept == null) {
      return false;
    }
    b.windows = kept;
    b.outputs = null;
    b.failures = 0;
    b.state = kept.isEmpty() ? State.WRITTEN : State.READ;
    dispatch(clock.millis());
    return true;
  }

  /** Whether the head batch is processed and due to be written. */
  private synchronized boolean writable(long now) {
    Batch head = batches.peekFirst();
    return head != null
        && head.state == State.PROCESSED
        && (head.failures == 0 || head.retryAtMillis <= now);
  }

  /**
   * Writes the processed batches at the head, in order, on the loop thread, and takes the newest
   * written snapshot; stops at the first batch not processed, not due or failing.
   */
  private void writeReady(long now, boolean stopping) {
    while (true) {
      Batch b;
      synchronized (this) {
        popWritten();
        b = batches.peekFirst();
        if (b == null
            || b.state != State.PROCESSED
            || (b.failures > 0 && b.retryAtMillis > now && !stopping)) {
          return;
        }
        if (dropRevoked(b)) {
          continue;
        }
      }
      if (b.failures > 0 && stopping) {
        return; // a batch still failing is abandoned on stop, as in the serial loop
      }
      long t0 = clock.millis();
      try {
        if (!b.outputs.isEmpty()) {
          sink.write(b.outputs);
        }
      } catch (RuntimeException e) {
        int n;
        Duration wait;
        synchronized (this) {
          b.failures++;
          n = b.failures;
          wait = settings.backoff(n);
          b.retryAtMillis = clock.millis() + wait.toMillis();
        }
        notifySafely(() -> listener.batchFailed(Stage.WRITE, e, n, wait));
        return;
      }
      int outputs = b.outputs.size();
      if (outputs > 0) {
        Duration took = Duration.ofMillis(clock.millis() - t0);
        notifySafely(() -> listener.batchWritten(outputs, took));
      }
      synchronized (this) {
        b.failures = 0;
        b.state = State.WRITTEN;
        popWritten();
      }
      commit(false);
    }
  }

  /** Whether a batch has failed and not yet succeeded since: then nothing new is read. */
  private boolean holding() {
    for (Batch b : batches) {
      if (b.failures > 0) {
        return true;
      }
    }
    return false;
  }

  /** The earliest retry of a failed batch waiting for its backoff, or {@code Long.MAX_VALUE}. */
  private long nextRetry() {
    long next = Long.MAX_VALUE;
    for (Batch b : batches) {
      if (b.failures > 0 && (b.state == State.READ || b.state == State.PROCESSED)) {
        next = Math.min(next, b.retryAtMillis);
      }
    }
    return next;
  }

  private synchronized int inFlight() {
    return inFlight;
  }

  private void submit(Batch b) {
    inFlight++;
    try {
      executor.execute(() -> process(b));
    } catch (RejectedExecutionException e) {
      inFlight--;
      b.state = State.READ;
      throw new IllegalStateException("the loop's stage executor rejected a task", e);
    }
  }

  /** The stage task: one processing attempt; its outcome applied at once, its event sent later. */
  private void process(Batch b) {
    long t0 = clock.millis();
    List<O> outputs = null;
    Throwable error = null;
    try {
      outputs = processor.process(b.windows);
    } catch (Throwable t) {
      // a RuntimeException holds the batch for a retry; anything else ends the loop (rethrown on
      // the loop thread)
      error = t;
    }
    Duration took = Duration.ofMillis(clock.millis() - t0);
    Runnable notice;
    synchronized (this) {
      inFlight--;
      notice = processed(b, outputs, error, took);
    }
    notices.add(notice);
    if (waiting) {
      source.wakeup();
    }
  }

  /** Applies a processing attempt's outcome (under the lock); returns the listener call to make. */
  private Runnable processed(Batch b, List<O> outputs, Throwable error, Duration took) {
    if (error != null) {
      if (!(error instanceof RuntimeException e)) {
        fatal = error;
        return () -> {};
      }
      b.state = State.READ;
      b.failures++;
      int n = b.failures;
      Duration wait = settings.backoff(n);
      b.retryAtMillis = clock.millis() + wait.toMillis();
      return () -> listener.batchFailed(Stage.PROCESS, e, n, wait);
    }
    b.failures = 0;
    b.outputs = outputs;
    b.state = State.PROCESSED;
    int windows = b.windows.size();
    int n = outputs.size();
    dispatch(clock.millis());
    return () -> listener.batchProcessed(windows, n, took);
  }

  /**
   * On the loop thread: sends the stage task's events to the listener, rethrows an error that ended
   * a task, and takes the newest written snapshot. True if there was anything new.
   */
  private boolean applyResults() {
    boolean any = false;
    for (Runnable notice = notices.poll(); notice != null; notice = notices.poll()) {
      any = true;
      notifySafely(notice);
    }
    synchronized (this) {
      if (fatal != null) {
        throw sneaky(fatal);
      }
      popWritten();
    }
    return any;
  }

  /** Takes the written batches off the head (under the lock); the newest one's snapshot commits. */
  private void popWritten() {
    while (!batches.isEmpty() && batches.peekFirst().state == State.WRITTEN) {
      Batch b = batches.pollFirst();
      written = b.checkpoints;
      writtenGenerations = b.generations;
      dirty = true;
    }
  }

  private void await(Duration wait) {
    waiting = true;
    try {
      if (notices.isEmpty()) {
        source.hold(wait);
      }
    } finally {
      waiting = false;
    }
  }

  private void pollAndWindow(long t0) {
    if (!reader.read(t0, pollWait(t0))) {
      return;
    }
    Batch batch = new Batch(stage.drainFired(), stage.checkpoints());
    synchronized (this) {
      batches.addLast(batch);
      dispatch(clock.millis());
      popWritten(); // a batch without windows is written as soon as those before it are
    }
  }

  /**
   * How long the next poll may block: briefly while batches are in flight (their results are
   * applied between polls), else until the next commit is due, else one commit interval.
   */
  private Duration pollWait(long now) {
    long wait = commitDueIn(now);
    synchronized (this) {
      if (!batches.isEmpty()) {
        wait = Math.min(wait, IN_FLIGHT_POLL_MILLIS);
      }
    }
    return Duration.ofMillis(Math.max(wait, MIN_WAIT_MILLIS));
  }

  private long commitDueIn(long now) {
    long interval = Math.max(settings.commitInterval().toMillis(), 10);
    if (!dirty || lastCommitMillis == Long.MIN_VALUE) {
      return interval;
    }
    return Math.max(lastCommitMillis + settings.commitInterval().toMillis() - now, 10);
  }

  /**
   * Commits the newest written snapshot when it changed and the interval has passed (or forced).
   */
  private void commit(boolean force) {
    if (!dirty) {
      return;
    }
    long now = clock.millis();
    if (!force
        && lastCommitMillis != Long.MIN_VALUE
        && now - lastCommitMillis < settings.commitInterval().toMillis()) {
      return;
    }
    Map<Integer, Checkpoint> checkpoints = new HashMap<>();
    written.forEach(
        (partition, checkpoint) -> {
          if (Objects.equals(writtenGenerations.get(partition), generation.get(partition))) {
            checkpoints.put(partition, checkpoint);
          }
        });
    if (checkpoints.isEmpty()) {
      dirty = false;
      return;
    }
    lastCommitMillis = now;
    if (Commits.commit(source, checkpoints, listener, settings)) {
      dirty = false;
    }
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
    throw (T) t;
  }
}
