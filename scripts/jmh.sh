#!/usr/bin/env bash
# JMH micro-benchmarks of the hot paths (fallback-benchmarks); not part of scripts/test.sh.
# Usage: scripts/jmh.sh                     # all benchmarks: 1 fork, 3 x 1 s warm-up, 5 x 1 s measurement
#        scripts/jmh.sh -f 2 -wi 3 -w 2s -i 5 -r 2s HttpClientCost   # your JMH arguments replace the defaults
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B install -DskipTests -Dspotless.check.skip=true -pl fallback-benchmarks -am
args="${*:--f 1 -wi 3 -w 1s -i 5 -r 1s}"
exec ./mvnw -q -B -pl fallback-benchmarks exec:exec@jmh -Djmh.args="$args"
