#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Installs and builds the independent interop peers that tests/KmsNative.InteropTests drives:
#   - grpc-go 1.33 + Go 1.19 from Debian (golang-go, golang-google-grpc-dev), h2load (nghttp2-client)
#   - @grpc/grpc-js and @grpc/proto-loader from npm (npm ci in tests/interop/js)
#   - artifacts/interop/kmsclient-go, built offline in GOPATH mode (no module proxy, no protoc)
# Idempotent: each step is skipped when its result is already there and current. Run as root on Debian 12.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
out_dir="$root/artifacts/interop"
go_src="$root/tests/interop/go/kmsclient"
js_dir="$root/tests/interop/js"

log() { printf 'install-interop-deps: %s\n' "$*"; }

# 1. Debian packages; Node.js only when node or npm is missing (NodeSource's nodejs bundles npm).
apt_install golang-go golang-google-grpc-dev nghttp2-client
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm

# 2. npm packages, reinstalled only when package-lock.json changed.
npm_ci_if_changed "$js_dir"

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
