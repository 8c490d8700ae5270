#!/usr/bin/env bash
# Installs what Maven cannot: Debian's InfluxDB 1.x server (`influxd`), needed by the test kit's
# InfluxDbServer. Idempotent: does nothing when influxd is already on PATH (or in /usr/bin).
# apt is prevented from starting the packaged service (a policy-rc.d returning 101 during the
# install), so nothing of ours ends up holding port 8086; tests start their own influxd.
set -euo pipefail

log() { printf 'setup: %s\n' "$*"; }

if command -v influxd >/dev/null 2>&1 || [ -x /usr/bin/influxd ]; then
  log "influxd present: $(command -v influxd || echo /usr/bin/influxd)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "setup: influxd is missing and this user is not root and has no sudo;" >&2
    echo "setup: run as root: apt-get install -y influxdb" >&2
    exit 1
  fi
fi

POLICY=/usr/sbin/policy-rc.d
policy_created=0
cleanup() {
  if [ "$policy_created" -eq 1 ]; then
    $SUDO rm -f "$POLICY"
  fi
}
trap cleanup EXIT

# Tell invoke-rc.d not to start services during this install (exit 101 = action forbidden).
# An existing policy (e.g. in a container image) is left alone.
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  policy_created=1
fi

log "installing Debian package influxdb (apt-get)"
$SUDO apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q influxdb

# With systemd as init, the package may have enabled (and, without the policy, started) the unit.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now influxdb >/dev/null 2>&1 || true
fi

if ! command -v influxd >/dev/null 2>&1 && [ ! -x /usr/bin/influxd ]; then
  echo "setup: apt-get install influxdb finished but influxd is still missing" >&2
  exit 1
fi
log "influxd installed: $(influxd version 2>/dev/null || echo /usr/bin/influxd)"
