#!/usr/bin/env bash
# Backlog drain benchmark (examples DrainBenchmark): the three limits (model service, InfluxDB, raw
# consumer), Flink with the fair model client and the fallback, on the same backlog in one JVM, printed
# as one table. Not part of scripts/test.sh. See docs/BENCHMARKS.md.
# Usage: scripts/bench.sh [--records=N] [--batch-size=N] [--model-concurrency=N] [--flink-client=send_async]
#                         [--fallback-only] [--memory-limit=16MiB] [--fallback-xmx=256m] ...
#        BENCH_JVM_ARGS="-XX:StartFlightRecording=filename=drain.jfr" scripts/bench.sh --records=2000000
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B install -DskipTests -Dspotless.check.skip=true -pl examples -am
exec ./mvnw -q -B -pl examples exec:exec@drain-benchmark -Dbench.args="$*" -Dbench.jvm.args="${BENCH_JVM_ARGS:-}"
