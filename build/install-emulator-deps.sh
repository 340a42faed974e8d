#!/usr/bin/env bash
# Installs what the Key Vault emulator's interop test needs: Node.js/npm (Debian) and the official Azure SDK for
# JavaScript from package-lock.json. Idempotent; safe to run in CI before dotnet test.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Node.js may come from elsewhere (NodeSource bundles npm): install Debian's only when the commands are missing.
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
npm_ci_if_changed "$root/tests/interop/js-keyvault"
