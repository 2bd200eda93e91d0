#!/usr/bin/env bash
# The C core on its own: md_selftest built with -Wall -Wextra -Werror under gcc and
# musl-gcc, run under AddressSanitizer + UndefinedBehaviorSanitizer (gcc) and under
# valgrind memcheck (both builds). Exits non-zero on any finding.
# Usage: csrc/check.sh [OUTDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(mktemp -d)}
mkdir -p "$out"
python3 "$here/gen_rules.py" "$out/generated" >/dev/null  # md_rules.h from musldetect/_rules.py
src=("$here/md_core.c" "$here/md_elfsym.c" "$here/md_elfdyn.c" "$here/md_elfhead.c" "$here/md_zip.c" "$here/md_selftest.c")
warn=(-Wall -Wextra -Werror -I"$out/generated")
glibc_version=$(getconf GNU_LIBC_VERSION | awk '{print $2}')

gcc "${warn[@]}" -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
    -o "$out/selftest-asan" "${src[@]}" -ldl
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$out/selftest-asan" glibc "$glibc_version" --bench 200
echo "asan+ubsan (gcc, glibc $glibc_version): clean"

gcc "${warn[@]}" -O2 -g -o "$out/selftest-glibc" "${src[@]}" -ldl
valgrind -q --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=all \
    "$out/selftest-glibc" glibc "$glibc_version" --bench 20
echo "valgrind memcheck (gcc, glibc): clean"

# The member reader fed and drained a few bytes at a time (real steps are 4 GiB), under the sanitizers.
gcc "${warn[@]}" -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -DMD_INFLATE_STEP=61 \
    -o "$out/inflate-check" "$here/md_inflate.c" "$here/md_inflate_check.c" -lz
"$out/inflate-check"

if command -v musl-gcc >/dev/null; then
    musl_version=$(/lib/ld-musl-"$(uname -m)".so.1 2>&1 | awk '/^Version/ {print $2}' || true)
    musl-gcc "${warn[@]}" -O2 -g -o "$out/selftest-musl" "${src[@]}"
    valgrind -q --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=all \
        "$out/selftest-musl" musl "$musl_version" --bench 20
    echo "valgrind memcheck (musl-gcc, musl $musl_version): clean"
fi
