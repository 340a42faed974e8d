#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian 12 machine with the .NET SDK, as root; idempotent and
# fast when all is present. Each part has its own script so it can be run alone.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# curl: build/demo.sh seeds the emulator's key through its admin API.
if ! command -v curl >/dev/null; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends curl
fi
# promtool (Debian "prometheus"): the tests check /metrics and build/prometheus/kmsnative-alerts.yml with it.
if ! command -v promtool >/dev/null; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus
fi
for script in "$root"/build/install-*-deps.sh; do
  bash "$script"
done
