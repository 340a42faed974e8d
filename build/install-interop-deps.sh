#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Installs and builds the independent interop peers that tests/KmsNative.InteropTests drives:
#   - grpc-go 1.33 + Go 1.19 from Debian (golang-go, golang-google-grpc-dev), h2load (nghttp2-client)
#   - @grpc/grpc-js and @grpc/proto-loader from npm (npm ci in tests/interop/js)
#   - artifacts/interop/kmsclient-go, built offline in GOPATH mode (no module proxy, no protoc)
# Idempotent: each step is skipped when its result is already there and current. Run as root on Debian 12.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out_dir="$repo_root/artifacts/interop"
go_src="$repo_root/tests/interop/go/kmsclient"
js_dir="$repo_root/tests/interop/js"

log() { printf 'install-interop-deps: %s\n' "$*"; }

# 1. Debian packages. apt-get update runs at most once, and only when something is missing.
apt_packages=(golang-go golang-google-grpc-dev nghttp2-client)
missing=()
for package in "${apt_packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done
if ((${#missing[@]} > 0)); then
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
    log "Debian packages present: ${apt_packages[*]}"
fi

# 2. npm packages, reinstalled only when package-lock.json is newer than the installed tree.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    log "node and npm are required (Node 20); install them first" >&2
    exit 1
fi
installed_lock="$js_dir/node_modules/.package-lock.json"
if [[ ! -f "$installed_lock" || "$js_dir/package-lock.json" -nt "$installed_lock" ]]; then
    log "npm ci in tests/interop/js"
    (cd "$js_dir" && npm ci --no-audit --no-fund --loglevel=error)
else
    log "node_modules up to date in tests/interop/js"
fi

# 3. The grpc-go client, rebuilt only when a source file is newer than the binary.
go_binary="$out_dir/kmsclient-go"
needs_build=1
if [[ -x "$go_binary" ]] && [[ -z "$(find "$go_src" -name '*.go' -newer "$go_binary" -print -quit)" ]]; then
    needs_build=0
fi
if ((needs_build)); then
    log "building $go_binary"
    mkdir -p "$out_dir"
    gopath="$out_dir/gopath"
    # GOPATH mode: the client is package 'kmsclient' in a private GOPATH; grpc comes from /usr/share/gocode.
    mkdir -p "$gopath/src"
    ln -sfn "$go_src" "$gopath/src/kmsclient"
    (
        cd "$gopath/src/kmsclient"
        GO111MODULE=off GOFLAGS= GOPROXY=off GOPATH="$gopath:/usr/share/gocode" GOCACHE="$out_dir/gocache" \
            go build -o "$go_binary.tmp" .
    )
    mv -f "$go_binary.tmp" "$go_binary"
else
    log "$go_binary up to date"
fi
log "done"
