#!/usr/bin/env bash
# Group drain benchmark (examples GroupDrainBenchmark, issue 15): the same backlog drained by 1, 2 and 3
# launcher processes sharing one group, and the time from an instance's SIGKILL to its partitions being
# processed again, printed as one table. Not part of scripts/test.sh. See docs/BENCHMARKS.md.
# Usage: scripts/group-bench.sh [--records=N] [--instances=1,2,3] [--batch-size=N] [--model-concurrency=N]
#                               [--session-timeout-s=N] [--deadline-s=N] [--no-kill] [--kill-decider]
#                               [--kill-model-latency-ms=N] [--kill-model-concurrency=N] [--kill-batch-size=N]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B install -DskipTests -Dspotless.check.skip=true -pl examples -am
exec ./mvnw -q -B -pl examples exec:exec@group-benchmark -Dbench.args="$*" -Dbench.jvm.args="${BENCH_JVM_ARGS:-}"
