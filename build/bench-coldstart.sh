#!/usr/bin/env bash
# Issue #9's cold start against the Key Vault emulator: 10,000 distinct KMS v1 DEKs encrypted, then all decrypted
# (an apiserver's first start), then all again (its restart), 64 calls in flight. Prints each pass and what the
# emulator saw: Key Vault decrypts (expect 10,000: the second pass is served by the DEK cache; the Go plugin makes
# 20,000) and the most requests in any one second (the rate limit: at most R + 1, plus the background checks).
# usage: build/bench-coldstart.sh [rate (--keyvault-rate-limit, default 50)] [DEKs (default 10000)]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
rate=${1:-50}
deks=${2:-10000}
say() { printf 'coldstart: %s\n' "$*" >&2; }

# The emulator, a key and azure.json as build/demo.sh sets them up (publishing and building what is missing); its own
# plugin is stopped and one with this run's limit and a cache large enough for every DEK takes its place.
demo_env=$(bash build/demo.sh --keep)
eval "$(sed -n 's/^\(KMS_[A-Z_]*\)=\(.*\)$/\1="\2"/p' <<<"$demo_env")"
read -r emulator_pid demo_plugin_pid <<<"$KMS_PIDS"
kill -TERM "$demo_plugin_pid"
plugin_pid=
stop() { kill -TERM $plugin_pid "$emulator_pid" 2>/dev/null || true; }
trap stop EXIT
while kill -0 "$demo_plugin_pid" 2>/dev/null; do sleep 0.05; done
kmsbench=$(build_kmsbench)

socket=$(mktemp -u /tmp/kmsnative-coldstart.XXXXXX.sock)
# kmsbench start returns after the first Status, which waits for the first background check (get key, canary): from
# then on Encrypt is local.
started=$(HTTPS_PROXY="$KMS_EMULATOR_PROXY_URL" SSL_CERT_FILE="$KMS_CA_FILE" "$kmsbench" start -socket "$socket" \
  -log "$(dirname "$KMS_AZURE_JSON")/coldstart-plugin.log" -- artifacts/kmsnative --listen-addr "unix://$socket" \
  --keyvault-name kmsdemo --key-name kek --key-version "$KMS_KEY_VERSION" --config-file-path "$KMS_AZURE_JSON" \
  --keyvault-rate-limit "$rate" --dek-cache-size $((deks * 2)) --disable-healthz --disable-metrics)
plugin_pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$started")
curl -sf --cacert "$KMS_CA_FILE" -X DELETE "$KMS_EMULATOR_URL/_emulator/counters"
say "kmsnative --keyvault-rate-limit $rate, $deks DEKs, 64 in flight"
"$kmsbench" coldstart -socket "$socket" -n "$deks" -c 64
say "Key Vault saw: $(curl -sf --cacert "$KMS_CA_FILE" "$KMS_EMULATOR_URL/_emulator/counters")"
