#!/usr/bin/env bash
# Assembles a root filesystem holding Debian sid's CPython 3.14 and 3.15, each in its
# release build (/usr/bin/python3.1X) and its debug build (/usr/bin/python3.1Xd, --with-pydebug), with
# sid's own glibc, from Debian's binary packages (unpacked, never installed on the host).
# The tests run inside it with chroot: the interpreters then load sid's C library, as on
# a sid machine. Test dependencies (wheels for cp314) come from the host's pip.
# Cached under $MUSLDETECT_CACHE/sid-python314-<hash of this script>; prints the root.
# (Debian packages no free-threaded build, and its python3.14 source cannot be fetched
# here today, so the free-threaded ABI is checked against packaging's own rules only.)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../musl/apt-private.sh"
key=$(cat "$0" "$here/../musl/apt-private.sh" | sha256sum | cut -c1-12)
root=$MUSLDETECT_CACHE/sid-python314-$key
if [ -f "$root/.complete" ]; then
    echo "$root"
    exit 0
fi
[ "$(uname -m)" = x86_64 ] || { echo "sid-python314: only x86_64 hosts are supported" >&2; exit 1; }
rm -rf "$root" "$root.debs"
mkdir -p "$root" "$root.debs"
apt_private_update "deb"
# The interpreters and what their core modules link; one download call for the list.
packages="libc6 libgcc-s1 zlib1g libexpat1 libffi8 libzstd1 liblzma5 libbz2-1.0 libmpdec4 libuuid1 libcrypt1
 libssl3t64 libsqlite3-0 libtinfo6 libncursesw6 libreadline8t64 media-types tzdata
 python3.14 python3.14-minimal libpython3.14-minimal libpython3.14-stdlib
 python3.14-dbg libpython3.14-dbg
 python3.15 python3.15-minimal libpython3.15-minimal libpython3.15-stdlib
 python3.15-dbg libpython3.15-dbg"
specs=()
for pkg in $packages; do specs+=("$pkg:amd64/sid"); done
(cd "$root.debs" && APT_ARCHS=amd64 apt_private download "${specs[@]}" >/dev/null)
for deb in "$root.debs"/*.deb; do dpkg-deb -x "$deb" "$root"; done
rm -rf "$root.debs"
# Debian's merged /usr: the loader is named /lib64/ld-linux-x86-64.so.2.
for d in bin lib lib64 sbin; do
    if [ -d "$root/usr/$d" ] && [ ! -e "$root/$d" ]; then ln -s "usr/$d" "$root/$d"; fi
done
mkdir -p "$root/tmp" "$root/dev" "$root/proc" "$root/src"
chmod 1777 "$root/tmp"
for version in 3.14 3.15; do
    abi=cp${version/./}
    python3 -m pip install -q --disable-pip-version-check --target "$root/usr/local/lib/python$version/dist-packages" \
        --python-version "$version" --implementation cp --abi "$abi" --abi abi3 --abi none \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        --only-binary=:all: pytest hypothesis pyelftools cffi "packaging==26.3"
    chroot "$root" "/usr/bin/python$version" -c 'import pytest, packaging, cffi, sys; print(sys.version)' >&2
    chroot "$root" "/usr/bin/python${version}d" -c 'import sys; assert hasattr(sys, "gettotalrefcount")' >&2
done
touch "$root/.complete"
echo "$root"
