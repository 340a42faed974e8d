#!/usr/bin/env bash
# The test command: installs what the tests need, publishes the Native-AOT binary the interop tests run,
# then runs every test project of the solution. Ends with one "N passed, N failed" line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

bash build/install-deps.sh
bash build/publish.sh

results="$root/artifacts/test-results"
rm -rf "$results"
status=0
dotnet test KmsNative.sln --logger "trx" --results-directory "$results" -- RunConfiguration.TreatNoTestsAsError=true || status=$?

# Sum the trx counters of every test assembly into the closing line CI reads.
read -r passed failed skipped < <(
  for trx in "$results"/*.trx; do
    grep -o '<Counters [^>]*>' "$trx"
  done | awk '
    { for (i = 1; i <= NF; i++) { split($i, kv, "=\""); gsub(/"|\/?>/, "", kv[2]); c[kv[1]] += kv[2] } }
    END { printf "%d %d %d\n", c["passed"], c["failed"] + c["error"] + c["timeout"] + c["aborted"], c["notExecuted"] }')
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
