#!/usr/bin/env bash
# The README's demo command: installs what Maven cannot (scripts/setup.sh), builds the project, then runs
# the end-to-end drill (io.fallback.examples.Drill): Kafka, influxd, a Flink MiniCluster running the primary
# job, the model service, the sensor producer, and the fallback as operators run it (java -jar
# fallback-launcher/target/fallback-launcher.jar run --config ..., its own process), all real and local; the Flink job is
# cancelled, then slowed; the fallback takes over and hands back; every window is checked against what the
# producer sent. Prints a report (also examples/target/drill-report.md) and exits non-zero if a check fails.
# Options go to the drill: --ci (smaller), --nurses=N, --seed=N, --no-replay, --no-fast-path, --no-shadow-mode, --report=PATH.
# The earlier simulation (core only) still runs with: ./mvnw -q -B -pl examples exec:java
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# -am builds fallback-launcher too (examples depends on it), so the shaded jar the drill runs is fresh
./mvnw -q -B -DskipTests -pl examples -am install
exec ./mvnw -q -B -pl examples exec:exec -Ddrill.args="$*"
