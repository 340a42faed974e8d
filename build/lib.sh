# SPDX-License-Identifier: MIT
# Sourced by the build scripts: the one way to find the repository root, install Debian packages and npm trees.
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# sets $root (the repository root, absolute) and defines apt_install, npm_ci_if_changed, build_kmsbench, and for the
# benchmark scripts bench_results_header and kv.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# apt_install PACKAGE...: installs the packages that are not installed yet; apt-get update runs at most once per
# process, and only when something is missing. Needs root (CI and the developer machines run as root).
apt_install() {
  local missing=() package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$package")
    fi
  done
  ((${#missing[@]} == 0)) && return 0
  echo "apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if [[ -z "${KMSNATIVE_APT_UPDATED:-}" ]]; then
    apt-get update -qq
    export KMSNATIVE_APT_UPDATED=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# npm_ci_if_changed DIR: npm ci in DIR when its package-lock.json differs from the tree npm last installed there
# (npm writes node_modules/.package-lock.json), so a second run costs nothing.
npm_ci_if_changed() {
  local dir=$1
  if [[ -f "$dir/node_modules/.package-lock.json" && ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    echo "node_modules up to date in ${dir#"$root"/}" >&2
    return 0
  fi
  echo "npm ci in ${dir#"$root"/}" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

# build_kmsbench: builds the benchmarks' Go driver (bench/go/kmsbench, on Debian's grpc-go and the x/net/http2 it
# depends on, which the attackers use directly) into artifacts/bench and
# prints its path.
build_kmsbench() {
  local bin=$root/artifacts/bench
  mkdir -p "$bin/gopath/src"
  ln -sfn "$root/bench/go/kmsbench" "$bin/gopath/src/kmsbench"
  (cd "$bin/gopath/src/kmsbench" && GO111MODULE=off GOFLAGS= GOPROXY=off GOPATH="$bin/gopath:/usr/share/gocode" \
    GOCACHE="$bin/gocache" go build -o "$bin/kmsbench" .) >&2
  echo "$bin/kmsbench"
}

# bench_results_header SETTING...: the comment lines a benchmark's results.tsv starts with: when, with which settings
# and commit, on what machine, at what load.
bench_results_header() {
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $* commit=$(git -C "$root" rev-parse --short HEAD)"
  echo "# $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
  echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# kv KEY LINE: the number after KEY= in a line of the drivers' key=value output.
kv() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
