#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers with AFL++ and SharpFuzz (docs/fuzzing.md).
#   build/fuzz.sh [--time SECONDS | --execs N] [--timeout MS] [TARGET...]
# Installs afl++ (Debian) and the SharpFuzz tool, builds tests/KmsNative.Fuzz in Release, instruments a copy of the
# product assemblies, then runs afl-fuzz on each target in turn (all targets when none is named) for SECONDS
# (default 60) or N executions, starting from tests/KmsNative.Fuzz/Seeds/TARGET. Prints executions, crashes and hangs
# per target and in total; exits 1 when any target found a crash or a hang. TARGET self-check crashes on purpose, to
# show that a crash reaches AFL (it must end with crashes > 0). Findings are copied to
# artifacts/fuzz/findings/TARGET/, and `dotnet artifacts/fuzz/bin/KmsNative.Fuzz.dll TARGET FILE` replays one.
# Long runs: `nice -n 15 build/fuzz.sh --time 600`; the machine's other work keeps priority.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

seconds=60
execs=""
timeout_ms=2000
targets=()
while (($#)); do
  case "$1" in
    --time) seconds=$2; shift 2 ;;
    --execs) execs=$2; shift 2 ;;
    --timeout) timeout_ms=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

work="$root/artifacts/fuzz"
tools="$work/tools"
bin="$work/bin"
mkdir -p "$work/out"

apt_install afl++
if [[ ! -x "$tools/sharpfuzz" ]]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >&2
fi

# Instrument a copy, never the build output the tests use: SharpFuzz rewrites the assemblies in place.
dotnet build tests/KmsNative.Fuzz -c Release -v q -nologo >&2
rm -rf "$bin"
cp -r "$root/artifacts/build/bin/KmsNative.Fuzz/release" "$bin"
# The product assemblies, and the protobuf runtime whose parser the KMS targets reach. The framework's own
# (System.Text.Json under azure.json) is not instrumented: AFL sees our branches, not its. Nor is the harness: its Main
# runs before SharpFuzz maps AFL's coverage memory, and instrumented code there dies with an access violation.
for assembly in KmsNative.Protocol.dll KmsNative.Kms.dll KmsNative.KeyVault.dll kmsnative.dll Google.Protobuf.dll; do
  "$tools/sharpfuzz" "$bin/$assembly" >&2
done

if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(dotnet "$bin/KmsNative.Fuzz.dll" list | awk '{print $1}')
fi

# The binary is .NET, not compiled with afl-cc: AFL cannot find its instrumentation marker, SharpFuzz reports coverage.
# The session's machines pipe core dumps elsewhere and scale the CPU frequency themselves; neither matters here.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
export AFL_FAST_CAL=1

limit=(-V "$seconds")
[[ -n "$execs" ]] && limit=(-E "$execs")
rm -rf "$work/findings"
started=$(date +%s)
summary=()
total_execs=0 total_crashes=0 total_hangs=0
for target in "${targets[@]}"; do
  out="$work/out/$target"
  rm -rf "$out"
  echo "== $target: afl-fuzz ${limit[*]}" >&2
  # -m none: the .NET runtime reserves far more address space than AFL's default memory limit.
  seeds="tests/KmsNative.Fuzz/Seeds/$target"
  # self-check: a target that crashes on '!'; it starts from the grpc-timeout seeds and must report crashes.
  [[ "$target" == self-check ]] && seeds="tests/KmsNative.Fuzz/Seeds/grpc-timeout"
  afl-fuzz -i "$seeds" -o "$out" -m none -t "$timeout_ms" "${limit[@]}" \
    -- "$bin/KmsNative.Fuzz" "$target" > "$work/$target.log" 2>&1 || {
      echo "afl-fuzz failed on $target; see $work/$target.log" >&2
      tail -20 "$work/$target.log" >&2
      exit 1
    }
  stats="$out/default/fuzzer_stats"
  get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
  n=$(get execs_done) crashes=$(get saved_crashes) hangs=$(get saved_hangs) time=$(get run_time) paths=$(get corpus_count) speed=$(get execs_per_sec)
  for kind in crashes hangs; do
    if compgen -G "$out/default/$kind/id:*" > /dev/null; then
      mkdir -p "$work/findings/$target/$kind"
      cp "$out/default/$kind"/id:* "$work/findings/$target/$kind/"
    fi
  done
  summary+=("$(printf '%-16s %12s execs %8s s %9s/s %6s corpus %4s crashes %4s hangs' "$target" "$n" "$time" "$speed" "$paths" "$crashes" "$hangs")")
  total_execs=$((total_execs + n)) total_crashes=$((total_crashes + crashes)) total_hangs=$((total_hangs + hangs))
done

echo
printf '%s\n' "${summary[@]}"
printf '%-16s %12s execs %8s s wall, %s crashes, %s hangs\n' "total" "$total_execs" "$(($(date +%s) - started))" "$total_crashes" "$total_hangs"
if ((total_crashes + total_hangs > 0)); then
  echo "findings in $work/findings; replay: dotnet $bin/KmsNative.Fuzz.dll TARGET FILE" >&2
  exit 1
fi
