#!/usr/bin/env bash
# Assembles the plugin's whole runtime file set into a directory: the one list of what the container image holds.
# build/Dockerfile runs it in its build stage and copies the result onto an empty image; the chroot test
# (tests/KmsNative.InteropTests/Container) runs it and starts the plugin inside the result, so a hidden runtime
# dependency (ICU, libstdc++, a shell) fails there first.
#
#   build/rootfs.sh <kmsnative binary> <target directory>
#
# The set: /kmsnative; the libraries ldd names for it; OpenSSL's libssl and libcrypto (.NET loads them with dlopen,
# so ldd cannot name them) with their own ldd dependencies; the CA bundle (/etc/ssl/certs/ca-certificates.crt);
# /usr/lib/ssl/cert.pem linking to it (OpenSSL's default); /etc/passwd and /etc/group with the nonroot user 65532; an empty /tmp. Nothing else: no shell, no ICU
# (InvariantGlobalization), no libstdc++ unless ldd names it.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: build/rootfs.sh <kmsnative binary> <target directory>" >&2
  exit 2
fi
binary=$1
target=$2
[ -x "$binary" ] || { echo "rootfs.sh: $binary is not an executable file" >&2; exit 1; }
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -f "$ca_bundle" ] || { echo "rootfs.sh: $ca_bundle is missing (install ca-certificates)" >&2; exit 1; }

mkdir -p "$target"
install -m 0755 "$binary" "$target/kmsnative"

# A library at the path the loader asks for, as a regular file (symlinks resolved: the target's /lib and /usr/lib
# are plain directories, whatever the build host's merged-/usr layout is).
copy_file() {
  local path=$1
  [ -e "$target$path" ] && return 0
  mkdir -p "$target$(dirname "$path")"
  cp -L "$path" "$target$path"
}

# ldd prints "name => /path (addr)" and the loader as "/lib64/ld-linux-x86-64.so.2 (addr)".
libraries_of() {
  ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
}

openssl=()
for name in libssl.so.3 libcrypto.so.3; do
  path=$(ldconfig -p | awk -v n="$name" '$1 == n && /x86-64/ { print $NF; exit }')
  [ -n "$path" ] || { echo "rootfs.sh: $name not found (install libssl3)" >&2; exit 1; }
  openssl+=("$path")
done

for path in $(libraries_of "$binary") "${openssl[@]}" $(for lib in "${openssl[@]}"; do libraries_of "$lib"; done); do
  copy_file "$path"
done

mkdir -p "$target/etc/ssl/certs"
cp "$ca_bundle" "$target/etc/ssl/certs/ca-certificates.crt"
# OpenSSL's compiled-in default (OPENSSLDIR /usr/lib/ssl on Debian and Ubuntu) points at the bundle, as on the host.
mkdir -p "$target/usr/lib/ssl"
ln -sf /etc/ssl/certs/ca-certificates.crt "$target/usr/lib/ssl/cert.pem"
printf 'root:x:0:0:root:/:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/:/sbin/nologin\n' >"$target/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$target/etc/group"
mkdir -p "$target/tmp"
chmod 1777 "$target/tmp"
