#!/usr/bin/env bash
# Downloads Debian's musl and glibc builds for several releases and architectures and
# unpacks them under $MUSLDETECT_CACHE/corpus, for the inspect() corpus tests and the
# run-time musl release tests. Writes corpus/manifest.tsv (package, suite, arch,
# version, unpacked dir) and corpus/missing.tsv (what the archive index did not offer).
# Idempotent: packages already unpacked are not fetched again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/apt-private.sh"
CORPUS=$MUSLDETECT_CACHE/corpus
mkdir -p "$CORPUS/debs"
# One run at a time: two (stages run side by side) would both write manifest.tsv.new,
# and the manifest came out with every row twice.
exec 9>"$CORPUS/.lock"
flock 9
SUITES="bullseye bookworm trixie sid"
PACKAGES="musl libc6 libc-bin"
archs=${APT_ARCHS//,/ }

apt_private_update "deb deb-src"

specs=()
: >"$CORPUS/manifest.tsv.new"
: >"$CORPUS/missing.tsv.new"
# One madison call for every package and architecture: each call re-reads the indexes.
queries=()
for pkg in $PACKAGES; do for arch in $archs; do queries+=("$pkg:$arch"); done; done
madison=$(apt_private_cache madison "${queries[@]}" 2>/dev/null || true)
for pkg in $PACKAGES; do
    for arch in $archs; do
        for suite in $SUITES; do
            version=$(awk -F'|' -v p="$pkg" -v s=" $suite/main $arch Packages" '
                { name = $1; gsub(/ /, "", name); sub(/:.*/, "", name) }
                name == p && index($3, s) {gsub(/ /, "", $2); print $2; exit}' <<<"$madison")
            if [ -z "$version" ]; then
                printf '%s\t%s\t%s\n' "$pkg" "$suite" "$arch" >>"$CORPUS/missing.tsv.new"
                continue
            fi
            dir="$CORPUS/${pkg}_${version//:/%3a}_$arch"
            printf '%s\t%s\t%s\t%s\t%s\n' "$pkg" "$suite" "$arch" "$version" "$dir" >>"$CORPUS/manifest.tsv.new"
            [ -d "$dir" ] || specs+=("$pkg:$arch=$version")
        done
    done
done

if [ ${#specs[@]} -gt 0 ]; then
    # One call for the whole list: each apt-get call re-reads the large indexes. When the
    # archive lists a package it cannot serve (a 404 while a suite is being updated), apt
    # still saves the others and the call fails: what it could not fetch counts as missing
    # today (a retry would meet the same 404), and the next run asks again.
    if ! (cd "$CORPUS/debs" && apt_private download "${specs[@]}"); then
        echo "fetch-corpus: some listed packages could not be downloaded today; they count as missing" >&2
    fi
    for spec in "${specs[@]}"; do
        pkg=${spec%%:*}; rest=${spec#*:}; arch=${rest%%=*}; version=${rest#*=}
        deb="$CORPUS/debs/${pkg}_${version//:/%3a}_$arch.deb"
        [ -f "$deb" ] || continue
        dir="$CORPUS/${pkg}_${version//:/%3a}_$arch"
        rm -rf "$dir.tmp" && dpkg-deb -x "$deb" "$dir.tmp" && mv "$dir.tmp" "$dir"
        rm -f "$deb"
    done
    # Listed but not downloaded: out of the manifest, into missing.tsv.
    while IFS=$'\t' read -r pkg suite arch version dir; do
        if [ -d "$dir" ]; then
            printf '%s\t%s\t%s\t%s\t%s\n' "$pkg" "$suite" "$arch" "$version" "$dir"
        else
            printf '%s\t%s\t%s\n' "$pkg" "$suite" "$arch" >>"$CORPUS/missing.tsv.new"
        fi
    done <"$CORPUS/manifest.tsv.new" >"$CORPUS/manifest.tsv.kept"
    mv "$CORPUS/manifest.tsv.kept" "$CORPUS/manifest.tsv.new"
fi
mv "$CORPUS/manifest.tsv.new" "$CORPUS/manifest.tsv"
mv "$CORPUS/missing.tsv.new" "$CORPUS/missing.tsv"
echo "fetch-corpus: $(wc -l <"$CORPUS/manifest.tsv") packages in $CORPUS, $(wc -l <"$CORPUS/missing.tsv") not offered by the archive index"
