package io.fallback.core.loop;

import static io.fallback.core.internal.Listeners.notifySafely;

import io.fallback.core.BatchProcessor;
import io.fallback.core.BatchSource;
import io.fallback.core.Checkpoint;
import io.fallback.core.FallbackListener;
import io.fallback.core.FallbackListener.Stage;
import io.fallback.core.PartitionListener;
import io.fallback.core.Sink;
import io.fallback.core.window.Reading;
import io.fallback.core.window.WindowResult;
import io.fallback.core.window.WindowStage;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fallback's processing loop: poll, window, process, write, commit.
 *
 * <p>A batch is handed over by the source as soon as it is full or its batch timeout has passed
 * since its first record; the loop polls with a bound ({@link BatchSource#poll(Duration)}) so that
 * positions are committed within one commit interval of the write that allowed them, never waiting
 * for the next batch to fill.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>Positions are committed only when every window fired before them has been written by the
 *       sink (and every late record dead-lettered): a failing processor or sink leaves the batch
 *       uncommitted.
 *   <li>A failed batch is held and retried with the same completed windows (never re-added
 *       records), with a doubling backoff, while the source keeps its session alive ({@link
 *       BatchSource#hold}). A batch that was processed but not written is re-written without
 *       processing it again.
 *   <li>{@link #requestStop()} lets the call in flight finish; a batch that got written is
 *       committed, a batch still failing is abandoned uncommitted, so a restart reads it again.
 * </ul>
 *
 * <p>With {@link LoopSettings#pipelineDepth()} {@code >= 1} the stages overlap: the processor (the
 * model calls) runs on a stage thread the loop owns, one batch at a time and in batch order, while
 * the loop thread reads and windows the next batches and writes and commits the processed ones, at
 * most that many batches in between. The sink is called and positions are committed on the loop
 * thread as in the serial loop; a failing batch still holds everything behind it (see {@code
 * PipelinedRun}). The listener is called from the loop thread in both forms.
 *
 * <p>{@link #run()} runs on one thread (the loop thread) until stopped; {@link #requestStop()} may
 * be called from any thread. A loop instance runs once.
 *
 * @param <O> the output type
 */
public final class FallbackLoop<O> implements Runnable {

  /**
   * The shortest wait of a poll: a poll of 0 ms would spin while a commit is due but not possible.
   */
  private static final long MIN_POLL_WAIT_MILLIS = 10;

  private final BatchSource<Reading> source;
  private final WindowStage stage;
  private final BatchProcessor<WindowResult, O> processor;
  private final Sink<O> sink;
  private final FallbackListener listener;
  private final InstantSource clock;
  private final LoopSettings settings;

  private final Executor stageExecutor;
  private final BatchReader reader;
  private PipelinedRun<O> pipeline;

  private volatile boolean stopRequested;
  private boolean ran;

  // loop-thread state
  private List<WindowResult> heldWindows;
  private List<O> heldOutputs;

  /** Partitions revoked or assigned since the held windows were read (serial loop). */
  private final Set<Integer> changedSinceRead = new HashSet<>();

  private int attempt;
  private boolean dirty;
  private long lastCommitMillis = Long.MIN_VALUE;

  /**
   * Creates a loop.
   *
   * @param source where records come from
   * @param stage the windowing stage (fresh per loop)
   * @param processor turns completed windows into outputs
   * @param sink writes outputs
   * @param listener receives events
   * @param clock the time source (the only one)
   * @param settings commit interval and backoff
   */
  public FallbackLoop(
      BatchSource<Reading> source,
      WindowStage stage,
      BatchProcessor<WindowResult, O> processor,
      Sink<O> sink,
      FallbackListener listener,
      InstantSource clock,
      LoopSettings settings) {
    this(source, stage, processor, sink, listener, clock, settings, null);
  }

  /**
   * A loop whose pipeline stages run on {@code stageExecutor} (tests pass one that runs tasks at
   * chosen points); null for the loop's own threads.
   */
  FallbackLoop(
      BatchSource<Reading> source,
      WindowStage stage,
      BatchProcessor<WindowResult, O> processor,
      Sink<O> sink,
      FallbackListener listener,
      InstantSource clock,
      LoopSettings settings,
      Executor stageExecutor) {
    this.stageExecutor = stageExecutor;
    this.source = Objects.requireNonNull(source, "source");
    this.stage = Objects.requireNonNull(stage, "stage");
    this.processor = Objects.requireNonNull(processor, "processor");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.reader = new BatchReader(source, stage, listener, clock, settings);
  }

  /** Asks the loop to stop after the call in flight. Thread-safe, idempotent. */
  public void requestStop() {
    stopRequested = true;
    source.wakeup();
  }

  /**
   * Whether {@link #requestStop()} was called.
   *
   * @return true once a stop was requested
   */
  public boolean stopRequested() {
    return stopRequested;
  }

  /**
   * Runs until {@link #requestStop()}, then commits what was written and closes the source.
   *
   * @throws IllegalStateException if called twice
   */
  @Override
  public void run() {
    synchronized (this) {
      if (ran) {
        throw new IllegalStateException("a FallbackLoop runs once");
      }
      ran = true;
    }
    ExecutorService owned = null;
    try {
      if (settings.pipelineDepth() > 0) {
        Executor executor = stageExecutor;
        if (executor == null) {
          // one batch processing at a time
          owned = Executors.newSingleThreadExecutor(stageThreads());
          executor = owned;
        }
        pipeline =
            new PipelinedRun<>(
                source,
                stage,
                processor,
                sink,
                listener,
                clock,
                settings,
                executor,
                () -> stopRequested);
      }
      if (open()) {
        if (pipeline != null) {
          pipeline.run();
        } else {
          while (!stopRequested) {
            step();
          }
          if (heldWindows == null) {
            commit(true);
          }
        }
      }
    } finally {
      if (owned != null) {
        // the attempts in flight finished in pipeline.run(); after an error, stop what is left
        owned.shutdownNow();
      }
      source.close();
    }
  }

  private static ThreadFactory stageThreads() {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "fallback-stage-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Opens the source, retrying until it opens or a stop is requested. */
  private boolean open() {
    PartitionListener partitions =
        new PartitionListener() {
          @Override
          public void assigned(int partition, Optional<Checkpoint> restored) {
            stage.assigned(partition, restored);
            if (pipeline != null) {
              pipeline.partitionChanged(partition);
            } else {
              changedSinceRead.add(partition);
            }
          }

          @Override
          public void revoked(int partition) {
            // what was written of it is committed first: its next reader starts after it
            if (pipeline != null) {
              pipeline.commitRevoked(partition);
            } else {
              commitRevoked(partition);
            }
            stage.revoked(partition);
            if (pipeline != null) {
              pipeline.partitionChanged(partition);
            } else {
              changedSinceRead.add(partition);
            }
          }

          @Override
          public void alreadyWritten(
              java.util.Set<io.fallback.core.PrimaryProgress.WindowId> windows) {
            stage.skipWindows(windows);
          }
        };
    int failures = 0;
    while (!stopRequested) {
      try {
        source.open(partitions);
        return true;
      } catch (RuntimeException e) {
        failures++;
        Duration wait = settings.backoff(failures);
        int n = failures;
        notifySafely(() -> listener.batchFailed(Stage.OPEN, e, n, wait));
        source.hold(wait);
      }
    }
    return false;
  }

  /** One iteration: retry the held batch, or poll and window a new one; then maybe commit. */
  void step() {
    if (heldWindows != null) {
      if (!completeHeld()) {
        source.hold(settings.backoff(attempt));
        return;
      }
    } else {
      pollAndWindow();
      if (heldWindows != null && !completeHeld()) {
        source.hold(settings.backoff(attempt));
        return;
      }
    }
    commit(false);
  }

  private void pollAndWindow() {
    if (!reader.read(clock.millis(), pollWait(clock.millis()))) {
      return;
    }
    // partitions assigned or revoked during that poll do not concern what it returned
    changedSinceRead.clear();
    dirty = true;
    List<WindowResult> fired = stage.drainFired();
    if (!fired.isEmpty()) {
      heldWindows = fired;
      heldOutputs = null;
    }
  }

  /**
   * How long the next poll may block: while positions wait to be committed, until the commit is
   * due, so that a commit never waits for a batch to fill; otherwise one commit interval (a poll
   * returns as soon as a batch is ready, so this only bounds an idle wait).
   */
  private Duration pollWait(long now) {
    long interval = settings.commitInterval().toMillis();
    if (!dirty || lastCommitMillis == Long.MIN_VALUE) {
      return Duration.ofMillis(Math.max(interval, MIN_POLL_WAIT_MILLIS));
    }
    long due = lastCommitMillis + interval - now;
    return Duration.ofMillis(Math.max(due, MIN_POLL_WAIT_MILLIS));
  }

  /** Processes (once) and writes the held windows; true when written. */
  private boolean completeHeld() {
    dropRevoked();
    if (heldOutputs == null && heldWindows.isEmpty()) {
      heldOutputs = List.of();
    }
    if (heldOutputs == null) {
      long t0 = clock.millis();
      try {
        heldOutputs = processor.process(heldWindows);
      } catch (RuntimeException e) {
        return failed(Stage.PROCESS, e);
      }
      int windows = heldWindows.size();
      int outputs = heldOutputs.size();
      Duration took = Duration.ofMillis(clock.millis() - t0);
      notifySafely(() -> listener.batchProcessed(windows, outputs, took));
    }
    if (!heldOutputs.isEmpty()) {
      long t0 = clock.millis();
      try {
        sink.write(heldOutputs);
      } catch (RuntimeException e) {
        return failed(Stage.WRITE, e);
      }
      int outputs = heldOutputs.size();
      Duration took = Duration.ofMillis(clock.millis() - t0);
      notifySafely(() -> listener.batchWritten(outputs, took));
    }
    heldWindows = null;
    heldOutputs = null;
    attempt = 0;
    dirty = true;
    return true;
  }

  /**
   * Drops the held windows of partitions revoked (or assigned again) since they were read: whoever
   * reads such a partition next starts from its committed offset and writes them. The rest is
   * processed again if it was processed already.
   */
  private void dropRevoked() {
    if (changedSinceRead.isEmpty()) {
      return;
    }
    List<WindowResult> kept = new ArrayList<>(heldWindows.size());
    for (WindowResult w : heldWindows) {
      if (!changedSinceRead.contains(w.partition())) {
        kept.add(w);
      }
    }
    if (kept.size() < heldWindows.size()) {
      heldWindows = kept;
      heldOutputs = null;
    }
  }

  private boolean failed(Stage stage, RuntimeException e) {
    attempt++;
    int n = attempt;
    Duration wait = settings.backoff(n);
    notifySafely(() -> listener.batchFailed(stage, e, n, wait));
    return false;
  }

  /**
   * Commits a partition about to be revoked, when nothing is held: the stage's checkpoint of it
   * covers only written windows then. Called in the source's rebalance callback, on the loop
   * thread.
   */
  private void commitRevoked(int partition) {
    if (!dirty || heldWindows != null) {
      return;
    }
    Checkpoint checkpoint = stage.checkpoints().get(partition);
    if (checkpoint == null) {
      return;
    }
    Commits.commit(source, Map.of(partition, checkpoint), listener, settings);
  }

  /** Commits when something changed, nothing is held, and the interval has passed (or forced). */
  private void commit(boolean force) {
    if (!dirty || heldWindows != null) {
      return;
    }
    long now = clock.millis();
    if (!force
        && lastCommitMillis != Long.MIN_VALUE
        && now - lastCommitMillis < settings.commitInterval().toMillis()) {
      return;
    }
    Map<Integer, Checkpoint> checkpoints = stage.checkpoints();
    if (checkpoints.isEmpty()) {
      dirty = false; // no partition to commit for; new records make it dirty again
      return;
    }
    lastCommitMillis = now;
    if (Commits.commit(source, checkpoints, listener, settings)) {
      dirty = false;
    }
  }
}
