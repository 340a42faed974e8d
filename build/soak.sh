#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The soak of issue #8, against the published Native-AOT binary with the in-memory backend (driver: kmsbench soak,
# bench/go/kmsbench/soak.go):
#   1. N calls, Encrypt/Decrypt/Status in turn, 64 in flight over 4 connections: 0 errors; fds and threads at the
#      end no higher than at the start; resident memory sampled every 200 ms, its growth over the second half;
#   2. connection open/Status/close cycles: 0 errors, fds and threads back to where they were;
#   3. SIGTERM with 64 calls in flight (a second server whose calls take 500 ms): every call ends OK or UNAVAILABLE,
#      none hangs, exit code 0, the socket file removed.
#
#   build/soak.sh           1,000,000 calls and 10,000 cycles; also fails when RSS grows 5 % or more over the
#                           second half, and reports whether the thread pool's extra workers retire within 30 s
#                           of idleness (about a minute after publishing)
#   build/soak.sh --ci      50,000 calls and 1,000 cycles, no RSS check (a few seconds; build/test.sh runs it):
#                           fails on errors, hangs, fd growth, threads growing by more than 16, a bad exit code or
#                           the socket left behind
#   options: --calls N  --cycles N  --max-rss-growth PCT (-1: report only)  --publish  --out DIR
# Prints the driver's three key=value lines and "soak: pass" or "soak: FAIL …"; server logs in DIR.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"

calls=1000000
cycles=10000
max_growth=5
idle_wait=30s
thread_slack=4
publish=0
out=artifacts/soak
while (($#)); do
  case "$1" in
    # RSS over a few seconds is GC noise, not a trend; a busy CI machine may make the thread pool inject a few more
    # workers, while a leak would grow with the 50,000 calls or 1,000 cycles.
    --ci) calls=50000; cycles=1000; max_growth=-1; idle_wait=0; thread_slack=16 ;;
    --calls) calls=$2; shift ;;
    --cycles) cycles=$2; shift ;;
    --max-rss-growth) max_growth=$2; shift ;;
    --publish) publish=1 ;;
    --out) out=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if ((publish)) || [[ ! -x artifacts/kmsnative ]]; then
  bash build/publish.sh >&2
fi
kmsbench=$(build_kmsbench)
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
socket=$work/kms.sock

echo "soak: $calls calls, $cycles cycles, load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD)"
"$kmsbench" soak -socket "$socket" -log "$out/server.log" -n "$calls" -c 64 -conns 4 -cycles "$cycles" \
  -max-rss-growth "$max_growth" -idle-wait "$idle_wait" -thread-slack "$thread_slack" -- artifacts/kmsnative --listen-addr "unix://$socket" --backend in-memory \
  --healthz-port 0 --metrics-addr 0
