#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# How much memory comes back after load (issue #8): the published binary, in-memory backend, resident memory
# (VmRSS) idle after one call, at its peak (VmHWM) after a load of many connections (h2load: -c connections,
# -m streams each, Encrypt), then 5 s, 35 s and 70 s after the load (the pool is trimmed after one whole
# --buffer-trim interval, 30 s, without a rent). Also server CPU per call (utime+stime) over a one-connection
# kmsbench load, for comparing builds.
#   build/bench-trim.sh [--binary PATH] [--connections N] [--streams M] [--calls K]
# Needs h2load and Go (bench/go/kmsbench). Prints key=value lines.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
binary=artifacts/kmsnative connections=64 streams=25 calls=200000 # 64: the connections one process may hold (Http2Limits.MaxConnectionsPerPeer)
while (($#)); do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --streams) streams=$2; shift 2 ;;
    --calls) calls=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
kmsbench=$(build_kmsbench)
work=$(mktemp -d)
trap 'kill "${server_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
socket=$work/kms.sock
kv() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
mib() { awk -v k="$1" '$1 == k":" { printf "%.1f", $2 / 1024 }' "/proc/$2/status"; }

started=$("$kmsbench" start -socket "$socket" -log "$work/server.log" -- "$binary" --listen-addr "unix://$socket" --backend in-memory \
  --healthz-port 0 --metrics-addr 0)
server_pid=$(kv pid "$started")
"$kmsbench" bodies -socket "$socket" -dir "$work"
echo "idle_rss_mib=$(mib VmRSS "$server_pid")"
one=$("$kmsbench" load -socket "$socket" -method Encrypt -c 16 -n 50000 -pid "$server_pid")
echo "one_connection_c16: $one"
h2load -B "unix:$socket" -c"$connections" -m"$streams" -n"$calls" -d "$work/encrypt.bin" -H 'content-type: application/grpc' \
  -H 'te: trailers' http://localhost/v2.KeyManagementService/Encrypt | grep -E '^(finished|requests):'
echo "peak_rss_mib=$(mib VmHWM "$server_pid") rss_after_load_mib=$(mib VmRSS "$server_pid")"
for wait in 5 30 35; do
  sleep "$wait"
  elapsed=$((${elapsed:-0} + wait))
  echo "rss_${elapsed}s_after_mib=$(mib VmRSS "$server_pid")"
done
