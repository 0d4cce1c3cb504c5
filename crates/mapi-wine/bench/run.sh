#!/usr/bin/env bash
# The Wine bridge's overhead: bench/cycle.c (MAPILogonEx + GetMsgStoresTable + QueryRows
# + Logoff, timed inside the process) as a native program on libmapi and as a Windows
# program through mapi32.dll and the bridge under Wine, on the same quickstart profile;
# prints both medians and their ratio (target <= 2). Wine's start-up is not counted.
# usage: crates/mapi-wine/bench/run.sh [CYCLES]   (default 300; needs what
# tests/wine_clients.rs needs: Wine 8, winegcc, mingw-w64)
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
n=${1:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$root/scripts/install-c.sh" "$work/prefix" >/dev/null
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
cc -O2 -o "$work/cycle" "$root/crates/mapi-wine/bench/cycle.c" $(pkg-config --cflags --libs mapi)
(cd "$root" && cargo run --locked -q -p mapi-cli -- --home "$work/home" quickstart >/dev/null)
native=$(MAPI_HOME="$work/home" LD_LIBRARY_PATH="$work/prefix/lib" "$work/cycle" "$n")
echo "native:       $native"
MAPI_LIBMAPI="$work/prefix/lib/libmapi.so.1" "$root/scripts/wine-bridge.sh" install "$work/wine" >/dev/null
x86_64-w64-mingw32-gcc -O2 -o "$work/wine/drive_c/cycle.exe" "$root/crates/mapi-wine/bench/cycle.c" -lmapi32
bridged=$(MAPI_HOME="$work/home" timeout 600 "$root/scripts/wine-bridge.sh" run "$work/wine" -- 'C:\cycle.exe' "$n" 2>/dev/null | tr -d '\r')
echo "Wine bridge:  $bridged"
WINEPREFIX="$work/wine" "${WINESERVER:-/usr/lib/wine/wineserver}" -k 2>/dev/null || true
med() { sed -n 's/^cycle median \([0-9.]*\) us.*/\1/p'; }
awk -v b="$(echo "$bridged" | med)" -v c="$(echo "$native" | med)" \
    'BEGIN { printf "ratio bridge / native: %.2f (target <= 2)\n", b / c }'
