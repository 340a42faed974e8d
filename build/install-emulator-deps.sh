#!/usr/bin/env bash
# Installs what the Key Vault emulator's interop test needs: Node.js/npm (Debian) and the official Azure SDK for
# JavaScript from package-lock.json (npm ci). Idempotent; safe to run in CI before dotnet test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get update
  apt-get install -y --no-install-recommends nodejs npm
fi

cd "$root/tests/interop/js-keyvault"
npm ci --no-audit --no-fund
echo "js-keyvault interop dependencies installed in $(pwd)/node_modules"
