#!/usr/bin/env bash
# Windows MAPI programs under Wine, on our profiles.
#
#   scripts/wine-bridge.sh install WINEPREFIX
#       Creates the (64-bit) prefix when it does not exist, builds the bridge
#       (crates/mapi-wine/build-bridge.sh), places mapibridge.dll.so under
#       WINEPREFIX/mapi-bridge, its placeholder and the forwarding mapi32.dll in
#       system32, and registers mapibridge.dll as the default mail client (DLLPathEx and
#       DLLPath under HKLM\Software\Clients\Mail\mapi). libmapi.so.1 is $MAPI_LIBMAPI when
#       set, else built and installed with scripts/install-c.sh under WINEPREFIX/mapi-bridge.
#   scripts/wine-bridge.sh run WINEPREFIX -- PROGRAM ARGS...
#       Runs a Windows program in the prefix with WINEDLLPATH, mapi32=n,b and the library's
#       path set; MAPI_HOME and the rest of the caller's environment pass through.
#       (Windows CPython wants pipes for its standard handles: `... | cat`.)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
WINE=${WINE:-/usr/lib/wine/wine64}
WINESERVER=${WINESERVER:-/usr/lib/wine/wineserver}
usage() { echo "usage: $0 install WINEPREFIX | run WINEPREFIX -- PROGRAM ARGS..." >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
mkdir -p "$2"
export WINEPREFIX
WINEPREFIX=$(cd "$2" && pwd)
shift 2
[ -x "$WINE" ] || { echo "Wine is needed (apt-get install wine wine64 wine64-tools libwine-dev)" >&2; exit 1; }
export WINEARCH=win64 WINEDEBUG=${WINEDEBUG:--all}
base_overrides="mscoree,mshtml=;winemenubuilder.exe=d"
bridge=$WINEPREFIX/mapi-bridge
sys32=$WINEPREFIX/drive_c/windows/system32

# The wineserver and the prefix's service processes, detached from the caller's pipes
# (a wine process that starts them hands them its stdout, and `| cat` would wait).
start_server() {
    "$WINESERVER" -p10 </dev/null >/dev/null 2>&1 || true   # fails when one already runs
    WINEDLLOVERRIDES=$base_overrides timeout 120 "$WINE" cmd /c exit </dev/null >/dev/null 2>&1 || true
}

case $cmd in
install)
    [ $# -eq 0 ] || usage
    if [ ! -f "$WINEPREFIX/system.reg" ]; then
        WINEDLLOVERRIDES=$base_overrides timeout 300 "$WINE" wineboot -i </dev/null >/dev/null 2>&1
        "$WINESERVER" -w
    fi
    mkdir -p "$bridge"
    "$root/crates/mapi-wine/build-bridge.sh" "$bridge/build" >/dev/null
    if [ -n "${MAPI_LIBMAPI:-}" ]; then
        lib=$(cd "$(dirname "$MAPI_LIBMAPI")" && pwd)/$(basename "$MAPI_LIBMAPI")
    else
        "$root/scripts/install-c.sh" "$bridge/prefix" >/dev/null
        lib=$bridge/prefix/lib/libmapi.so.1
    fi
    printf '%s\n' "$lib" >"$bridge/libmapi.path"
    install -m 0755 "$bridge/build/mapibridge.dll.so" "$bridge/mapibridge.dll.so"
    [ -f "$sys32/mapi32.dll.wine" ] || { [ -f "$sys32/mapi32.dll" ] && cp "$sys32/mapi32.dll" "$sys32/mapi32.dll.wine"; } || true
    install -m 0644 "$bridge/build/mapibridge.dll" "$sys32/mapibridge.dll"
    install -m 0644 "$bridge/build/mapi32.dll" "$sys32/mapi32.dll"
    start_server
    reg() { WINEDLLOVERRIDES=$base_overrides timeout 60 "$WINE" reg "$@" </dev/null 2>&1 | cat >/dev/null; }
    reg add 'HKLM\Software\Clients\Mail\mapi' /v DLLPathEx /d 'C:\windows\system32\mapibridge.dll' /f
    reg add 'HKLM\Software\Clients\Mail\mapi' /v DLLPath /d 'C:\windows\system32\mapibridge.dll' /f
    reg add 'HKLM\Software\Clients\Mail' /ve /d mapi /f
    echo "bridge installed in $WINEPREFIX (libmapi: $lib)"
    ;;
run)
    [ "${1:-}" = "--" ] || usage
    shift
    [ $# -ge 1 ] || usage
    [ -f "$bridge/libmapi.path" ] || { echo "run '$0 install $WINEPREFIX' first" >&2; exit 1; }
    export WINEDLLPATH=$bridge${WINEDLLPATH:+:$WINEDLLPATH}
    export WINEDLLOVERRIDES="$base_overrides;mapi32=n,b${WINEDLLOVERRIDES:+;$WINEDLLOVERRIDES}"
    MAPI_BRIDGE_LIBMAPI=$(cat "$bridge/libmapi.path")
    export MAPI_BRIDGE_LIBMAPI
    start_server
    exec "$WINE" "$@"
    ;;
*)
    usage
    ;;
esac
