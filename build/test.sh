#!/usr/bin/env bash
# The test command: installs what the tests need, publishes the Native-AOT binary the interop tests run,
# runs every test project of the solution, then the benchmarks' dry run and allocation budgets, and the resident
# memory budgets.
# Ends with one "N passed, N failed" line.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

bash build/install-deps.sh
bash build/publish.sh

results="$root/artifacts/test-results"
rm -rf "$results"
status=0
dotnet test KmsNative.sln --logger "trx" --results-directory "$results" -- RunConfiguration.TreatNoTestsAsError=true || status=$?

# The benchmark suites still run (each benchmark once) and the hot paths stay within their allocation budgets.
bench_status=0
bash build/bench.sh --ci || bench_status=$?
if [ "$bench_status" -ne 0 ]; then
  echo "build/bench.sh --ci failed (exit $bench_status): a suite broke or an allocation budget was exceeded" >&2
  status=$bench_status
fi

# Resident memory with the Key Vault backend against the emulator stays within its budgets (idle, and given back
# after a burst of calls).
memory_status=0
bash build/bench-memory.sh --ci --out artifacts/bench-memory-ci || memory_status=$?
if [ "$memory_status" -ne 0 ]; then
  echo "build/bench-memory.sh --ci failed (exit $memory_status): resident memory over its budget (bench/memory-budgets.json)" >&2
  status=$memory_status
fi

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
