#!/usr/bin/env bash
# The C interface's figures in one run: installs libmapi (release) into a temporary
# prefix, then
#   1. benches/capi.rs: QueryRows of a 10,000-row contents table (8 columns) through the
#      IMAPITable vtable vs the Rust API, and MAPILogonEx + Logoff through the C entry
#      points vs the Rust in-process logon (medians and ratios);
#   2. bench/rows.c, a real C program: the same QueryRows of the same 10,000-row Inbox
#      (the home step 1 seeded), its median and ratio to the Rust API's of step 1;
#   3. bench/logon.c, a real C program: MAPILogonEx + Logoff + Release of the quickstart
#      profile (median), its ratio to the Rust in-process logon of step 1, and the heap
#      bytes in use before and after LEAK_CYCLES more cycles (again with glibc's tcache
#      off, which otherwise keeps a constant few KB counted as in use).
# usage: crates/mapi-capi/bench/run.sh [CYCLES [LEAK_CYCLES]]   (defaults 300, 10000)
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$root/scripts/install-c.sh" "$work/prefix" >/dev/null
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" LD_LIBRARY_PATH="$work/prefix/lib"
cc -O2 -o "$work/logon" "$root/crates/mapi-capi/bench/logon.c" $(pkg-config --cflags --libs mapi)
cc -O2 -o "$work/rows" "$root/crates/mapi-capi/bench/rows.c" $(pkg-config --cflags --libs mapi)
mkdir "$work/rows-home"
(cd "$root" && MAPI_CAPI_BENCH_HOME="$work/rows-home" cargo bench --locked -q -p mapi-capi --bench capi) | tee "$work/capi.txt"
MAPI_HOME="$work/rows-home" "$work/rows" 15 | tee "$work/rows.txt"
rust_rows=$(sed -n 's/^rust queryrows median ms: \([0-9.]*\)$/\1/p' "$work/capi.txt")
c_rows=$(sed -n 's/^QueryRows .* from a C program, .*: median \([0-9.]*\) ms.*/\1/p' "$work/rows.txt")
awk -v c="$c_rows" -v r="$rust_rows" 'BEGIN { printf "QueryRows ratio C program / Rust API: %.2f (target <= 1.5)\n", c / r }'
(cd "$root" && cargo run --locked -q -p mapi-cli -- --home "$work/home" quickstart >/dev/null)
MAPI_HOME="$work/home" "$work/logon" "${1:-300}" "${2:-10000}" | tee "$work/logon.txt"
# glibc's per-thread caches (tcache) keep a few freed blocks that mallinfo2 counts as in
# use, a constant a few KB whatever the cycle count; without them the figure is the
# library's own.
GLIBC_TUNABLES=glibc.malloc.tcache_count=0 MAPI_HOME="$work/home" "$work/logon" 1 "${2:-10000}" \
  | sed -n 's/^heap/with tcache off, heap/p'
rust=$(sed -n 's/^rust logon median us: \([0-9.]*\)$/\1/p' "$work/capi.txt")
c=$(sed -n 's/^MAPILogonEx + Logoff from C, .*: median \([0-9.]*\) us.*/\1/p' "$work/logon.txt")
awk -v c="$c" -v r="$rust" 'BEGIN { printf "logon ratio C program / Rust in-process: %.2f (target <= 1.2)\n", c / r }'
