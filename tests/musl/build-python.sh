#!/usr/bin/env bash
# Builds a musl-linked CPython 3.11 from Debian's sources with Debian's musl-gcc, for
# running the test suite inside a real musl process. The result is cached under
# $MUSLDETECT_CACHE/python-musl-<hash of this script>/ and reused while this script
# is unchanged. Prints the interpreter's path on the last line of stdout.
# Test dependencies come from wheels the host's pip fetches (the musl build has no ssl).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/apt-private.sh"
key=$(cat "$0" "$here/apt-private.sh" "$here/requirements-musl.txt" | sha256sum | cut -c1-12)
PREFIX=$MUSLDETECT_CACHE/python-musl-$key
PY=$PREFIX/bin/python3.11
if [ -x "$PY" ] && [ -f "$PREFIX/.complete" ]; then
    echo "$PY"
    exit 0
fi
arch=$(uname -m)
[ "$arch" = x86_64 ] || { echo "build-python: only x86_64 hosts are supported (got $arch)" >&2; exit 1; }
for cmd in musl-gcc make pkg-config; do
    command -v "$cmd" >/dev/null || { echo "build-python: $cmd is missing (apt-get install musl-tools make pkg-config)" >&2; exit 1; }
done
[ -d /usr/include/linux ] || { echo "build-python: kernel headers missing (apt-get install linux-libc-dev)" >&2; exit 1; }

work=$(mktemp -d "$MUSLDETECT_CACHE/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
rm -rf "$PREFIX"
mkdir -p "$PREFIX" "$work/src" "$work/kernel-headers" "$work/bin"
exec 3>&1 1>"$work/build.log" 2>&1
trap 'status=$?; if [ $status -ne 0 ]; then tail -n 60 "$work/build.log" >&3; fi; rm -rf "$work"' EXIT

# musl's include directory has no kernel headers: a private directory of links to the system's.
for d in linux asm-generic mtd rdma misc sound video xen drm; do
    [ -e "/usr/include/$d" ] && ln -s "/usr/include/$d" "$work/kernel-headers/$d"
done
ln -s "/usr/include/$arch-linux-gnu/asm" "$work/kernel-headers/asm"
# A compiler wrapper: musl-gcc answers -print-multiarch with the glibc triplet, which
# makes CPython's configure abort; the cache keeps it because sysconfig records CC.
cc=$PREFIX/bin/musl-cc
mkdir -p "$PREFIX/bin" "$PREFIX/include/kernel"
cp -a "$work/kernel-headers/." "$PREFIX/include/kernel/"
cat >"$cc" <<WRAP
#!/bin/sh
for a in "\$@"; do case "\$a" in -print-multiarch|--print-multiarch) echo $arch-linux-musl; exit 0;; esac; done
exec musl-gcc -isystem "$PREFIX/include/kernel" "\$@"
WRAP
chmod +x "$cc"

apt_private_update "deb deb-src"
cd "$work/src"
APT_ARCHS=amd64 apt_private source --download-only python3.11/bookworm zlib/bookworm libffi/bookworm
tar xf python3.11_*.orig.tar.*
tar xf zlib_*.orig.tar.*
tar xf libffi_*.orig.tar.*

export CC=$cc CFLAGS="-O2 -fPIC" PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig PKG_CONFIG_LIBDIR=$PREFIX/lib/pkgconfig
(cd zlib-*/ && ./configure --prefix="$PREFIX" --static && make -j"$(nproc)" && make install)
(cd libffi-*/ && ./configure --prefix="$PREFIX" --disable-shared --enable-static --with-pic --disable-docs \
    && make -j"$(nproc)" && make install)
(cd Python-3.11*/ && ./configure --prefix="$PREFIX" --without-ensurepip \
    CPPFLAGS="-I$PREFIX/include" LDFLAGS="-L$PREFIX/lib -Wl,-rpath,$PREFIX/lib" \
    && make -j"$(nproc)" && make install)

"$PY" - <<'CHECK'
import sysconfig, zlib, ctypes
assert sysconfig.get_config_var("HOST_GNU_TYPE").endswith("-linux-musl"), sysconfig.get_config_var("HOST_GNU_TYPE")
CHECK

# Test dependencies: wheels for musllinux fetched by the host's pip into site-packages.
site=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
python3 -m pip install -q --disable-pip-version-check --target "$site" --platform musllinux_1_2_$arch --platform musllinux_1_1_$arch \
    --python-version 3.11 --implementation cp --abi cp311 --only-binary=:all: -r "$here/requirements-musl.txt"
"$PY" -c 'import pytest, cffi, packaging, hypothesis, setuptools, pip'
touch "$PREFIX/.complete"
echo "$PY" >&3
