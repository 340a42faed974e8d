#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What the health and metrics endpoints cost the gRPC socket (issue #10's performance items), with the in-memory
# backend so that only the endpoints differ. Two modes, interleaved per round, one fresh process each:
#   endpoints-off  --disable-healthz --disable-metrics
#   endpoints-on   both endpoints on ephemeral ports, scraped as a cluster does while the load runs: GET /metrics
#                  every second (Prometheus) and GET /healthz every 10 s (the static pod's liveness probe)
# Per mode and round: exec to first answered Status; VmRSS 2 s after it; a paced load of Encrypts (grpc-go, dialled
# as kube-apiserver dials) at --rate calls/s for --seconds, with p50/p99 and server CPU per call; VmRSS after it.
#
#   build/bench-endpoints.sh              3 rounds of 30 s at 100 calls/s (about 4 minutes after publishing)
#   options: --rounds N  --rate N  --seconds N  --out DIR (default artifacts/bench-endpoints)
# Prints the medians (min–max) per mode; raw figures in DIR/results.tsv.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"

rounds=3
rate=100
seconds=30
out=artifacts/bench-endpoints
while (($#)); do
  case "$1" in
    --rounds) rounds=$2; shift ;;
    --rate) rate=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
log() { printf 'bench-endpoints: %s\n' "$*" >&2; }

[[ -x artifacts/kmsnative ]] || bash build/publish.sh >&2
kmsbench=$(build_kmsbench)
server_pid=
scraper_pid=
work=$(mktemp -d)
cleanup() {
  [[ -n $scraper_pid ]] && kill "$scraper_pid" 2>/dev/null || true
  [[ -n $server_pid ]] && kill -TERM "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$out"
results=$out/results.tsv
bench_results_header rounds=$rounds rate=$rate seconds=$seconds >"$results"
record() { echo "$round $name $1 $2" >>"$results"; }
rss() { awk '$1 == "VmRSS:" { printf "%.2f", $2 / 1024 }' "/proc/$server_pid/status"; }
# The ephemeral port a listening TCP socket of the server got, from its log line ("addr=":PORT"").
port_of() { sed -n "s/.*\"$1\" addr=\":\([0-9]*\)\".*/\1/p" "$work/$name.log" | head -n1; }

for ((round = 1; round <= rounds; round++)); do
  for name in endpoints-off endpoints-on; do
    flags=(--disable-healthz --disable-metrics)
    [[ $name == endpoints-on ]] && flags=(--healthz-port 0 --metrics-addr 0)
    log "round $round/$rounds: $name (load average $(cut -d' ' -f1 /proc/loadavg))"
    socket=$work/$name.sock
    rm -f "$socket"
    started=$("$kmsbench" start -socket "$socket" -log "$work/$name.log" -- artifacts/kmsnative \
      --listen-addr "unix://$socket" --backend in-memory "${flags[@]}")
    server_pid=$(kv pid "$started")
    record startup_to_first_status_ms "$(awk -v u="$(kv status_us "$started")" 'BEGIN { printf "%.2f", u / 1000 }')"
    sleep 2
    record idle.VmRSS_mib "$(rss)"
    if [[ $name == endpoints-on ]]; then
      metrics=$(port_of "Serving metrics")
      healthz=$(port_of "Serving health checks")
      [[ -n $metrics && -n $healthz ]] || { echo "no endpoint ports in $work/$name.log" >&2; exit 1; }
      (
        tick=0
        while true; do
          curl -sf -o /dev/null "http://127.0.0.1:$metrics/metrics" || echo "scrape failed" >&2
          ((tick % 10 == 0)) && { curl -sf -o /dev/null "http://127.0.0.1:$healthz/healthz" || echo "probe failed" >&2; }
          tick=$((tick + 1))
          sleep 1
        done
      ) &
      scraper_pid=$!
    fi
    line=$("$kmsbench" load -socket "$socket" -method Encrypt -rate "$rate" -d "${seconds}s" -pid "$server_pid")
    for figure in p50_us p99_us cpu_us_per_call errors; do
      record "encrypt.paced.$figure" "$(kv "$figure" "$line")"
    done
    record after_load.VmRSS_mib "$(rss)"
    if [[ -n $scraper_pid ]]; then
      kill "$scraper_pid"
      wait "$scraper_pid" 2>/dev/null || true
      scraper_pid=
    fi
    kill -TERM "$server_pid"
    while kill -0 "$server_pid" 2>/dev/null; do sleep 0.05; done
    server_pid=
  done
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$results"

grep '^#' "$results"
"$kmsbench" summary "$results" endpoints-off endpoints-on | tee "$out/summary.md"
log "raw results: $results; table: $out/summary.md"
