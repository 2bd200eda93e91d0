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
python3 "$repo/benchmarks/render.py" "$repo/benchmarks/results" \
    "glibc host=$out/glibc-host.json" "musl interpreter=$out/musl-interpreter.json"
cat "$repo/benchmarks/results/table.md"
