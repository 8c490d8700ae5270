package io.fallback.launcher;

import io.fallback.launcher.config.ConfigException;
import io.fallback.launcher.config.ConfigLoader;
import io.fallback.launcher.config.FallbackConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The command line: {@code run}, {@code validate}, {@code status}, {@code force-fallback}, {@code
 * force-primary}, {@code auto}. Exit codes: 0 success, 1 failure (unreachable service, refused
 * request), 2 invalid configuration or usage.
 */
@Command(
    name = "fallback-launcher",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Automatic fallback processor for a Kafka -> Flink -> InfluxDB pipeline.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:failure: a service unreachable, a request refused or timed out",
      "2:invalid configuration or usage (every problem listed with its YAML path)"
    },
    footerHeading = "%nEnvironment:%n",
    footer = {
      "  FALLBACK_<SECTION>_<KEY>   overrides a key of the file, e.g. FALLBACK_ML_SERVICE_TIMEOUT_SECONDS",
      "  KAFKA_BOOTSTRAP_SERVERS, LATENCY_THRESHOLD, BATCH_SIZE   the seed's overrides (they win)",
      "  FALLBACK_ADMIN_TOKEN       admin token for POST /mode, force-fallback, force-primary, auto",
      "                             (the variable named by server.token_env)",
      "  INFLUXDB_PASSWORD, INFLUXDB_TOKEN, KAFKA_SASL_JAAS_CONFIG   secrets (names set by *_env keys)",
      "%nRun 'fallback-launcher help <command>' for a command's options."
    },
    subcommands = {
      CommandLine.HelpCommand.class,
      Main.Run.class,
      Main.Validate.class,
      Main.Status.class,
      Main.ForceFallback.class,
      Main.ForcePrimary.class,
      Main.Auto.class
    })
public final class Main implements Callable<Integer> {

  static final int OK = 0;
  static final int FAILED = 1;
  static final int INVALID = 2;

  Map<String, String> environment = System.getenv();

  /**
   * Runs the command line and exits with its code.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    int code =
        execute(
            args,
            System.getenv(),
            new PrintWriter(System.out, true),
            new PrintWriter(System.err, true));
    if (!Launcher.shuttingDown) {
      // System.exit during shutdown hooks would block forever; the JVM is already exiting then
      System.exit(code);
    }
  }

  /**
   * Runs the command line without exiting, for tests.
   *
   * @param args the arguments
   * @param environment the environment
   * @param out standard output
   * @param err standard error
   * @return the exit code
   */
  public static int execute(
      String[] args, Map<String, String> environment, PrintWriter out, PrintWriter err) {
    Main main = new Main();
    main.environment = environment;
    CommandLine cli = new CommandLine(main);
    cli.setOut(out);
    cli.setErr(err);
    cli.setExitCodeExceptionMapper(
        e ->
            e instanceof ConfigException || e instanceof CommandLine.ParameterException
                ? INVALID
                : FAILED);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof ConfigException c) {
            commandLine
                .getErr()
                .println(
                    "Invalid configuration ("
                        + c.errors().size()
                        + " problem"
                        + (c.errors().size() == 1 ? "" : "s")
                        + "):");
            c.errors().forEach(m -> commandLine.getErr().println("  " + m));
            return INVALID;
          }
          commandLine.getErr().println("Error: " + e.getMessage());
          return FAILED;
        });
    return cli.execute(args);
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(new PrintWriter(System.out, true));
    return INVALID;
  }

  FallbackConfig load(Path file) {
    return new ConfigLoader(environment).load(file);
  }

  /** Prints the project version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"fallback-launcher " + (v == null ? "(development build)" : v)};
    }
  }

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = "Run the monitor and, when needed, the fallback processor.")
  static final class Run implements Callable<Integer> {
    @Option(
        names = {"-c", "--config"},
        required = true,
        description = "YAML configuration (the seed's config.yaml works).")
    Path config;

    @ParentCommand Main main;

    @Override
    public Integer call() throws Exception {
      FallbackConfig cfg = main.load(config);
      return Launcher.run(cfg, new ConfigLoader(main.environment), main.environment);
    }
  }

  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      description =
          "Check the configuration, then that Kafka, InfluxDB, Flink and the model service answer.")
  static final class Validate implements Callable<Integer> {
    @ParentCommand Main main;
    @Spec CommandSpec spec;

    @Option(
        names = {"-c", "--config"},
        required = true,
        description = "YAML configuration.")
    Path config;

    @Option(names = "--offline", description = "Check the configuration only.")
    boolean offline;

    @Option(
        names = "--only",
        split = ",",
        paramLabel = "DEPENDENCY",
        description =
            "Check only these dependencies: kafka, influxdb, flink, ml_service (default: all).")
    List<String> only;

    @Override
    public Integer call() {
      List<String> checked = only == null ? Connectivity.DEPENDENCIES : only;
      for (String name : checked) {
        if (!Connectivity.DEPENDENCIES.contains(name)) {
          throw new ConfigException(
              List.of(
                  "--only: unknown dependency '"
                      + name
                      + "'; known: "
                      + String.join(", ", Connectivity.DEPENDENCIES)));
        }
      }
      FallbackConfig cfg = main.load(config);
      PrintWriter out = spec.commandLine().getOut();
      cfg.warnings().forEach(w -> out.println("warning: " + w));
      out.println("configuration: OK");
      if (offline) {
        return OK;
      }
      List<String> problems =
          Connectivity.check(cfg, new ConfigLoader(main.environment), out, Set.copyOf(checked));
      problems.forEach(p -> out.println("unreachable: " + p));
      return problems.isEmpty() ? OK : FAILED;
    }
  }

  /** Options shared by the commands that talk to a running instance. */
  static class Remote {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    @ParentCommand Main main;
    @Spec CommandSpec spec;

    @Option(
        names = "--url",
        description =
            "Endpoint of the running instance (default: from --config, else http://127.0.0.1:8099).")
    String url;

    @Option(
        names = {"-c", "--config"},
        description = "YAML configuration of the running instance.")
    Path config;

    @Option(
        names = "--timeout",
        paramLabel = "SECONDS",
        defaultValue = "10",
        description = "How long to wait for the answer (default: ${DEFAULT-VALUE} s).")
    double timeoutSeconds;

    String baseUrl() {
      if (url != null) {
        return url.replaceAll("/+$", "");
      }
      if (config != null) {
        FallbackConfig cfg = main.load(config);
        return "http://" + cfg.server().bind() + ":" + cfg.server().port();
      }
      return "http://127.0.0.1:8099";
    }

    String tokenEnv() {
      return config == null ? "FALLBACK_ADMIN_TOKEN" : main.load(config).server().tokenEnv();
    }

    int request(String method, String path, Optional<String> token) throws Exception {
      HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
      String base = baseUrl();
      Duration timeout = Duration.ofMillis(Math.max(1, Math.round(timeoutSeconds * 1000)));
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
      token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
      b.method(method, HttpRequest.BodyPublishers.noBody());
      HttpResponse<String> response;
      try {
        response = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      } catch (HttpConnectTimeoutException e) {
        return failed(
            "no fallback instance answered at "
                + base
                + " within "
                + CONNECT_TIMEOUT.toSeconds()
                + " s (connect timed out);"
                + " check --url or --config");
      } catch (HttpTimeoutException e) {
        return failed(
            method.equals("GET")
                ? "the request to "
                    + base
                    + path
                    + " timed out after "
                    + timeoutSeconds
                    + " s; the instance may be overloaded"
                : "the request to "
                    + base
                    + path
                    + " timed out after "
                    + timeoutSeconds
                    + " s; the change may still have been"
                    + " applied: check 'fallback-launcher status'");
      } catch (ConnectException e) {
        return failed(
            "no fallback instance at "
                + base
                + ": connection refused; is it running, and is"
                + " --url (or server.bind/server.port of --config) right?");
      } catch (IOException e) {
        return failed(
            "cannot reach the fallback instance at "
                + base
                + ": "
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(response.body());
      if (response.statusCode() / 100 != 2) {
        spec.commandLine().getErr().println("HTTP " + response.statusCode());
        return FAILED;
      }
      return OK;
    }

    private int failed(String message) {
      spec.commandLine().getErr().println("Error: " + message);
      return FAILED;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description =
          "Show the mode, last check and last transition of a running instance (and, with"
              + " group.enabled, the group's decision, decider, instances and this one's partitions).")
  static final class Status extends Remote implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      return request("GET", "/status", Optional.empty());
    }
  }

  /**
   * A command that sets the mode of a running instance with the admin token: its name is the mode
   * it asks for ({@code POST /mode?mode=NAME}), the one thing a subclass adds.
   */
  @Command(mixinStandardHelpOptions = true)
  abstract static class SetMode extends Remote implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      String env = tokenEnv();
      Optional<String> token =
          Optional.ofNullable(main.environment.get(env)).filter(t -> !t.isBlank());
      if (token.isEmpty()) {
        spec.commandLine()
            .getErr()
            .println("Set " + env + " to the admin token of the running instance.");
        return FAILED;
      }
      return request("POST", "/mode?mode=" + spec.name(), token);
    }
  }

  @Command(
      name = "force-fallback",
      description = "Force fallback mode on a running instance (needs the admin token).")
  static final class ForceFallback extends SetMode {}

  @Command(
      name = "force-primary",
      description = "Force primary mode on a running instance (needs the admin token).")
  static final class ForcePrimary extends SetMode {}

  @Command(
      name = "auto",
      description = "Return a running instance to automatic mode (needs the admin token).")
  static final class Auto extends SetMode {}
}
