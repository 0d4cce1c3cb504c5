#!/usr/bin/env bash
# Installs libmapi (release) into a temporary prefix and times MAPILogonEx + Logoff of
# the quickstart profile from C: crates/mapi-capi/bench/run.sh [CYCLES]
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$root/scripts/install-c.sh" "$work/prefix" >/dev/null
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" LD_LIBRARY_PATH="$work/prefix/lib"
cc -O2 -o "$work/logon" "$root/crates/mapi-capi/bench/logon.c" $(pkg-config --cflags --libs mapi)
(cd "$root" && cargo run --locked -q -p mapi-cli -- --home "$work/home" quickstart >/dev/null)
MAPI_HOME="$work/home" "$work/logon" "${1:-200}"
