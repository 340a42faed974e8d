#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Memory where users run KmsNative: the Key Vault backend against the emulator, set up as build/demo.sh sets it up
# (token from the emulator's Entra ID endpoint, Key Vault through its CONNECT proxy, TLS with its CA). Two modes,
# interleaved per round:
#   kmsnative         the defaults: local encrypt and the DEK cache (Encrypt and repeated Decrypts make no vault call)
#   kmsnative-remote  --local-encrypt=false --dek-cache-size=0 --keyvault-rate-limit=0: every call goes to Key Vault
#                     at once, as the Go plugin does (the default 50 calls/s limit would make this a 40 s run per load)
# Per mode and round, one fresh process: VmRSS / RssAnon / RssFile (MiB) 2 s after the first Status ("idle"); after
# 2,000 Encrypt + 2,000 Decrypt at 1 in flight and again at 8 in flight; the peak (VmHWM); 30 s after the load;
# TCP connections to the vault (the emulator's proxy) while 8 calls are in flight; server CPU per call.
#
#   build/bench-memory.sh                 3 rounds (about 6 minutes after publishing)
#   build/bench-memory.sh --ci            1 round of 500 calls per load, 30 s to settle, then every figure of
#                                         bench/memory-budgets.json must be within its budget (test.sh runs this)
#   options: --rounds N  --calls N (per method and concurrency; default 2000)  --settle S (seconds after the
#            load; default 30)  --out DIR (default artifacts/bench-memory)
#            --binary PATH (another build to measure; default artifacts/kmsnative)
#            --env NAME=VALUE (repeatable; added to the plugin's environment, e.g. SSL_CERT_DIR=/empty/dir)
# Prints the medians (min–max) per mode; raw figures in DIR/results.tsv.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"

rounds=3
calls=2000
settle=30
out=artifacts/bench-memory
ci=false
binary=artifacts/kmsnative
extra_env=()
while (($#)); do
  case "$1" in
    --ci) ci=true; rounds=1; calls=500; settle=30 ;;
    --binary) binary=$2; shift ;;
    --env) [[ $2 == [A-Za-z_]*=* ]] || { echo "--env takes NAME=VALUE, not $2" >&2; exit 2; }; extra_env+=("$2"); shift ;;
    --rounds) rounds=$2; shift ;;
    --calls) calls=$2; shift ;;
    --settle) settle=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
log() { printf 'bench-memory: %s\n' "$*" >&2; }

# The emulator, a key and azure.json, from the demo (which also proves the set-up answers); its own plugin is
# stopped, each measurement starts a fresh one.
demo_env=$(bash build/demo.sh --keep)
eval "$(sed -n 's/^\(KMS_[A-Z_]*\)=\(.*\)$/\1="\2"/p' <<<"$demo_env")"
read -r emulator_pid demo_plugin_pid <<<"$KMS_PIDS"
kill -TERM "$demo_plugin_pid"
server_pid=
work=$(mktemp -d)
cleanup() {
  [[ -n $server_pid ]] && kill -TERM "$server_pid" 2>/dev/null || true
  kill -TERM "$emulator_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
while kill -0 "$demo_plugin_pid" 2>/dev/null; do sleep 0.05; done
proxy_port=${KMS_EMULATOR_PROXY_URL##*:}
proxy_port=${proxy_port%%/*}

# The load driver of build/bench-e2e.sh (grpc-go, dialled as kube-apiserver dials).
kmsbench=$(build_kmsbench)

mkdir -p "$out"
results=$out/results.tsv
bench_results_header rounds=$rounds calls=$calls settle=${settle}s binary=$binary ${extra_env[*]} >"$results"
record() { echo "$round $name $1 $2" >>"$results"; }
mib() { awk -v k="$1" '$1 == k":" { printf "%.2f", $2 / 1024 }' "/proc/$server_pid/status"; }
memory() { # label
  for field in VmRSS RssAnon RssFile; do record "$1.${field}_mib" "$(mib "$field")"; done
}
# Established TCP connections of the server to the emulator's proxy: its socket inodes joined with /proc/net/tcp.
vault_connections() {
  local inodes; inodes=$(find "/proc/$server_pid/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n')
  awk -v port="$(printf '%04X' "$proxy_port")" -v inodes="$inodes" '
    BEGIN { n = split(inodes, list, "\n"); for (i = 1; i <= n; i++) if (list[i] != "") mine[list[i]] = 1 }
    FNR > 1 && $4 == "01" && substr($3, index($3, ":") + 1) == port && ($10 in mine) { count++ }
    END { print count + 0 }' /proc/net/tcp /proc/net/tcp6
}
load() { # method inflight
  "$kmsbench" load -socket "$socket" -method "$1" -c "$2" -n "$calls" -pid "$server_pid"
}

for ((round = 1; round <= rounds; round++)); do
  for name in kmsnative kmsnative-remote; do
    mode=(); [[ $name == kmsnative-remote ]] && mode=(--local-encrypt=false --dek-cache-size=0 --keyvault-rate-limit=0)
    log "round $round/$rounds: $name (load average $(cut -d' ' -f1 /proc/loadavg))"
    socket=$work/$name.sock
    rm -f "$socket"
    started=$(env HTTPS_PROXY="$KMS_EMULATOR_PROXY_URL" SSL_CERT_FILE="$KMS_CA_FILE" "${extra_env[@]}" "$kmsbench" start \
      -socket "$socket" -log "$out/$name.log" -- "$binary" --listen-addr "unix://$socket" --keyvault-name kmsdemo \
      --key-name kek --key-version "$KMS_KEY_VERSION" --config-file-path "$KMS_AZURE_JSON" \
      --healthz-port 0 --metrics-addr 0 "${mode[@]}")
    server_pid=$(kv pid "$started")
    record startup_to_first_status_ms "$(awk -v u="$(kv status_us "$started")" 'BEGIN { printf "%.2f", u / 1000 }')"
    sleep 2
    memory idle
    "$kmsbench" bodies -socket "$socket" -dir "$work"
    for c in 1 8; do
      for method in Encrypt Decrypt; do
        if [[ $c == 8 && $method == Encrypt ]]; then
          load "$method" "$c" >"$work/load.out" &
          sleep 0.5
          record vault_connections_c8 "$(vault_connections)"
          wait $!
          line=$(cat "$work/load.out")
        else
          line=$(load "$method" "$c")
        fi
        record "${method,,}.c$c.cpu_us_per_call" "$(kv cpu_us_per_call "$line")"
        record "${method,,}.c$c.p50_us" "$(kv p50_us "$line")"
      done
      memory "after_c$c"
    done
    record peak.VmHWM_mib "$(mib VmHWM)"
    sleep "$settle"
    memory "after_${settle}s"
    kill -TERM "$server_pid"
    while kill -0 "$server_pid" 2>/dev/null; do sleep 0.05; done
    server_pid=
  done
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$results"

grep '^#' "$results"
"$kmsbench" summary "$results" kmsnative kmsnative-remote | tee "$out/summary.md"
log "raw results: $results; table: $out/summary.md"
if $ci; then
  "$kmsbench" budget "$results" bench/memory-budgets.json
fi
