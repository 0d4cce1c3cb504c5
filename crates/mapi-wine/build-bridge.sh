#!/usr/bin/env bash
# Builds the Wine bridge into OUTDIR:
#   mapibridge.dll.so   the Winelib DLL (winegcc), loaded by Wine from WINEDLLPATH
#   mapibridge.dll      its placeholder PE (winebuild --fake-module), the path registered
#   mapi32.dll          a code-less mingw DLL forwarding every export to mapibridge
# Usage: build-bridge.sh OUTDIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
src=$here/bridge
mkdir -p "$1"
out=$(cd "$1" && pwd)
for tool in winegcc x86_64-w64-mingw32-gcc; do
    command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install wine64-tools libwine-dev gcc-mingw-w64-x86-64)" >&2; exit 1; }
done
winebuild=/usr/lib/wine/winebuild
[ -x "$winebuild" ] || winebuild=winebuild
(cd "$out" &&
    winegcc -shared -O2 -Wall -Wno-unused-function -o mapibridge.dll "$src/gen/mapibridge.spec" \
        "$src/gen/thunks.c" "$src/wrap.c" "$src/conv.c" "$src/textstream.c" "$src/propcopy.c" "$src/util.c" "$src/lib.c" \
        "$src/checks.c" "$src/compare.c" "$src/columns.c" "$src/convindex.c" "$src/notifcopy.c" "$src/unsupported.c" \
        "$src/simple.c" "$src/simple_send.c" "$src/simple_read.c" \
        -lole32 -lpthread -ldl)
"$winebuild" --dll --fake-module -m64 -E "$src/gen/mapibridge.spec" -F mapibridge.dll -o "$out/mapibridge.dll"
printf '#include <windows.h>\nBOOL WINAPI DllMainCRTStartup(HINSTANCE h, DWORD r, LPVOID p) { return TRUE; }\n' >"$out/fwd.c"
x86_64-w64-mingw32-gcc -shared -nostdlib -e DllMainCRTStartup -o "$out/mapi32.dll" "$out/fwd.c" "$src/gen/mapi32.def" -lkernel32
rm -f "$out/fwd.c"
