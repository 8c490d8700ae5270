#!/usr/bin/env bash
# The README's demo command: builds the project and runs the nurse-stress simulation.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
./mvnw -q -B -DskipTests -pl examples -am install
exec ./mvnw -q -B -pl examples exec:java "$@"
