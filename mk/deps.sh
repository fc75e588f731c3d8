#!/usr/bin/env bash
# make deps: install the Debian packages in mk/packages.txt that are missing,
# then fetch mbedTLS source (Debian source package), check its sha256 against
# mk/mbedtls.pin and unpack it under build/.
#
# Idempotent and quiet when everything is present. Never names a registry
# host: the deb-src entry is derived from the machine's own apt sources.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
case $build in /*) ;; *) build=$top/$build ;; esac # apt resolves relative Dir:: paths under /etc/apt
say() { printf 'deps: %s\n' "$*"; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }
mkdir -p "$build"

# --- Debian packages -------------------------------------------------------
wanted=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$top/mk/packages.txt")
missing=()
for p in $wanted; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
    say "installing ${missing[*]}"
    # Package scripts must not start daemons (tftpd-hpa, nginx, kea) in the
    # machine's own namespace: the lab starts its own inside namespaces.
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
    fi
    trap '[ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
    stamp=/var/lib/apt/lists/partial/.nearboot-updated
    if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +360 2>/dev/null)" ]; then
        apt-get update -qq || die "apt-get update failed (is the package registry reachable?)"
        touch "$stamp" 2>/dev/null || true
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >"$build/apt-install.log" 2>&1 || {
        tail -20 "$build/apt-install.log" >&2
        die "apt-get install failed; full log: $build/apt-install.log"; }
fi

# --- atftpd (lab TFTP server with windowsize; conflicts with tftpd-hpa as a
# package, so it is unpacked under build/tools instead of installed) ---------
bash "$top/qemu-tests/lib/fetch-atftpd.sh" "$build/tools/atftpd" >/dev/null ||
    die "could not fetch atftpd (qemu-tests/lib/fetch-atftpd.sh)"

# --- mbedTLS source ---------------------------------------------------------
# shellcheck source=/dev/null
. "$top/mk/mbedtls.pin"
src_dir=$build/mbedtls
dl_dir=$build/dl
tarball=$dl_dir/$MBEDTLS_ORIG
mkdir -p "$dl_dir"

sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$MBEDTLS_SHA256" ]; }

if [ -f "$src_dir/.pin" ] && [ "$(cat "$src_dir/.pin")" = "$MBEDTLS_SHA256" ]; then
    exit 0
fi

if ! sha_ok "$tarball"; then
    # Private apt configuration: a deb-src entry for $MBEDTLS_SUITE whose URI
    # is copied from the machine's existing Debian entry. /etc is untouched.
    uri=$( (sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null || true;
            sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\).*/\2/p' \
                /etc/apt/sources.list 2>/dev/null) | grep -v -- '-security' | head -n1 || true)
    [ -n "$uri" ] || die "no Debian entry in the apt sources to derive a deb-src entry from"
    apt_root=$build/apt-src
    mkdir -p "$apt_root/sources.list.d" "$apt_root/lists/partial" "$apt_root/cache/archives/partial"
    cat > "$apt_root/sources.list.d/nearboot-src.sources" <<EOF
Types: deb-src
URIs: $uri
Suites: $MBEDTLS_SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    aptopts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt_root/sources.list.d"
             -o "Dir::State::Lists=$apt_root/lists" -o "Dir::Cache=$apt_root/cache" -qq)
    say "fetching mbedtls $MBEDTLS_DEB_VERSION source ($MBEDTLS_SUITE)"
    apt-get "${aptopts[@]}" update >"$build/apt-src.log" 2>&1 ||
        die "apt-get update of the private deb-src list failed; see $build/apt-src.log"
    tmp=$(mktemp -d "$dl_dir/src.XXXXXX")
    (cd "$tmp" && apt-get "${aptopts[@]}" source --download-only "mbedtls=$MBEDTLS_DEB_VERSION") \
        >>"$build/apt-src.log" 2>&1 ||
        die "could not download mbedtls=$MBEDTLS_DEB_VERSION source; is it still served for $MBEDTLS_SUITE? Update mk/mbedtls.pin. Log: $build/apt-src.log"
    [ -f "$tmp/$MBEDTLS_ORIG" ] || die "the source package has no $MBEDTLS_ORIG; update mk/mbedtls.pin"
    mv "$tmp/$MBEDTLS_ORIG" "$tarball"
    rm -rf "$tmp"
fi
sha_ok "$tarball" || die "$tarball: sha256 $(sha256sum "$tarball" | cut -d' ' -f1) does not match the pin $MBEDTLS_SHA256 in mk/mbedtls.pin; delete it and run make deps again, or review the pin"

rm -rf "$src_dir" "$src_dir.tmp"
mkdir -p "$src_dir.tmp"
tar -xjf "$tarball" -C "$src_dir.tmp" --strip-components=1
echo "$MBEDTLS_SHA256" > "$src_dir.tmp/.pin"
mv "$src_dir.tmp" "$src_dir"
say "mbedtls unpacked in $src_dir"
