package io.fallback.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server of this kit run as a child process on fixed 127.0.0.1 ports, with its data in a
 * temporary directory: the ports and the directory stay the same across {@link #stop()}, {@link
 * #kill()} and {@link #restart()}, so clients can reconnect to the same address. The process's
 * output is appended to {@link #logFile()}; {@link #close()} stops the process and deletes the
 * directory, and a JVM shutdown hook ({@link ChildProcesses}) does both for servers never closed.
 *
 * <p>A subclass {@linkplain #prepare() chooses the ports and writes its configuration}, names the
 * {@linkplain #command() command} and {@linkplain #awaitReady says when the process is ready}. Only
 * if the very first launch fails (another process may have bound a port found free in between) are
 * new ports prepared and the launch tried again, before the server ever served a client.
 *
 * <p>This class is thread-safe: life-cycle methods are synchronized on the server.
 */
abstract class ChildProcessServer extends TestServer {

  private static final int FIRST_START_ATTEMPTS = 3;

  private final Logger log = LoggerFactory.getLogger(getClass());
  private final Path directory;
  private final Duration startupTimeout;
  private final Duration stopGrace;
  private Path logFile;
  private Process process;
  private boolean everStarted;
  private Duration lastStartupTime = Duration.ZERO;

  /**
   * @param kind what the server is, the first words of its messages, e.g. {@code influxd}
   * @param directory the temporary data directory, deleted on close
   * @param startupTimeout how long a launch may take until the process is ready
   * @param stopGrace how long {@link #stop()} waits after SIGTERM before SIGKILL
   */
  protected ChildProcessServer(
      String kind, Path directory, Duration startupTimeout, Duration stopGrace) {
    super(kind);
    this.directory = directory;
    this.startupTimeout = startupTimeout;
    this.stopGrace = stopGrace;
  }

  /**
   * Chooses free ports, calls {@link #logTo} and writes what the process needs to start on them
   * into {@link #dataDirectory()}. Subclasses call it before the first {@link #launch()}; {@code
   * launch()} calls it again when that first launch fails.
   *
   * @throws TestServerException if the preparation fails
   */
  protected abstract void prepare();

  /**
   * @return the command line that starts the server process, run in {@link #dataDirectory()}
   */
  protected abstract List<String> command();

  /**
   * Returns once the process serves clients, typically through {@link #pollUntil}.
   *
   * @param child the process just started
   * @param deadlineNanos the {@link System#nanoTime()} by which it must be ready
   * @throws TestServerException if the process exits or the deadline passes first
   */
  protected abstract void awaitReady(Process child, long deadlineNanos);

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + address() + ", running=" + isRunning() + "]";
  }

  /**
   * @return the log file of the server process (appended across restarts)
   */
  public synchronized Path logFile() {
    return logFile;
  }

  /**
   * @return the temporary directory holding the server's configuration and data
   */
  public Path dataDirectory() {
    return directory;
  }

  /**
   * @return how long the last (re)start took from launching the process to a ready server
   */
  public synchronized Duration lastStartupTime() {
    return lastStartupTime;
  }

  /**
   * @return true if the process is alive (it may still be starting or stopping)
   */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * @return the PID of the running process
   * @throws IllegalStateException if it is not running
   */
  public synchronized long pid() {
    if (process == null) {
      throw new IllegalStateException(description() + " is not running");
    }
    return process.pid();
  }

  /**
   * Starts the server again on the same ports and data directory, after {@link #stop()} or {@link
   * #kill()}. If it is running, it is stopped first (a real restart).
   *
   * @throws IllegalStateException if the server was closed
   * @throws TestServerException if it does not become ready in time
   */
  public synchronized void restart() {
    requireOpen();
    if (isRunning()) {
      stop();
    }
    launch();
  }

  /**
   * Stops the process by PID: SIGTERM (a graceful shutdown), then SIGKILL if it has not exited
   * within the grace period of the server. The data is kept; {@link #restart()} brings the server
   * back. Does nothing if it is not running.
   */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    boolean graceful = ChildProcesses.terminate(process.toHandle(), stopGrace);
    log.info("{} stopped ({})", description(), graceful ? "SIGTERM" : "killed after grace");
    process = null;
  }

  /**
   * Kills the process at once (SIGKILL, {@code Process.destroyForcibly()}) and waits for it to be
   * gone: unflushed data may be lost, as on a crash. Does nothing if it is not running.
   */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    ChildProcesses.kill(process.toHandle());
    log.info("{} killed (SIGKILL)", description());
    process = null;
  }

  /** Stops the process ({@link #stopForClose()}) and deletes the data directory. */
  @Override
  protected final void shutDown() {
    try {
      stopForClose();
    } finally {
      ChildProcesses.deleteRecursively(directory);
    }
  }

  /**
   * How {@link #close()} ends a running process before the directory is deleted: {@link #stop()}.
   */
  protected void stopForClose() {
    stop();
  }

  /**
   * Sets the log file, in the kit's log directory ({@code target/} of the module under test).
   *
   * @param fileName the file name, e.g. {@code influxd-40123.log}
   */
  protected final synchronized void logTo(String fileName) {
    logFile = TestkitPaths.logDirectory().resolve(fileName);
  }

  /**
   * Launches the process and waits until it is ready. Only while the server has never started, a
   * failed launch is retried after {@link #prepare()} chose new ports, up to 3 attempts in all.
   *
   * @throws IllegalStateException if the server was closed
   * @throws TestServerException if it does not become ready in time
   */
  protected final synchronized void launch() {
    requireOpen();
    for (int attempt = 1; ; attempt++) {
      try {
        launchOnce();
        everStarted = true;
        return;
      } catch (TestServerException e) {
        if (everStarted || attempt >= FIRST_START_ATTEMPTS) {
          throw e;
        }
        log.warn("{} did not start (attempt {}), new ports", description(), attempt, e);
        prepare();
      }
    }
  }

  /**
   * Polls {@code ready} until it holds, failing as soon as the process exits or the deadline
   * passes.
   *
   * @param child the process being started
   * @param deadlineNanos the {@link System#nanoTime()} by which {@code ready} must hold
   * @param ready the readiness check; must not throw
   * @param interval the pause between two checks
   * @throws TestServerException if the process exits, the deadline passes or the thread is
   *     interrupted first
   */
  protected final void pollUntil(
      Process child, long deadlineNanos, BooleanSupplier ready, Duration interval) {
    while (!ready.getAsBoolean()) {
      if (!child.isAlive()) {
        throw new TestServerException(
            kind()
                + ": exited with status "
                + child.exitValue()
                + " before it was ready at "
                + address()
                + "; log "
                + logFile
                + ":\n"
                + TestkitPaths.tail(logFile, 3000));
      }
      if (System.nanoTime() > deadlineNanos) {
        throw new TestServerException(
            kind()
                + ": not ready at "
                + address()
                + " within "
                + startupTimeout
                + "; log "
                + logFile);
      }
      try {
        Thread.sleep(interval.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TestServerException(kind() + ": interrupted while waiting for readiness", e);
      }
    }
  }

  private void launchOnce() {
    List<String> command = command();
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    long begin = System.nanoTime();
    Process child;
    try {
      child = builder.start();
    } catch (IOException e) {
      throw new TestServerException(kind() + ": cannot start " + command.get(0), e);
    }
    ChildProcesses.register(child.toHandle());
    try {
      awaitReady(child, begin + startupTimeout.toNanos());
      if (!child.isAlive()) {
        // someone else answered on this port: ours could not bind it
        throw new TestServerException(
            kind() + ": " + address() + " answers but our process exited; log " + logFile);
      }
    } catch (RuntimeException e) {
      try {
        ChildProcesses.kill(child.toHandle());
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    process = child;
    lastStartupTime = Duration.ofNanos(System.nanoTime() - begin);
    log.info(
        "{} pid {} ready at {} in {} ms (log {})",
        kind(),
        child.pid(),
        address(),
        lastStartupTime.toMillis(),
        logFile);
  }
}
