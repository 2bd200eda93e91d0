#!/usr/bin/env bash
# Runs the test suite with an interpreter inside a root filesystem (chroot, as root), the
# wheel under test installed into the root's site-packages: the interpreter then loads
# the root's own C library. Usage: run-in-root.sh ROOT WHEEL TESTS_DIR PYTHON [PYTEST ARGS]
set -euo pipefail
root=$1 wheel=$2 tests=$3 python=$4
shift 4
version=$(/usr/sbin/chroot "$root" "$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
site=$root/usr/local/lib/python$version/dist-packages
rm -rf "$site"/musldetect "$site"/musldetect-*.dist-info "$root/src/tests"
platform=$(basename "$wheel" .whl | cut -d- -f5)
python3 -m pip install -q --disable-pip-version-check --no-deps --target "$site" --python-version "$version" \
    --implementation cp --abi abi3 --platform "${platform%%.*}" --only-binary=:all: "$wheel" 2>&1 \
    | { grep -v -e 'Running pip as' -e 'already exists' || true; }
mkdir -p "$root/src"
cp -r "$tests" "$root/src/tests"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
status=0
env -i PATH=/usr/bin:/bin HOME=/tmp MUSLDETECT_REQUIRE_BACKENDS=native,cffi,ctypes,python \
    /usr/sbin/chroot "$root" "$python" -m pytest -q -ra -p no:cacheprovider /src/tests "$@" || status=$?
umount "$root/dev" "$root/proc"
exit $status
