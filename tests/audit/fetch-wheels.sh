#!/usr/bin/env bash
# Downloads the pinned real wheels of tests/audit/wheels.txt from PyPI (pip download, no
# dependencies, binary only) into $MUSLDETECT_CACHE/wheels, once: a wheel already there
# is not fetched again. Prints the directory.
# Usage: fetch-wheels.sh [PYTHON [LIST]]   (a Python with pip, default python3; a list
# beside this script, default wheels.txt; another list's wheels go to wheels-<list name>)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=${1:-python3}
list=${2:-wheels.txt}
subdir=wheels; [ "$list" = wheels.txt ] || subdir=wheels-${list%.txt}
out=${MUSLDETECT_CACHE:-$HOME/.cache/musldetect}/$subdir
mkdir -p "$out"
grep -v '^#' "$here/$list" | while read -r requirement platforms version; do
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
