#!/usr/bin/env bash
# Builds CPython 3.14 from the source of Debian's python3.14 package (sid), the way
# tests/musl/build-python.sh builds the musl interpreter, in one of three variants:
#   default | freethreaded (--disable-gil) | debug (--with-pydebug)
# so the tag tests run on every interpreter kind packaging knows. Cached under
# $MUSLDETECT_CACHE/cpython-3.14-<variant>-<hash of this script>/ (the build tree is the
# interpreter: no install step); prints the interpreter's path on the last line.
# Test dependencies (pure-Python wheels) come from the host's pip into a site directory.
set -euo pipefail
variant=${1:-default}
case "$variant" in
    default) flags=() ;;
    freethreaded) flags=(--disable-gil) ;;
    debug) flags=(--with-pydebug) ;;
    *) echo "build-cpython: unknown variant $variant (default, freethreaded, debug)" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../musl/apt-private.sh"
key=$(cat "$0" "$here/../musl/apt-private.sh" | sha256sum | cut -c1-12)
tree=$MUSLDETECT_CACHE/cpython-3.14-$variant-$key
if [ -x "$tree/bin/python3" ] && [ -f "$tree/.complete" ]; then
    echo "$tree/bin/python3"
    exit 0
fi
rm -rf "$tree"
mkdir -p "$tree/src" "$tree/bin"
log=$tree/build.log
exec 3>&1 1>"$log" 2>&1
trap 'status=$?; if [ $status -ne 0 ]; then tail -n 60 "$log" >&3; fi' EXIT

apt_private_update "deb deb-src"
cd "$tree/src"
APT_ARCHS=amd64 apt_private source --download-only python3.14/sid
tar xf python3.14_*.orig.tar.*
rm -f python3.14_*
cd Python-3.14*/
./configure --without-ensurepip "${flags[@]}"
make -j"$(nproc)"
build=$(pwd)
# A launcher that runs the build tree's interpreter with the test dependencies on its path.
site=$tree/site-packages
cat >"$tree/bin/python3" <<LAUNCH
#!/bin/sh
PYTHONPATH="$site\${PYTHONPATH:+:\$PYTHONPATH}" exec "$build/python" "\$@"
LAUNCH
chmod +x "$tree/bin/python3"
abi=$("$build/python" -c 'import sys, sysconfig; print("cp314" + ("t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""))')
python3 -m pip install -q --disable-pip-version-check --target "$site" --python-version 3.14 --implementation cp \
    --abi "$abi" --abi abi3 --abi none --only-binary=:all: pytest hypothesis pyelftools "packaging==26.3"
"$tree/bin/python3" -c 'import pytest, packaging, hypothesis, elftools, sysconfig, sys; print(sys.version)'
touch "$tree/.complete"
echo "$tree/bin/python3" >&3
