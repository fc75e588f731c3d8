#!/usr/bin/env bash
# fetch-atftpd.sh [DIR] — atftpd (the TFTP server that implements RFC 7440
# windowsize) for the lab, without installing it: the Debian package
# conflicts with tftpd-hpa, so it is downloaded with `apt-get download` and
# unpacked with `dpkg-deb -x` into DIR (default build/tools/atftpd); the
# server is DIR/usr/sbin/atftpd. Its libraries (libwrap0, libpcre2-8-0) are
# ordinary dependencies of other lab packages and are checked here.
# Idempotent and quiet when the server is already there. Prints the path.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-${BUILD:-$top/build}/tools/atftpd}
case $dir in /*) ;; *) dir=$top/$dir ;; esac
bin=$dir/usr/sbin/atftpd
say() { printf 'fetch-atftpd: %s\n' "$*" >&2; }

if [ ! -x "$bin" ]; then
    command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
        { say "needs apt-get and dpkg-deb"; exit 1; }
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/nb-atftpd.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    chmod 755 "$tmp"   # apt's sandbox user must be able to write the .deb here
    say "downloading atftpd (Debian package) into $dir"
    (cd "$tmp" && apt-get download -qq atftpd >"$tmp/apt.log" 2>&1) ||
        { cat "$tmp/apt.log" >&2; say "apt-get download atftpd failed"; exit 1; }
    deb=$(ls "$tmp"/atftpd_*.deb)
    rm -rf "$dir.new"
    mkdir -p "$dir.new"
    dpkg-deb -x "$deb" "$dir.new"
    dpkg-deb -f "$deb" Version >"$dir.new/VERSION"
    rm -rf "$dir"
    mv "$dir.new" "$dir"
fi
[ -x "$bin" ] || { say "no server at $bin after unpacking"; exit 1; }
if ldd "$bin" 2>/dev/null | grep -q 'not found'; then
    say "missing libraries for $bin:"; ldd "$bin" | grep 'not found' >&2
    exit 1
fi
echo "$bin"
