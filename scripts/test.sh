#!/usr/bin/env bash
# The project's test command: install what Maven cannot (scripts/setup.sh), then build and run
# every unit and integration test. Extra arguments go to Maven, e.g. scripts/test.sh -pl fallback-core
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec ./mvnw -B verify "$@"
