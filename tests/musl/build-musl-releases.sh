#!/usr/bin/env bash
# Builds musl releases that Debian's archive offers as source but whose amd64 binary
# package could not be fetched (fetch-corpus.sh's missing.tsv), with the host's gcc,
# for the run-time release tests. Cached under $MUSLDETECT_CACHE/musl-built/<version>/.
# Writes $MUSLDETECT_CACHE/musl-built/releases.tsv: version, source suite, loader path.
# Usage: build-musl-releases.sh [VERSION ...]   (default: 1.2.5)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/apt-private.sh"
out=$MUSLDETECT_CACHE/musl-built
mkdir -p "$out"
: >"$out/releases.tsv.new"
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(1.2.5)
[ "$(uname -m)" = x86_64 ] || { echo "build-musl-releases: x86_64 hosts only" >&2; exit 1; }
apt_private_update "deb deb-src"
for version in "${versions[@]}"; do
    if grep -qP "^musl\t[^\t]+\tamd64\t${version//./\\.}-" "$MUSLDETECT_CACHE/corpus/manifest.tsv" 2>/dev/null; then
        echo "build-musl-releases: musl $version is in the corpus as Debian's binary; not building it"
        continue
    fi
    prefix=$out/$version
    if [ ! -x "$prefix/lib/libc.so" ]; then
        source_version=$(APT_ARCHS=amd64 apt_private_cache showsrc musl 2>/dev/null \
            | awk -v v="$version" '$1 == "Version:" && index($2, v "-") == 1 {print $2}' | sort -V | tail -n1)
        if [ -z "$source_version" ]; then
            echo "build-musl-releases: SKIPPED musl $version: no Debian source package for it in the index" >&2
            continue
        fi
        work=$(mktemp -d "$out/build.XXXXXX")
        (cd "$work" && APT_ARCHS=amd64 apt_private source --download-only "musl=$source_version" >/dev/null 2>&1 \
            && tar xf "musl_${version}.orig.tar.gz" && cd "musl-$version" \
            && ./configure --prefix="$prefix" --syslibdir="$prefix/lib" --disable-static >/dev/null \
            && make -j"$(nproc)" >/dev/null 2>&1 && make install DESTDIR="$work/dest" >/dev/null 2>&1) \
            || { rm -rf "$work"; echo "build-musl-releases: building musl $version failed" >&2; exit 1; }
        # Staged with DESTDIR and a private syslibdir: a plain 'make install' would replace the
        # system's /lib/ld-musl-*.so.1 link.
        rm -rf "$prefix"
        mv "$work/dest$prefix" "$prefix"
        rm -rf "$work"
        echo "$source_version" >"$prefix/debian-source-version"
    fi
    printf '%s\t%s\t%s\n' "$version" "source $(cat "$prefix/debian-source-version")" "$prefix/lib/libc.so" \
        >>"$out/releases.tsv.new"
done
mv "$out/releases.tsv.new" "$out/releases.tsv"
cat "$out/releases.tsv"
