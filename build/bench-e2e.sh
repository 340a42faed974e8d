#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End-to-end comparison of kmsnative with the Kestrel peer (bench/KmsNative.KestrelPeer), both Native AOT with the
# in-memory backend, on this machine in one run, alternating A B A B:
#   binary size; exec → socket accepting and → first answered Status; idle RSS after that one call; peak RSS after
#   20k Encrypt calls at c=16; Encrypt and Decrypt p50/p99/p99.9 and calls/s at 1, 16 and 64 calls in flight on ONE
#   connection, driven by grpc-go (bench/go/kmsbench) and by h2load; the same at paced 100 and 1,000 calls/s;
#   server CPU per call (utime+stime from /proc/<pid>/stat); the unix-socket ping-pong floor (bench/pingpong);
#   c=16 again with server and client pinned to a core each (taskset), "*.c16.pinned".
# Prints a markdown table: median (min–max) per server and the KmsNative/Kestrel ratio of the medians.
#
# Start-up is measured on its own, before any load and with nothing else running: one discarded warm-up spawn of
# each binary (page cache, dynamic loader caches), then --startup-samples fresh processes of each per round,
# interleaved A B A B, each stopped before the next starts (docs/performance.md, "How start-up is measured").
#
#   build/bench-e2e.sh                  5 rounds (about 15 minutes on 2 cores, publishing included)
#   build/bench-e2e.sh --rounds 1 --quick     one short round (about 1 minute), to check the driver works
#   options: --rounds N  --quick (fewer calls, shorter paced runs)  --no-publish (reuse artifacts/)
#            --startup-samples N (start-up spawns per server per round; default 10)
#            --startup-only (start-up and binary size only: about a minute)
#            --out DIR (results; default artifacts/bench-e2e)
# Needs: dotnet SDK, gcc, h2load (nghttp2-client), Go 1.19 + grpc-go (golang-go golang-google-grpc-dev);
# build/install-interop-deps.sh installs the last two.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"

rounds=5
startup_samples=10
startup_only=0
quick=0
publish=1
out=artifacts/bench-e2e
while (($#)); do
  case "$1" in
    --rounds) rounds=$2; shift ;;
    --startup-samples) startup_samples=$2; shift ;;
    --quick) quick=1 ;;
    --startup-only) startup_only=1 ;;
    --no-publish) publish=0 ;;
    --out) out=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

calls=20000
paced_slow_seconds=5    # 100 calls/s: 500 calls
paced_fast_seconds=2    # 1,000 calls/s: 2,000 calls
if ((quick)); then
  calls=4000
  paced_slow_seconds=2
  paced_fast_seconds=1
fi

for tool in h2load go gcc; do
  command -v "$tool" >/dev/null || { echo "bench-e2e: $tool is required (see the header of this script)" >&2; exit 1; }
done

log() { printf 'bench-e2e: %s\n' "$*" >&2; }

# 1. The two servers, Native AOT.
kmsnative=$root/artifacts/kmsnative
kestrel=$root/artifacts/kestrel-peer
if ((publish)) || [[ ! -x $kmsnative || ! -x $kestrel ]]; then
  log "publishing kmsnative"
  build/publish.sh >&2
  log "publishing the Kestrel peer"
  publish_log=$(mktemp)
  if ! dotnet publish bench/KmsNative.KestrelPeer/KmsNative.KestrelPeer.csproj -c Release -r linux-x64 \
      -o artifacts/publish-kestrel -nologo -clp:NoSummary >"$publish_log" 2>&1; then
    cat "$publish_log" >&2; exit 1
  fi
  rm -f "$publish_log"
  cp artifacts/publish-kestrel/KmsNative.KestrelPeer "$kestrel"
fi

# 2. The load generator and the ping-pong floor.
bench_bin=$root/artifacts/bench
kmsbench=$(build_kmsbench)
gcc -O2 -Wall -Wextra -Werror -o "$bench_bin/pingpong" bench/pingpong/pingpong.c

mkdir -p "$out"
results=$out/results.tsv
work=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) rounds=$rounds calls=$calls quick=$quick"
  echo "# $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
  echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$results"

record() { echo "$round $1 $2 $3" >>"$results"; }
kv() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
mib() { awk -v k="$1" '$1 == k":" { printf "%.2f", $2 / 1024 }' "/proc/$2/status"; }

# h2load on one connection (-c1) with $3 streams in flight; percentiles from its per-request log.
h2load_run() { # server method inflight extra-args...
  local name=$1 method=$2 inflight=$3; shift 3
  local body=$work/${method,,}.bin
  rm -f "$work/h2.log" # h2load appends to its log file
  local before; before=$(ticks "$server_pid")
  local text; text=$(${h2load_prefix:-} h2load -B "unix:$socket" -c1 -m"$inflight" -d "$body" --log-file="$work/h2.log" \
      -H 'content-type: application/grpc' -H 'te: trailers' "$@" "http://localhost/v2.KeyManagementService/$method" 2>"$work/h2.err")
  local after; after=$(ticks "$server_pid")
  local done; done=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' <<<"$text")
  local total; total=$(wc -l <"$work/h2.log")
  if [[ -z $done || $done -ne $total ]]; then echo "$text" >&2; cat "$work/h2.err" >&2; log "h2load: not every request succeeded"; exit 1; fi
  cut -f3 "$work/h2.log" | sort -n >"$work/h2.sorted"
  pct() { awk -v p="$1" -v n="$total" 'NR == int(p * (n - 1)) + 1 { print $1; exit }' "$work/h2.sorted"; }
  echo "rps=$(sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' <<<"$text") p50_us=$(pct 0.5) p99_us=$(pct 0.99)" \
       "p999_us=$(pct 0.999) cpu_us_per_call=$(awk -v t=$((after - before)) -v n="$total" 'BEGIN { printf "%.1f", t * 10000 / n }')"
}

record_load() { # label output
  local label=$1 line=$2
  for key in rps p50_us p99_us p999_us cpu_us_per_call; do
    local value; value=$(kv "$key" "$line")
    [[ -n $value ]] && record "$name" "$label.$key" "$value"
  done
  return 0
}

binary_of() { if [[ $1 == kestrel ]]; then echo "$kestrel"; else echo "$kmsnative"; fi; }

# One fresh process: exec → accepting → first answered Status, then SIGTERM and wait for the exit. Prints kmsbench's
# "pid=… accept_us=… status_us=…".
spawn_once() { # name
  local socket=$work/$1.startup.sock
  rm -f "$socket"
  local started; started=$("$kmsbench" start -socket "$socket" -log /dev/null -- "$(binary_of "$1")" --listen-addr "unix://$socket" --backend in-memory)
  local pid; pid=$(kv pid "$started")
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
  echo "$started"
}

# The warm-up spawns: their figures are discarded (the first exec of a binary pays for the page cache and the
# loader; kube-apiserver's plugin restarts on a node where the binary is already cached).
for name in kmsnative kestrel; do spawn_once "$name" >/dev/null; done

for ((round = 1; round <= rounds; round++)); do
  log "round $round/$rounds: start-up, $startup_samples spawns per server, interleaved (load average $(cut -d' ' -f1 /proc/loadavg))"
  for ((sample = 1; sample <= startup_samples; sample++)); do
    for name in kmsnative kestrel; do
      started=$(spawn_once "$name")
      record "$name" startup_to_accept_ms "$(awk -v u="$(kv accept_us "$started")" 'BEGIN { printf "%.2f", u / 1000 }')"
      record "$name" startup_to_first_status_ms "$(awk -v u="$(kv status_us "$started")" 'BEGIN { printf "%.2f", u / 1000 }')"
    done
  done
done

if ((startup_only)); then
  for name in kmsnative kestrel; do
    round=0 record "$name" binary_size_mib "$(awk -v s="$(stat -c %s "$(binary_of "$name")")" 'BEGIN { printf "%.2f", s / 1048576 }')"
  done
  rounds=0 # skip the load rounds below
fi

for ((round = 1; round <= rounds; round++)); do
  floor=$("$bench_bin/pingpong" 20000)
  for key in p50_us p99_us; do record floor "uds_pingpong_64B.$key" "$(kv "$key" "$floor")"; done
  for name in kmsnative kestrel; do
    binary=$kmsnative; [[ $name == kestrel ]] && binary=$kestrel
    # kmsnative serves /healthz and /metrics as in production, on kernel-chosen ports so nothing else on 8787/8095 collides.
    ops=(); [[ $name == kmsnative ]] && ops=(--healthz-port 0 --metrics-addr 0)
    log "round $round/$rounds: $name (load average $(cut -d' ' -f1 /proc/loadavg))"
    socket=$work/$name.sock
    rm -f "$socket"
    record "$name" binary_size_mib "$(awk -v s="$(stat -c %s "$binary")" 'BEGIN { printf "%.2f", s / 1048576 }')"
    started=$("$kmsbench" start -socket "$socket" -log "$out/$name.log" -- "$binary" --listen-addr "unix://$socket" --backend in-memory "${ops[@]}")
    server_pid=$(kv pid "$started")
    sleep 1
    record "$name" idle_rss_mib "$(mib VmRSS "$server_pid")"

    "$kmsbench" bodies -socket "$socket" -dir "$work"
    record_load go.encrypt.c16 "$("$kmsbench" load -socket "$socket" -method Encrypt -c 16 -n "$calls" -pid "$server_pid")"
    record "$name" peak_rss_mib_after_c16 "$(mib VmHWM "$server_pid")"
    for method in Encrypt Decrypt; do
      m=${method,,}
      for c in 1 16 64; do
        [[ $method == Encrypt && $c == 16 ]] || \
          record_load "go.$m.c$c" "$("$kmsbench" load -socket "$socket" -method "$method" -c "$c" -n "$calls" -pid "$server_pid")"
        record_load "h2load.$m.c$c" "$(h2load_run "$name" "$method" "$c" -n "$calls")"
      done
      record_load "go.$m.paced100" "$("$kmsbench" load -socket "$socket" -method "$method" -rate 100 -d "${paced_slow_seconds}s" -pid "$server_pid")"
      record_load "go.$m.paced1000" "$("$kmsbench" load -socket "$socket" -method "$method" -rate 1000 -d "${paced_fast_seconds}s" -pid "$server_pid")"
      record_load "h2load.$m.paced100" "$(h2load_run "$name" "$method" 1 --rps=100 -n $((100 * paced_slow_seconds)))"
      record_load "h2load.$m.paced1000" "$(h2load_run "$name" "$method" 1 --rps=1000 -n $((1000 * paced_fast_seconds)))"
    done
    # Server and client on a core each: calls/s when the client does not compete with the server for CPU (on two
    # shared cores both clients saturate before either server does; docs/performance.md).
    if (($(nproc) >= 2)); then
      taskset -a -p -c 1 "$server_pid" >/dev/null
      for method in Encrypt Decrypt; do
        m=${method,,}
        record_load "go.$m.c16.pinned" "$(taskset -c 0 "$kmsbench" load -socket "$socket" -method "$method" -c 16 -n "$calls" -pid "$server_pid")"
        record_load "h2load.$m.c16.pinned" "$(h2load_prefix="taskset -c 0" h2load_run "$name" "$method" 16 -n "$calls")"
      done
      taskset -a -p -c "0-$(($(nproc) - 1))" "$server_pid" >/dev/null
    fi
    record "$name" peak_rss_mib_end "$(mib VmHWM "$server_pid")"
    kill -TERM "$server_pid"
    while kill -0 "$server_pid" 2>/dev/null; do sleep 0.05; done
    server_pid=
  done
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$results"

grep '^#' "$results"
"$kmsbench" summary "$results" | tee "$out/summary.md"
log "raw results: $results; table: $out/summary.md"
