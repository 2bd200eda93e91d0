# Sourced by the musl test scripts: a private apt configuration that reads Debian's
# archive (the URI the machine's own sources use) for several suites and
# architectures, without touching /etc/apt or the machine's package lists.
# Usage: . apt-private.sh; apt_private_update "deb deb-src"; apt_private get ...
set -eu
MUSLDETECT_CACHE=${MUSLDETECT_CACHE:-$HOME/.cache/musldetect}
APT_DIR=$MUSLDETECT_CACHE/apt
APT_SUITES=${APT_SUITES:-"bullseye bookworm trixie sid"}
APT_ARCHS=${APT_ARCHS:-"amd64,arm64,i386,armhf,s390x,ppc64el"}

debian_archive_uri() {
    # The first Debian URI of the machine's own apt sources (deb822 or one-line format).
    local uri
    uri=$(grep -hsE '^\s*URIs:\s*\S+/debian/?\s*$' /etc/apt/sources.list.d/*.sources | head -n1 | awk '{print $2}')
    if [ -z "$uri" ]; then
        uri=$(grep -hsE '^\s*deb\s+(\[[^]]*\]\s+)?\S+/debian/?\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
              | head -n1 | sed -E 's/^\s*deb\s+(\[[^]]*\]\s+)?(\S+).*/\2/')
    fi
    [ -n "$uri" ] || { echo "apt-private: no Debian archive URI in /etc/apt" >&2; return 1; }
    echo "${uri%/}"
}

apt_private() {
    apt-get -q -o Dir::Etc::sourcelist="$APT_DIR/sources.list" -o Dir::Etc::sourceparts=- \
        -o Dir::State::Lists="$APT_DIR/lists" -o Dir::Cache="$APT_DIR/cache" \
        -o Dir::State::status="$APT_DIR/status" \
        -o APT::Architectures="$APT_ARCHS" -o Acquire::Languages=none \
        -o Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false \
        -o Acquire::Retries=3 "$@"
}

apt_private_cache() {
    apt-cache -o Dir::Etc::sourcelist="$APT_DIR/sources.list" -o Dir::Etc::sourceparts=- \
        -o Dir::State::Lists="$APT_DIR/lists" -o Dir::Cache="$APT_DIR/cache" \
        -o Dir::State::status="$APT_DIR/status" -o APT::Architectures="$APT_ARCHS" "$@"
}

apt_private_update() {
    # $1: the types to list ("deb", "deb-src" or both). Refreshes at most once a day.
    local types=$1 uri suite
    uri=$(debian_archive_uri)
    mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
    touch "$APT_DIR/status"
    local want="$APT_DIR/sources.list.new"
    : >"$want"
    for t in $types; do
        for suite in $APT_SUITES; do
            echo "$t [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" >>"$want"
        done
    done
    # Reuse the lists for a day after an update that fetched every index, and for half an
    # hour after one that did not (so one CI run updates once, and the next tries again).
    if [ -f "$APT_DIR/sources.list" ] && cmp -s "$want" "$APT_DIR/sources.list" \
        && [ -n "$(find "$APT_DIR/updated-completely" -mmin -1440 2>/dev/null)$(find "$APT_DIR/updated" -mmin -30 2>/dev/null)" ]; then
        rm -f "$want"
        return 0
    fi
    mv "$want" "$APT_DIR/sources.list"
    rm -f "$APT_DIR/updated-completely"
    touch "$APT_DIR/updated"
    # A suite whose index fails for some architecture leaves those packages missing;
    # the callers decide what must be there, and the next run tries again.
    if apt_private update; then
        touch "$APT_DIR/updated-completely"
    else
        echo "apt-private: 'apt-get update' reported errors; continuing with what was fetched" >&2
    fi
}
