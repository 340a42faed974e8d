#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The witness benchmark of issue #8: each attack class of tests/KmsNative.Tests/Hostile, run against the published
# Native-AOT binary (in-memory backend) for a bounded time while a second, well-behaved grpc-go connection calls
# Status every 10 ms. One fresh server per attack, so one attack's aftermath does not colour the next. Per attack:
# the witness's Status latency (p50/p99/max, from each call's scheduled start) and errors, the server's resident
# memory before / peak (sampled every 20 ms) / after the settle time, its CPU seconds, the attackers' own CPU
# seconds (they share the 2 cores with the server and the witness), the load average when the attack started, and
# what the server sent the attackers (GOAWAY and RST_STREAM codes, gRPC statuses). The first row, "none", is the
# witness alone: the machine's own noise, to read the others against.
# The attackers and the witness are subcommands of bench/go/kmsbench (attacks.go, witness.go).
#
#   build/bench-attacks.sh                    every attack, 10 s each (about 4.5 minutes)
#   build/bench-attacks.sh --ci               every attack for 1 s, no settle time (about 70 s; build/test.sh)
#   options: --seconds N (per attack)  --settle N (seconds after the attack before the "after" memory; default 5)
#            --only NAME[,NAME]  --publish (publish first even if artifacts/kmsnative exists)
#            --attacker-nice N (run the attackers under nice -n N: a diagnostic that tells latency the server causes
#            from the witness and server merely waiting for a core the attackers hold; the default 0 is the figure)
#            --out DIR (default artifacts/bench-attacks)
# Prints a markdown table (also DIR/table.md); raw lines in DIR/results.txt, server logs in DIR/NAME.log.
# Exits 1 when an attack killed the server; a witness p99 over 50 ms (issue #8's target) is marked, not fatal.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"

seconds=10
settle=5
only=
attacker_nice=0
publish=0
out=artifacts/bench-attacks
while (($#)); do
  case "$1" in
    --ci) seconds=1; settle=0; out=artifacts/bench-attacks-ci ;; # each attack briefly: fails only if one kills the server
    --seconds) seconds=$2; shift ;;
    --settle) settle=$2; shift ;;
    --only) only=$2; shift ;;
    --attacker-nice) attacker_nice=$2; shift ;;
    --publish) publish=1 ;;
    --out) out=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
log() { printf 'bench-attacks: %s\n' "$*" >&2; }

if ((publish)) || [[ ! -x artifacts/kmsnative ]]; then
  log "publishing artifacts/kmsnative"
  nice -n 10 bash build/publish.sh >&2
fi
kmsbench=$(build_kmsbench)

work=$(mktemp -d)
server_pid=
witness_pid=
stop_server() {
  [[ -n $server_pid ]] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  while kill -0 "$server_pid" 2>/dev/null; do sleep 0.05; done
  server_pid=
}
cleanup() {
  [[ -n $witness_pid ]] && kill "$witness_pid" 2>/dev/null || true
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT

kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
quoted() { sed -n "s/.*\b$1=\"\([^\"]*\)\".*/\1/p" <<<"$2"; }

mkdir -p "$out"
results=$out/results.txt
table=$out/table.md
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) seconds=$seconds settle=${settle}s attacker_nice=$attacker_nice commit=$(git rev-parse --short HEAD)"
  echo "# $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
} >"$results"
{
  echo "| Attack | Witness Status p50 / p99 / max (ms), max at (s) | Witness errors | Server RSS before / peak / after (MiB) | Server CPU (s) | Attacker CPU (s) | Load avg | Server's reaction |"
  echo "|---|---|---|---|---|---|---|---|"
} >"$table"

crashed=0
while IFS=$'\t' read -r name description; do
  [[ -z $only || ",$only," == *",$name,"* ]] || continue
  load=$(cut -d' ' -f1 /proc/loadavg)
  log "$name: $description (load average $load)"
  socket=$work/kms.sock
  rm -f "$socket"
  started=$("$kmsbench" start -socket "$socket" -log "$out/$name.log" -- artifacts/kmsnative \
    --listen-addr "unix://$socket" --backend in-memory --healthz-port 0 --metrics-addr 0)
  server_pid=$(kv pid "$started")
  sleep 1

  # The witness starts first and ends half a second after the attack, so its window covers the whole attack.
  "$kmsbench" witness -socket "$socket" -d "$((seconds * 1000 + 1000))ms" >"$work/witness.out" 2>"$work/witness.err" &
  witness_pid=$!
  until grep -q ready "$work/witness.err" 2>/dev/null; do
    kill -0 "$witness_pid" 2>/dev/null || { cat "$work/witness.err" >&2; exit 1; }
    sleep 0.05
  done
  sleep 0.5
  attack=$(nice -n "$attacker_nice" "$kmsbench" attack -name "$name" -socket "$socket" -pid "$server_pid" -d "${seconds}s" -settle "${settle}s")
  wait "$witness_pid" || true
  witness_pid=
  witness=$(cat "$work/witness.out")
  echo "$name load=$load $witness $attack" >>"$results"
  [[ $(kv alive "$attack") == 1 ]] || { crashed=1; log "$name: the server died (log: $out/$name.log)"; }
  stop_server

  p99=$(kv p99_ms "$witness")
  mark=; awk -v p="$p99" 'BEGIN { exit !(p > 50) }' && mark=" **over 50 ms**"
  # Witness times count from its first call, half a second before the attack; the table counts from the attack.
  since_attack() { awk -v t="$1" 'BEGIN { printf "%.1f", t - 0.5 }'; }
  printf '| %s | %s / %s / %s, %s%s | %s of %s%s | %s / %s / %s | %s | %s | %s | %s |\n' "$name" \
    "$(kv p50_ms "$witness")" "$p99" "$(kv max_ms "$witness")" "$(since_attack "$(kv max_at_s "$witness")")" "$mark" \
    "$(kv errors "$witness")" "$(kv calls "$witness")" \
    "$(e=$(quoted first_error "$witness"); [[ -n $e ]] &&
      echo " (first at $(since_attack "$(kv first_error_at_s "$witness")") s: ${e:0:70})")" \
    "$(kv rss_before_mib "$attack")" "$(kv rss_peak_mib "$attack")" "$(kv rss_after_mib "$attack")" \
    "$(kv cpu_s "$attack")" "$(kv attacker_cpu_s "$attack")" "$load" "$(quoted reaction "$attack")" >>"$table"
done < <("$kmsbench" attack -list)

cat "$table"
exit "$crashed"
