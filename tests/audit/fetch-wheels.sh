#!/usr/bin/env bash
# Downloads the pinned real wheels of tests/audit/wheels.txt from PyPI (pip download, no
# dependencies, binary only) into $MUSLDETECT_CACHE/wheels, once: a wheel already there
# is not fetched again. Prints the directory.
# Usage: fetch-wheels.sh [PYTHON] [LIST] [DIRECTORY]   (a Python with pip; default python3,
# tests/audit/wheels.txt, wheels; tests/audit/abi3-wheels.txt goes to wheels-abi3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=${1:-python3}
list=${2:-$here/wheels.txt}
out=${MUSLDETECT_CACHE:-$HOME/.cache/musldetect}/${3:-wheels}
mkdir -p "$out"
grep -v '^#' "$list" | while read -r requirement platforms version; do
    [ -n "$requirement" ] || continue
    name=${requirement%%==*}; pinned=${requirement#*==}
    stem=$(printf '%s' "$name" | tr 'A-Z-' 'a-z_')
    first=${platforms%%,*}
    if ls "$out" | tr 'A-Z' 'a-z' | grep -q "^${stem}-${pinned}-.*${first}.*\.whl$"; then
        continue
    fi
    args=()
    IFS=, read -ra wanted <<<"$platforms"
    for platform in "${wanted[@]}"; do args+=(--platform "$platform"); done
    "$python" -m pip download -q --no-deps --only-binary=:all: --python-version "$version" "${args[@]}" \
        "$requirement" -d "$out" 2>&1 | grep -v -e 'is ignored' -e '^$' || true
done
count=$(ls "$out"/*.whl | wc -l)
echo "fetch-wheels: $count wheels in $out" >&2
echo "$out"
