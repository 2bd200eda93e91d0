#!/usr/bin/env bash
# Builds a free-threaded CPython 3.13 (--disable-gil, "3.13t") from Debian trixie's
# python3.13 source package with the host's gcc and glibc, for running the test suite in
# a real free-threaded process (Debian packages no free-threaded build). Cached under
# $MUSLDETECT_CACHE/python-ft-<hash of this script>/ and reused while this script is
# unchanged; prints the interpreter's path on the last line of stdout. Test dependencies
# come from wheels the host's pip fetches (cp313t). Needs gcc, make, libffi-dev, zlib1g-dev.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../musl/apt-private.sh"
key=$(cat "$0" "$here/../musl/apt-private.sh" | sha256sum | cut -c1-12)
PREFIX=$MUSLDETECT_CACHE/python-ft-$key
PY=$PREFIX/bin/python3.13t
if [ -x "$PY" ] && [ -f "$PREFIX/.complete" ]; then
    echo "$PY"
    exit 0
fi
[ "$(uname -m)" = x86_64 ] || { echo "build-python-ft: only x86_64 hosts are supported" >&2; exit 1; }
for cmd in gcc make; do
    command -v "$cmd" >/dev/null || { echo "build-python-ft: $cmd is missing (apt-get install gcc make)" >&2; exit 1; }
done
work=$(mktemp -d "$MUSLDETECT_CACHE/build-ft.XXXXXX")
rm -rf "$PREFIX"
mkdir -p "$PREFIX" "$work/src"
exec 3>&1 1>"$work/build.log" 2>&1
trap 'status=$?; if [ $status -ne 0 ]; then tail -n 60 "$work/build.log" >&3; fi; rm -rf "$work"' EXIT

apt_private_update "deb deb-src"
cd "$work/src"
APT_ARCHS=amd64 apt_private source --download-only python3.13/trixie
tar xf python3.13_*.orig.tar.xz
(cd Python-3.13*/ && ./configure --prefix="$PREFIX" --disable-gil --without-ensurepip \
    LDFLAGS="-Wl,-rpath,$PREFIX/lib" && make -j"$(nproc)" && make install)

"$PY" - <<'CHECK'
import sys, sysconfig, ctypes, zlib
assert sysconfig.get_config_var("Py_GIL_DISABLED") == 1
assert sys.abiflags == "t", sys.abiflags
CHECK
site=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
# hypothesis before 6.150 is pure Python: its later abi3 wheels are offered for cp313t by the
# host's pip, whose packaging does not know that free-threaded builds cannot load abi3.
python3 -m pip install -q --disable-pip-version-check --target "$site" --python-version 3.13 --implementation cp \
    --abi cp313t --abi none --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --only-binary=:all: \
    pytest "hypothesis<6.150" pyelftools "packaging==26.3"
"$PY" -c 'import pytest, packaging, hypothesis'
touch "$PREFIX/.complete"
echo "$PY" >&3
