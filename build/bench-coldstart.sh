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

[ -x artifacts/kmsnative ] || bash build/publish.sh >&2
emulator=artifacts/emulator/KmsNative.KeyVaultEmulator.dll
if [ ! -f "$emulator" ] || [ -n "$(find tests/KmsNative.KeyVaultEmulator -newer "$emulator" -name '*.cs' -print -quit)" ]; then
  dotnet build tests/KmsNative.KeyVaultEmulator -c Release -o artifacts/emulator -nologo -v quiet >&2
fi
bench_bin=$root/artifacts/bench
mkdir -p "$bench_bin/gopath/src"
ln -sfn "$root/bench/go/kmsbench" "$bench_bin/gopath/src/kmsbench"
(cd "$bench_bin/gopath/src/kmsbench" && GO111MODULE=off GOFLAGS= GOPROXY=off GOPATH="$bench_bin/gopath:/usr/share/gocode" \
  GOCACHE="$bench_bin/gocache" go build -o "$bench_bin/kmsbench" .)

dir=$(mktemp -d /tmp/kmsnative-coldstart.XXXXXX)
pids=()
stop() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop EXIT

dotnet "$emulator" --port 0 --connect-proxy-port 0 --ca-out "$dir/ca.pem" \
  --host-names '*.vault.azure.net,login.microsoftonline.com' >"$dir/emulator.env" 2>"$dir/emulator.log" &
pids+=($!)
for _ in $(seq 1 200); do grep -q '^KMS_EMULATOR_URL=' "$dir/emulator.env" 2>/dev/null && break; sleep 0.05; done
# shellcheck disable=SC1090
source <(sed 's/^/export /' "$dir/emulator.env")
version=$(curl -sf --cacert "$dir/ca.pem" -X POST "$KMS_EMULATOR_URL/_emulator/keys" -H 'content-type: application/json' \
  -d '{"name":"kek","size":2048}' | sed -n 's/.*"version":"\([0-9a-f]*\)".*/\1/p')
cat >"$dir/azure.json" <<JSON
{"cloud": "AzurePublicCloud", "tenantId": "$KMS_EMULATOR_TENANT_ID", "aadClientId": "$KMS_EMULATOR_CLIENT_ID", "aadClientSecret": "$KMS_EMULATOR_CLIENT_SECRET"}
JSON
chmod 600 "$dir/azure.json"
socket="$dir/kms.socket"
HTTPS_PROXY="$KMS_EMULATOR_PROXY_URL" SSL_CERT_FILE="$dir/ca.pem" artifacts/kmsnative \
  --listen-addr "unix://$socket" --keyvault-name kmsdemo --key-name kek --key-version "$version" \
  --config-file-path "$dir/azure.json" --keyvault-rate-limit "$rate" --dek-cache-size $((deks * 2)) --disable-healthz --disable-metrics >"$dir/plugin.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -S "$socket" ] && break; sleep 0.05; done
[ -S "$socket" ] || { cat "$dir/plugin.log" >&2; say "the plugin did not start"; exit 1; }
sleep 3 # the first background check (get key, canary) completes; Encrypt is then local
curl -sf --cacert "$dir/ca.pem" -X DELETE "$KMS_EMULATOR_URL/_emulator/counters"
say "kmsnative --keyvault-rate-limit $rate, $deks DEKs, 64 in flight"
"$bench_bin/kmsbench" coldstart -socket "$socket" -n "$deks" -c 64
say "Key Vault saw: $(curl -sf --cacert "$dir/ca.pem" "$KMS_EMULATOR_URL/_emulator/counters")"
