#!/usr/bin/env bash
# Runs the plugin's main job on this machine, with no Azure account: builds what is missing, starts kmsnative on a
# temporary unix socket, and drives it as kube-apiserver does (grpc-go client, :authority localhost, 3 s per call):
# KMS v2 Status, Encrypt→Decrypt of a 32-byte DEK, then KMS v1beta1 Version, Encrypt→Decrypt.
# Backend: the in-memory key until the Key Vault backend and its emulator land (issue #3).
# --keep leaves the plugin running and prints KMS_SOCKET=<path> and KMS_PIDS=<pids>, one per line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
keep=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    *) echo "usage: build/demo.sh [--keep]" >&2; exit 2 ;;
  esac
done

say() { printf 'demo: %s\n' "$*"; }

if [ ! -x artifacts/kmsnative ] || [ -n "$(find src -newer artifacts/kmsnative -type f -print -quit)" ]; then
  say "publishing artifacts/kmsnative (Native AOT)"
  bash build/publish.sh
fi
if [ ! -x artifacts/interop/kmsclient-go ]; then
  say "installing the grpc-go client (Debian golang + grpc-go)"
  bash build/install-interop-deps.sh >/dev/null
fi

dir=$(mktemp -d /tmp/kmsnative-demo.XXXXXX)
socket="$dir/kms.socket"
say "starting: artifacts/kmsnative --listen-addr unix://$socket --backend in-memory -v 2 (log: $dir/plugin.log)"
artifacts/kmsnative --listen-addr "unix://$socket" --backend in-memory -v 2 >"$dir/plugin.log" 2>&1 &
pid=$!
stop() { kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; }
if [ "$keep" -eq 0 ]; then trap stop EXIT; fi
for _ in $(seq 1 100); do
  [ -S "$socket" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/plugin.log"; say "the plugin exited"; exit 1; }
  sleep 0.05
done
[ -S "$socket" ] || { say "the socket did not appear"; exit 1; }

say "KMS v2, as kube-apiserver dials it:"
artifacts/interop/kmsclient-go -socket "$socket" -authority localhost -scenario v2
say "KMS v1beta1, with the socket path as :authority (as the v1 client sends it):"
artifacts/interop/kmsclient-go -socket "$socket" -authority path -scenario v1

if [ "$keep" -eq 1 ]; then
  echo "KMS_SOCKET=$socket"
  echo "KMS_PIDS=$pid"
else
  say "stopping (SIGTERM: GOAWAY, drain, remove the socket)"
fi
