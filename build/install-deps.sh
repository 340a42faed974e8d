#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian 12 machine with the .NET SDK, as root; idempotent and
# fast when all is present. Each part has its own script so it can be run alone.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# curl: build/demo.sh seeds the emulator's key through its admin API.
if ! command -v curl >/dev/null; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends curl
fi
# systemd: systemd-analyze and systemd-socket-activate for the unit-file and socket-activation tests
# (tests/KmsNative.InteropTests/Systemd).
if ! command -v systemd-analyze >/dev/null || ! command -v systemd-socket-activate >/dev/null; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends systemd
fi
for script in "$root"/build/install-*-deps.sh; do
  bash "$script"
done
