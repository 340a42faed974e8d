#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian 12 machine with the .NET SDK, as root. Idempotent: a second
# run installs nothing (missing Debian packages only, npm ci only when a lockfile changed, the Go client only when
# its sources changed). Each part has its own script so it can be run alone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# curl: build/demo.sh seeds the emulator's key through its admin API.
apt_install curl
# promtool (Debian "prometheus"): the tests check /metrics and build/prometheus/kmsnative-alerts.yml with it.
command -v promtool >/dev/null || apt_install prometheus
# systemd: systemd-analyze and systemd-socket-activate for the unit-file and socket-activation tests
# (tests/KmsNative.InteropTests/Systemd).
command -v systemd-analyze >/dev/null && command -v systemd-socket-activate >/dev/null || apt_install systemd
for script in "$root"/build/install-*-deps.sh; do
  bash "$script"
done
