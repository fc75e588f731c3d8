#!/usr/bin/env bash
# bench-net.sh: TCP download throughput of nearboot's stack (nb-probe get,
# the -O2 build: boot/fetch + boot/http over net/tcp on a tap) against curl
# (the Linux kernel's TCP) on the same link in the same run, through nb-link
# at 0 ms and at 50 ms RTT. Topology: qemu-tests/lib/tcp-lab.sh — both
# clients sit on one bridge behind the same nb-link, the server sends
# MTU-sized frames. Rounds alternate nb-probe and curl; the medians are
# compared. Both write the body to a file on tmpfs (/dev/shm) and both files
# sha256 are checked after the timed part (nb-probe hashes its file after the
# transfer; hashing inline would cost it more CPU than its TCP does).
# Target: nb-probe >= 0.9 x curl. Run as root (make bench-net).
#
# Env: NB_PROBE (default build/host-fast/nb-probe), NB_LINK (default
# build/host/nb-link), BENCH_MIB (file size, default 128), BENCH_ROUNDS
# (default 3), BENCH_RTTS (default "0 50"), BENCH_LOSS (percent each way,
# default 0), BENCH_RXKIB (nb-probe receive buffer, default 8192).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
PROBE=${NB_PROBE:-$repo/build/host-fast/nb-probe}
NB_LINK=${NB_LINK:-$repo/build/host/nb-link}
MIB=${BENCH_MIB:-128}
ROUNDS=${BENCH_ROUNDS:-3}
RTTS=${BENCH_RTTS:-0 50}
LOSS=${BENCH_LOSS:-0}
RXKIB=${BENCH_RXKIB:-8192}
[ "$(id -u)" = 0 ] || { echo "bench-net: must run as root" >&2; exit 2; }
for b in "$PROBE" "$NB_LINK"; do
    [ -x "$b" ] || { echo "bench-net: $b not built (make probe-fast; make -C qemu-tests/link)" >&2; exit 2; }
done
for t in nginx curl python3; do
    command -v $t >/dev/null || { echo "bench-net: $t not installed" >&2; exit 2; }
done

TL_PREFIX=nb-bench-$$
TL_TMP=$(mktemp -d /tmp/nb-bench-net.XXXXXX)
export TL_PREFIX TL_TMP NB_LINK
# shellcheck source=../lib/tcp-lab.sh
. "$repo/qemu-tests/lib/tcp-lab.sh"
SHM=$(mktemp -d /dev/shm/nb-bench-net.XXXXXX 2>/dev/null || mktemp -d /tmp/nb-bench-net-out.XXXXXX)
cleanup() { tl_cleanup; rm -rf "$TL_TMP" "$SHM"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "bench-net: $*" >&2; exit 1; }
tl_setup || die "namespace setup failed"
sha=$(tl_www bench.bin "$MIB")
tl_start_servers || die "servers did not start"
tl_start_link || die "nb-link did not start"
URL=http://$TL_SERVER_IP/bench.bin

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# one_probe: prints Mbit/s (0 on failure or a wrong digest)
one_probe() {
    local out mbs
    out=$(timeout 600 ip netns exec "$TL_C" "$PROBE" --dev tap:nbt0 --mac $TL_PROBE_MAC \
        --ip4 $TL_PROBE_IP/24 -- get "$URL" --out "$SHM/nb.bin" --rxbuf "$RXKIB" --idle 60 2>&1)
    rm -f "$SHM/nb.bin"
    if ! grep -q "bytes sha256 $sha in" <<<"$out"; then
        echo "bench-net: nb-probe failed:" >&2
        grep 'probe:' <<<"$out" | tail -3 | sed 's/^/    /' >&2
        echo 0
        return
    fi
    mbs=$(sed -n 's/.*bytes sha256 [0-9a-f]* in [0-9]* ms (\([0-9.]*\) MB\/s).*/\1/p' <<<"$out" | head -1)
    awk -v m="$mbs" 'BEGIN { printf "%.1f\n", m * 8 }'
}

one_curl() {
    local bps
    bps=$(timeout 600 ip netns exec "$TL_C" curl -s -o "$SHM/curl.bin" --max-time 600 -w '%{speed_download} %{size_download}' "$URL")
    read -r bps size <<<"$bps"
    if [ "${size:-0}" != $((MIB << 20)) ] || [ "$(sha256sum <"$SHM/curl.bin" | cut -d' ' -f1)" != "$sha" ]; then
        echo "bench-net: curl got ${size:-0} bytes (or a wrong digest)" >&2
        rm -f "$SHM/curl.bin"
        echo 0
        return
    fi
    rm -f "$SHM/curl.bin"
    awk -v b="$bps" 'BEGIN { printf "%.1f\n", b * 8 / 1e6 }'
}

echo "bench-net: ${MIB} MiB over HTTP/1.1 from nginx, through nb-link, ${ROUNDS} rounds per client; loss ${LOSS}% each way"
echo "bench-net: nb-probe $PROBE (receive buffer ${RXKIB} KiB); curl $(curl --version | head -1 | cut -d' ' -f2) (kernel TCP, $(cat /proc/sys/net/ipv4/tcp_congestion_control) sender)"
summary=()
fail=0
for rtt in $RTTS; do
    half=$(awk -v r="$rtt" 'BEGIN { printf "%g", r / 2 }')
    tl_link_clear
    tl_link set both delay="$half" loss="$LOSS" >/dev/null || die "nb-link ctl failed"
    nb=() cu=()
    for r in $(seq "$ROUNDS"); do
        a=$(one_probe)
        b=$(one_curl)
        nb+=("$a") cu+=("$b")
        printf 'bench-net: rtt %3s ms round %d: nb-probe %8s Mbit/s   curl %8s Mbit/s\n' "$rtt" "$r" "$a" "$b"
    done
    mn=$(printf '%s\n' "${nb[@]}" | median)
    mc=$(printf '%s\n' "${cu[@]}" | median)
    ratio=$(awk -v a="$mn" -v b="$mc" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    verdict=$(awk -v r="$ratio" 'BEGIN { print (r != "n/a" && r >= 0.9) ? "meets" : "BELOW" }')
    [ "$verdict" = meets ] || fail=1
    summary+=("$(printf 'bench-net: rtt %3s ms: nb-probe %8s Mbit/s, curl %8s Mbit/s, ratio %s (%s the 0.9 target)' \
        "$rtt" "$mn" "$mc" "$ratio" "$verdict")")
done
printf '%s\n' "${summary[@]}"
[ "$fail" = 0 ]
