#!/usr/bin/env bash
# Builds libmapi (MAPI's C interface) in release mode and installs it under PREFIX:
#   PREFIX/lib/libmapi.so.1, the libmapi.so link, PREFIX/include/mapi/*.h and
#   PREFIX/lib/pkgconfig/mapi.pc. A program then builds with
#   cc app.c $(pkg-config --cflags --libs mapi)   (PKG_CONFIG_PATH=PREFIX/lib/pkgconfig)
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 PREFIX" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
prefix=$(cd "$1" && pwd)
target=${CARGO_TARGET_DIR:-$root/target}

(cd "$root" && cargo build --locked --release -q -p mapi-capi)

version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)
install -d "$prefix/lib/pkgconfig" "$prefix/include/mapi"
install -m 0755 "$target/release/libmapi_capi.so" "$prefix/lib/libmapi.so.1"
ln -sfn libmapi.so.1 "$prefix/lib/libmapi.so"
install -m 0644 "$root"/include/mapi/*.h "$prefix/include/mapi/"
cat > "$prefix/lib/pkgconfig/mapi.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: mapi
Description: MAPI's C interface: MAPILogonEx, sessions, tables (libmapi.so.1)
Version: $version
Cflags: -I\${includedir}/mapi
Libs: -L\${libdir} -lmapi
PC
echo "installed libmapi $version under $prefix"
