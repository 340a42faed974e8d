#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The BenchmarkDotNet suites in bench/KmsNative.Benchmarks.
#   build/bench.sh                 full run, JIT job (minutes per suite); extra arguments go to BenchmarkDotNet,
#                                  e.g. build/bench.sh --filter '*Hpack*'
#   build/bench.sh --aot           full run, JIT and Native-AOT jobs (each AOT partition is an ILC publish)
#   build/bench.sh --short         Job.ShortRun (about 3 minutes for every suite); combine with --aot
#   build/bench.sh --dry           every benchmark once, in process (Job.Dry): CI's "the suites still run" (~15 s)
#   build/bench.sh --check         allocation budgets: codecs 0 B/op, a whole unary call within
#                                  bench/allocation-budgets.json; exits 1 on a breach (CI; ~20 s after the build)
#   build/bench.sh --ci            --dry then --check, one build
# Results (markdown) land in BenchmarkDotNet.Artifacts/results/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"

dotnet build bench/KmsNative.Benchmarks/KmsNative.Benchmarks.csproj -c Release -nologo -clp:NoSummary -v:q
dll=artifacts/build/bin/KmsNative.Benchmarks/release/KmsNative.Benchmarks.dll

if [[ "${1:-}" == "--ci" ]]; then
  shift
  dotnet "$dll" --dry "$@"
  exec dotnet "$dll" --check bench/allocation-budgets.json
fi
if [[ "${1:-}" == "--check" ]]; then
  exec dotnet "$dll" --check "${2:-bench/allocation-budgets.json}"
fi
if ! printf '%s\n' "$@" | grep -q -- '^--filter$'; then
  set -- "$@" --filter '*'
fi
exec dotnet "$dll" "$@"
