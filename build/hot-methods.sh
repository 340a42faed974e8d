#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Regenerates src/KmsNative/hot-methods.txt: the managed methods kmsnative runs while serving, which ILC lays out
# first and together (KmsNative.csproj: --order with --method-layout:Explicit). The kernel maps code in 64 KiB blocks
# around each page a call touches; scattered over 5 MB of managed code, the methods a call runs kept most of it
# resident under load (docs/memory.md, "Hot code laid out together").
#
# How: the published binary runs against the Key Vault emulator as build/bench-memory.sh runs it, in both modes
# (defaults, and every call to Key Vault), under `perf record -e cpu-clock` at 40 kHz, through start-up, the first
# Status, and Encrypt, Decrypt and Status loads at 1 and 8 in flight. Every sampled address in the binary's managed
# code is resolved to its method with the symbols of artifacts/publish/kmsnative.dbg; the methods are written in
# their current address order, so code that sat together stays together.
#
#   build/hot-methods.sh            (about 2 minutes after publishing; needs perf and python3)
# Rerun it after a change that renames or adds methods on the serving path: a name the list has and the binary does
# not is skipped by ILC, and a hot method the list lacks is laid out among the cold ones (costing memory, not
# correctness).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
command -v perf >/dev/null || { echo "hot-methods: needs perf (apt-get install linux-perf)" >&2; exit 2; }

bash build/publish.sh >&2
demo_env=$(bash build/demo.sh --keep)
eval "$(sed -n 's/^\(KMS_[A-Z_]*\)=\(.*\)$/\1="\2"/p' <<<"$demo_env")"
read -r emulator_pid demo_plugin_pid <<<"$KMS_PIDS"
kill -TERM "$demo_plugin_pid"
work=$(mktemp -d)
trap 'kill -TERM "$emulator_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
kmsbench=$(build_kmsbench)

profile() { # name [flags...]
  local name=$1 socket=$work/$1.sock
  shift
  # perf starts the plugin, so its start-up is sampled too; SIGTERM to the plugin ends both.
  HTTPS_PROXY="$KMS_EMULATOR_PROXY_URL" SSL_CERT_FILE="$KMS_CA_FILE" perf record -q -e cpu-clock -F 40000 \
    -o "$work/$name.data" -- artifacts/kmsnative --listen-addr "unix://$socket" --keyvault-name kmsdemo \
    --key-name kek --key-version "$KMS_KEY_VERSION" --config-file-path "$KMS_AZURE_JSON" --healthz-port 0 \
    --metrics-addr 0 "$@" >"$work/$name.log" 2>&1 &
  local perf_pid=$!
  for ((i = 0; i < 200; i++)); do [[ -S $socket ]] && break; sleep 0.05; done
  [[ -S $socket ]] || { cat "$work/$name.log" >&2; echo "hot-methods: the plugin did not listen within 10 s" >&2; exit 1; }
  "$kmsbench" load -socket "$socket" -method Status -c 1 -n 1 >/dev/null
  "$kmsbench" bodies -socket "$socket" -dir "$work"
  for c in 1 8; do
    for method in Encrypt Decrypt Status; do
      "$kmsbench" load -socket "$socket" -method "$method" -c "$c" -n 3000 >/dev/null
    done
  done
  pkill -TERM -f "^artifacts/kmsnative --listen-addr unix://$socket" || true
  wait "$perf_pid" || true
  perf report -i "$work/$name.data" --stdio --sort dso,sym 2>/dev/null | awk '$2 == "kmsnative" { print $4 }' >"$work/$name.ips"
}

echo "hot-methods: profiling the defaults" >&2
profile defaults
echo "hot-methods: profiling every call to Key Vault" >&2
profile remote --local-encrypt=false --dek-cache-size=0 --keyvault-rate-limit=0

nm -n --defined-only artifacts/publish/kmsnative.dbg >"$work/symbols"
readelf -S -W artifacts/publish/kmsnative.dbg 2>/dev/null >"$work/sections"
python3 - "$work" src/KmsNative/hot-methods.txt <<'PY'
import bisect, re, sys
work, out = sys.argv[1], sys.argv[2]
sections = []
for line in open(f"{work}/sections"):
    m = re.search(r"\]\s+(__managedcode|__unbox)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
    if m:
        sections.append((int(m.group(2), 16), int(m.group(3), 16)))
symbols = []
for line in open(f"{work}/symbols"):
    address, kind, name = line.rstrip("\n").split(" ", 2)
    if kind in "tTwW":
        symbols.append((int(address, 16), name))
starts = [address for address, _ in symbols]
hot = set()
for name in ("defaults", "remote"):
    for line in open(f"{work}/{name}.ips"):
        ip = int(line, 16)
        if not any(start <= ip < start + size for start, size in sections):
            continue
        i = bisect.bisect_right(starts, ip) - 1
        if i >= 0:
            hot.add(symbols[i])
with open(out, "w") as f:
    for _, name in sorted(hot):
        f.write(name + "\n")
print(f"hot-methods: {len(hot)} methods written to {out}", file=sys.stderr)
PY
