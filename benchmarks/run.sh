#!/usr/bin/env bash
# Runs the benchmark suite on the host Python and inside the musl-linked test
# interpreter (tests/musl/build-python.sh), then renders benchmarks/results/.
# Needs musldetect (with its extension), cffi, packaging==26.3 and pytest-benchmark
# installed in both interpreters, as .ci/run leaves them. Run it on an idle machine.
# Usage: benchmarks/run.sh [HOST_PYTHON [MUSL_PYTHON]]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
host=${1:-python3}
musl=${2:-$(bash "$repo/tests/musl/build-python.sh" | tail -n1)}
out=$(mktemp -d)
for pair in "glibc host=$host" "musl interpreter=$musl"; do
    label=${pair%%=*}; py=${pair#*=}
    (cd "$out" && "$py" -m pytest -q -p no:cacheprovider "$repo/benchmarks" --benchmark-min-rounds=50 \
        --benchmark-max-time=1.0 --benchmark-json="$out/${label// /-}.json")
done
# Where each backend's cold detection spends its time, in both interpreters.
"$host" "$repo/benchmarks/profile_backends.py" --out "$repo/benchmarks/results" --label glibc-host
"$musl" "$repo/benchmarks/profile_backends.py" --out "$repo/benchmarks/results" --label musl-interpreter
# Start-up per backend and cold detection against packaging (issue 20's targets), both interpreters.
"$host" "$repo/benchmarks/startup_bench.py" --profile --out "$repo/benchmarks/results/startup-glibc-host.json"
"$musl" "$repo/benchmarks/startup_bench.py" --profile --out "$repo/benchmarks/results/startup-musl-interpreter.json"
# The inspect() sweep over /usr, in both interpreters.
"$host" "$repo/benchmarks/sweep.py" --top /usr --out "$repo/benchmarks/results/sweep-glibc-host.json"
"$musl" "$repo/benchmarks/sweep.py" --top /usr --out "$repo/benchmarks/results/sweep-musl-interpreter.json"
# The native scan against its floor (csrc/md_floor.c): one dl_iterate_phdr walk and one
# memmem + memchr pass over the banner's segment, built with musl-gcc, beside md_detect.
python3 "$repo/csrc/gen_rules.py" "$out/generated" >/dev/null  # md_rules.h for the C core
if command -v musl-gcc >/dev/null; then
    musl-gcc -O2 -o "$out/md_floor" "$repo/csrc/md_floor.c"
    musl-gcc -O2 -I"$out/generated" -o "$out/md_selftest" "$repo/csrc/md_core.c" "$repo/csrc/md_selftest.c"
    { for _ in 1 2 3 4 5; do "$out/md_floor" 3000; "$out/md_selftest" --bench 3000 | grep md_detect; done; } \
        | tee "$repo/benchmarks/results/native-floor-musl.txt"
fi
gcc -O2 -o "$out/md_floor-glibc" "$repo/csrc/md_floor.c" -ldl
gcc -O2 -I"$out/generated" -o "$out/md_selftest-glibc" "$repo/csrc/md_core.c" "$repo/csrc/md_selftest.c" -ldl
{ for _ in 1 2 3 4 5; do "$out/md_floor-glibc" 30000; "$out/md_selftest-glibc" --bench 30000 | grep md_detect; done; } \
    | tee "$repo/benchmarks/results/native-floor-glibc.txt"
python3 "$repo/benchmarks/render.py" "$repo/benchmarks/results" \
    "glibc host=$out/glibc-host.json" "musl interpreter=$out/musl-interpreter.json"
cat "$repo/benchmarks/results/table.md"
