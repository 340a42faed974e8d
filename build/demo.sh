#!/usr/bin/env bash
# Runs the plugin's main job on this machine with no Azure account: builds what is missing, starts the Key Vault
# emulator and kmsnative (Key Vault backend, a generated azure.json with a client secret), and makes the calls
# kube-apiserver makes through the socket: KMS v2 Status, Encrypt→Decrypt, then KMS v1beta1 Version, Encrypt→Decrypt.
# The plugin reaches https://kmsdemo.vault.azure.net and login.microsoftonline.com through HTTPS_PROXY, which is the
# emulator's CONNECT proxy, and trusts the emulator's CA through SSL_CERT_FILE: the same URLs and key ids as in Azure.
# --keep leaves both running and prints, one per line: KMS_SOCKET, KMS_PIDS (emulator, plugin), KMS_EMULATOR_URL,
# KMS_EMULATOR_PROXY_URL, KMS_CA_FILE, KMS_AZURE_JSON, KMS_KEY_VERSION (build/bench-memory.sh starts its own plugins
# from these).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
keep=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    *) echo "usage: build/demo.sh [--keep]" >&2; exit 2 ;;
  esac
done
say() { printf 'demo: %s\n' "$*" >&2; }

if [ ! -x artifacts/kmsnative ] || [ -n "$(find src -newer artifacts/kmsnative -type f -print -quit)" ]; then
  say "publishing artifacts/kmsnative (Native AOT)"
  bash build/publish.sh >&2
fi
emulator=artifacts/emulator/KmsNative.KeyVaultEmulator.dll
if [ ! -f "$emulator" ] || [ -n "$(find tests/KmsNative.KeyVaultEmulator -newer "$emulator" -name '*.cs' -print -quit)" ]; then
  say "building the Key Vault emulator"
  dotnet build tests/KmsNative.KeyVaultEmulator -c Release -o artifacts/emulator -nologo -v quiet >&2
fi
if [ ! -x artifacts/interop/kmsclient-go ]; then
  say "installing the grpc-go client (Debian golang + grpc-go)"
  bash build/install-interop-deps.sh >&2
fi

dir=$(mktemp -d /tmp/kmsnative-demo.XXXXXX)
pids=()
stop() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
if [ "$keep" -eq 0 ]; then trap stop EXIT; fi

say "starting the Key Vault emulator (log: $dir/emulator.log)"
dotnet "$emulator" --port 0 --connect-proxy-port 0 --ca-out "$dir/ca.pem" \
  --host-names '*.vault.azure.net,login.microsoftonline.com' >"$dir/emulator.env" 2>"$dir/emulator.log" &
pids+=($!)
for _ in $(seq 1 200); do grep -q '^KMS_EMULATOR_URL=' "$dir/emulator.env" 2>/dev/null && break; sleep 0.05; done
grep -q '^KMS_EMULATOR_URL=' "$dir/emulator.env" || { cat "$dir/emulator.log" >&2; say "the emulator did not start"; exit 1; }
# shellcheck disable=SC1090
source <(sed 's/^/export /' "$dir/emulator.env")

version=$(curl -sf --cacert "$dir/ca.pem" -X POST "$KMS_EMULATOR_URL/_emulator/keys" -H 'content-type: application/json' \
  -d '{"name":"kek","size":2048}' | sed -n 's/.*"version":"\([0-9a-f]*\)".*/\1/p')
[ -n "$version" ] || { say "seeding the key failed"; exit 1; }
say "created RSA-2048 key kek, version $version, in vault kmsdemo"

cat >"$dir/azure.json" <<JSON
{
  "cloud": "AzurePublicCloud",
  "tenantId": "$KMS_EMULATOR_TENANT_ID",
  "aadClientId": "$KMS_EMULATOR_CLIENT_ID",
  "aadClientSecret": "$KMS_EMULATOR_CLIENT_SECRET"
}
JSON
chmod 600 "$dir/azure.json"

socket="$dir/kms.socket"
say "starting: kmsnative --listen-addr unix://$socket --keyvault-name kmsdemo --key-name kek --key-version $version --config-file-path $dir/azure.json (log: $dir/plugin.log)"
HTTPS_PROXY="$KMS_EMULATOR_PROXY_URL" SSL_CERT_FILE="$dir/ca.pem" artifacts/kmsnative \
  --listen-addr "unix://$socket" --keyvault-name kmsdemo --key-name kek --key-version "$version" \
  --config-file-path "$dir/azure.json" -v 2 >"$dir/plugin.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -S "$socket" ] && break; sleep 0.05; done
[ -S "$socket" ] || { cat "$dir/plugin.log" >&2; say "the plugin did not start"; exit 1; }

say "KMS v2, dialled as kube-apiserver dials it:"
artifacts/interop/kmsclient-go -socket "$socket" -authority localhost -scenario v2 >&2
say "KMS v1beta1, with the socket path as :authority (as the v1 client sends it):"
artifacts/interop/kmsclient-go -socket "$socket" -authority path -scenario v1 >&2
say "Key Vault saw: $(curl -sf --cacert "$dir/ca.pem" "$KMS_EMULATOR_URL/_emulator/counters")"

if [ "$keep" -eq 1 ]; then
  echo "KMS_SOCKET=$socket"
  echo "KMS_PIDS=${pids[*]}"
  echo "KMS_EMULATOR_URL=$KMS_EMULATOR_URL"
  echo "KMS_EMULATOR_PROXY_URL=$KMS_EMULATOR_PROXY_URL"
  echo "KMS_CA_FILE=$dir/ca.pem"
  echo "KMS_AZURE_JSON=$dir/azure.json"
  echo "KMS_KEY_VERSION=$version"
else
  say "stopping both (SIGTERM)"
fi
