#!/usr/bin/env bash
# bench-transfer-tftp.sh: nearboot's TFTP client (nb-probe tftp, the -O2
# build) fetching a 16 MiB file from atftpd (RFC 7440 windowsize) through
# nb-link at 2 ms and 40 ms RTT, lock-step (windowsize 1) against
# windowsize 16, blksize 1468 (the largest that fits 1500-byte Ethernet over
# IPv4). Every run checks the sha256 of what arrived. Prints the figures and
# the ratio per RTT; target: windowsize 16 >= 8x lock-step at 40 ms.
#
#   client ns: nb-probe on tap0 ── nb-link (if:tap0 <-> if:l1, delay RTT/2 each way) ── l1 ══ s0 :server ns
#
# Lock-step at 40 ms is one RTT per 1468-byte block: 16 MiB takes ~8 minutes.
# Run as root (make bench-transfer-tftp). Namespaces nb-tbench-PID-{c,s},
# addresses from 198.18.0.0/15, processes ended by PID.
#
# Env: NB_PROBE (default build/host-fast/nb-probe), NB_LINK (default
# build/host/nb-link), ATFTPD (default: fetched into build/tools/atftpd),
# BENCH_MIB (default 16), BENCH_RTTS (default "2 40"), BENCH_WINDOWS
# (default "1 16"; the ratio is last over first).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$repo/$build ;; esac
PROBE=${NB_PROBE:-$build/host-fast/nb-probe}
NB_LINK=${NB_LINK:-$build/host/nb-link}
MIB=${BENCH_MIB:-16}
RTTS=${BENCH_RTTS:-2 40}
WINDOWS=${BENCH_WINDOWS:-1 16}
[ "$(id -u)" = 0 ] || { echo "bench-transfer-tftp: must run as root" >&2; exit 2; }
for b in "$PROBE" "$NB_LINK"; do
    [ -x "$b" ] || { echo "bench-transfer-tftp: $b not built (make probe-fast)" >&2; exit 2; }
done
ATFTPD=${ATFTPD:-$(bash "$repo/qemu-tests/lib/fetch-atftpd.sh" "$build/tools/atftpd")} ||
    { echo "bench-transfer-tftp: no atftpd" >&2; exit 2; }

P=nb-tbench-$$
C=$P-c S=$P-s
A4=198.18.61.1 ME4=198.18.61.10
tmp=$(mktemp -d /tmp/nb-bench-tftp.XXXXXX)
chmod 755 "$tmp"
root=$tmp/root
mkdir -p "$root"
chmod 755 "$root"
pids=()
made_ns=()

cleanup() {
    local p n
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do
        for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
        { wait "$p"; } 2>/dev/null
    done
    for n in "${made_ns[@]}"; do
        for p in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    done
    sleep 0.2
    for n in "${made_ns[@]}"; do ip netns del "$n" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for n in "$C" "$S"; do
    ip netns add "$n" || exit 1
    made_ns+=("$n")
    ip -n "$n" link set lo up
done
ip netns exec "$C" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip netns exec "$S" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$C" tuntap add dev tap0 mode tap
ip -n "$C" link add l1 type veth peer name s0 netns "$S"
ip -n "$C" link set tap0 up
ip -n "$C" link set l1 up
ip -n "$S" addr add "$A4/24" dev s0
ip -n "$S" link set s0 up

ip netns exec "$C" "$NB_LINK" --a if:tap0 --b if:l1 --ctl "$tmp/link.sock" --pidfile "$tmp/link.pid" \
    --seed 1 >"$tmp/link.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -s "$tmp/link.pid" ] && break; sleep 0.1; done
[ -s "$tmp/link.pid" ] || { echo "bench-transfer-tftp: nb-link did not start" >&2; exit 1; }

head -c $((MIB * 1048576)) /dev/urandom >"$root/bench.bin"
chmod 644 "$root/bench.bin"
want=$(sha256sum <"$root/bench.bin" | cut -d' ' -f1)

ip netns exec "$S" "$ATFTPD" --daemon --no-fork --port 69 --bind-address "$A4" --user nobody \
    --group nogroup --logfile - --verbose=3 "$root" >"$tmp/atftpd.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do ip netns exec "$S" ss -Hlun 'sport = :69' | grep -q . && break; sleep 0.1; done

probe() { ip netns exec "$C" "$PROBE" --dev tap:tap0 --ip4 "$ME4/24" -- "$@"; }

echo "bench-transfer-tftp: $MIB MiB, blksize 1468, atftpd $(cat "$(dirname "$(dirname "$(dirname "$ATFTPD")")")/VERSION" 2>/dev/null), nb-link, $(basename "$PROBE") ($PROBE)"
declare -A secs
status=0
for rtt in $RTTS; do
    half=$(awk -v r="$rtt" 'BEGIN { printf "%gms", r / 2 }')
    "$NB_LINK" ctl "$tmp/link.sock" set both delay="$half" >/dev/null
    # the lowest of 5 pings (the first one includes ARP)
    measured=$(probe ping "$A4" 5 2>/dev/null |
        awk '/rtt/ { for (i = 1; i <= NF; i++) if ($i == "rtt" && (m == "" || $(i + 1) < m)) m = $(i + 1) }
             END { if (m != "") printf "%.2f", m }')
    for ws in $WINDOWS; do
        log=$tmp/run-$rtt-$ws.log
        probe tftp "$A4" bench.bin --windowsize "$ws" --blksize 1468 --deadline 3600 >"$log" 2>&1
        line=$(grep -E 'probe: tftp .* bytes sha256' "$log")
        got=$(sed -n 's/.*sha256 \([0-9a-f]*\) in.*/\1/p' <<<"$line")
        ms=$(sed -n 's/.* in \([0-9]*\) ms.*/\1/p' <<<"$line")
        neg=$(sed -n 's/.*negotiated \(blksize [0-9]* windowsize [0-9]*\).*/\1/p' "$log")
        if [ "$got" != "$want" ] || [ -z "$ms" ]; then
            echo "rtt $rtt ms windowsize $ws: FAILED"; grep -E 'tftp|error' "$log" | tail -3
            status=1; secs[$rtt,$ws]=0; continue
        fi
        secs[$rtt,$ws]=$(awk -v m="$ms" 'BEGIN { printf "%.2f", m / 1000 }')
        printf 'rtt %3s ms (measured %s ms)  windowsize %2s: %8s s  %6.2f MB/s  (%s, sha256 ok)\n' \
            "$rtt" "${measured:-?}" "$ws" "${secs[$rtt,$ws]}" \
            "$(awk -v b=$((MIB * 1048576)) -v m="$ms" 'BEGIN { printf "%.2f", b / m / 1000 }')" "$neg"
    done
done
first=${WINDOWS%% *} last=${WINDOWS##* }
for rtt in $RTTS; do
    a=${secs[$rtt,$first]:-0} b=${secs[$rtt,$last]:-0}
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }')
    echo "rtt $rtt ms: windowsize $last is ${ratio}x windowsize $first"
    if [ "$rtt" = 40 ] && [ "$first" = 1 ] && [ "$last" = 16 ]; then
        if awk -v r="$ratio" 'BEGIN { exit !(r + 0 >= 8) }'; then
            echo "target (windowsize 16 >= 8x lock-step at 40 ms): met"
        else
            echo "target (windowsize 16 >= 8x lock-step at 40 ms): MISSED"; status=1
        fi
    fi
done
exit $status
