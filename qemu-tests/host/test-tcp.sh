#!/usr/bin/env bash
# test-tcp.sh: the TCP client (firmware/net/tcp.c) in nb-probe against the
# Linux kernel, nginx and a Python sink, in network namespaces this script
# creates (run as root). Topology: qemu-tests/lib/tcp-lab.sh.
#
#   clean link (tap <-> bridge <-> kernel): 64 MiB GET with sha256, a refused
#     port in under a second, a 4 KiB receive buffer (window updates and
#     zero windows against Linux), IPv6 (SLAAC from dnsmasq's RA), an upload
#   through nb-link at 50 ms RTT: connect RTT, refused in under a second,
#     64 MiB GET with 2% loss and 2% reordering each way (sha256), an upload
#     through the same loss (our retransmissions), a blackholed connect timing
#     out on time, ICMP unreachable failing fast, a reset by the peer.
# Time assertions are generous bands. Ends with "N passed, N failed".
#
# Env: NB_PROBE (default build/host/nb-probe), NB_LINK (default
# build/host/nb-link), KEEP_LOGS=1 keeps the temp dir.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
PROBE=${NB_PROBE:-$repo/build/host/nb-probe}
NB_LINK=${NB_LINK:-$repo/build/host/nb-link}
# shellcheck source=lib.sh
. "$here/lib.sh"
ht_require tcp "$PROBE" "$NB_LINK" nginx python3 dnsmasq

ht_init tcp
TL_PREFIX=$HT_PREFIX
TL_TMP=$HT_TMP
# shellcheck source=../lib/tcp-lab.sh
. "$repo/qemu-tests/lib/tcp-lab.sh"

check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
fcmp() { awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
    r = (op == ">=") ? a >= b : (op == "<") ? a < b : (op == ">") ? a > b : (op == "<=") ? a <= b : 0
    exit !r }'; }
in_band() { fcmp "$1" '>=' "$2" && fcmp "$1" '<' "$3"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# probe NAME ARGS...: runs nb-probe, output kept in $TL_TMP/NAME.out; sets rc, out, wall
probe() {
    local name=$1 t0; shift
    t0=$(now)
    timeout 600 ip netns exec "$TL_C" "$PROBE" --dev tap:nbt0 --mac $TL_PROBE_MAC \
        --ip4 $TL_PROBE_IP/24 "$@" >"$TL_TMP/$name.out" 2>&1
    rc=$?
    wall=$(since "$t0")
    out=$(cat "$TL_TMP/$name.out")
    [ -n "${TL_VERBOSE:-}" ] && sed 's/^/    | /' "$TL_TMP/$name.out"
    return 0
}
# field REGEX: the first capture of a sed -n regex over $out
field() { sed -n "s/$1/\\1/p" <<<"$out" | head -1; }
get_ok() { # SHA: the get succeeded with that digest
    grep -q "probe: get .*: [0-9]* bytes sha256 $1 in" <<<"$out" && [ "$rc" = 0 ]
}
tcp_stats() { grep -o 'timeouts.*' <<<"$out" | head -1; }

t_start=$(now)
export TL_PREFIX TL_TMP NB_LINK
if tl_setup; then ok "namespaces, bridge, tap, veths"; else bad "namespace setup"; ht_summary; exit 1; fi
sha64=$(tl_www big.bin 64)
sha1=$(tl_www one.bin 1)
check "nginx (local and remote) and the TCP sinks start" tl_start_servers
check "nb-link starts between the client bridge and the server" tl_start_link

# ---------------------------------------------------------------- clean link
probe clean-get --counters -- get "http://$TL_LOCAL_IP:8080/big.bin" --out "$TL_TMP/clean.bin" --rxbuf 8192
secs=$(field '.*bytes sha256 [0-9a-f]* in \([0-9]*\) ms.*')
check "clean link: 64 MiB GET, sha256 matches (${secs:-?} ms; $(field '.*(\([0-9.]* MB\/s\)).*'))" \
    eval 'get_ok "$sha64" && cmp -s "$TL_TMP/clean.bin" "$TL_TMP/www/big.bin"'
check "clean link: no retransmission timeouts ($(tcp_stats))" \
    eval 'grep -q "timeouts 0 " <<<"$out"'
rm -f "$TL_TMP/clean.bin"

probe clean-refused -- connect $TL_LOCAL_IP 9
ms=$(field '.*NB_E_CONN_REFUSED in \([0-9.]*\) ms.*')
# Generous band: refused means the RST ends it, at worst after one SYN retransmission (1 s RTO) on a
# loaded machine — not the connect timeout (3 s) a lost RST would cost.
check "clean link: refused port fails with NB_E_CONN_REFUSED in ${ms:-?} ms (< 2000; whole probe ${wall}s)" \
    eval '[ -n "$ms" ] && fcmp "$ms" "<" 2000 && fcmp "$wall" "<" 5'

probe clean-connect -- connect $TL_LOCAL_IP 8080
check "clean link: connect ok ($(field '.*: ok in \([0-9.]* ms\).*'))" eval '[ "$rc" = 0 ]'

probe small-window -- get "http://$TL_LOCAL_IP:8080/one.bin" --rxbuf 4
check "4 KiB receive buffer (unscaled small windows, updates as it reads): 1 MiB sha256 ok" \
    eval 'get_ok "$sha1"'

probe clean-put -- put $TL_LOCAL_IP 9000 16000000
check "clean link: 16 MB upload, the sink's count and sha256 agree ($(field '.*\(mbit [0-9.]*\).*'))" \
    eval '[ "$rc" = 0 ] && grep -q "put .*: ok bytes 16000000" <<<"$out"'

# IPv6: dnsmasq sends RAs for fd00:b007:0:1::/64 on br0; the probe takes a SLAAC address
tl_spawn dnsmasq-ra "$TL_C" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
    --port=0 --interface=br0 --bind-interfaces --user=root --group=root \
    --pid-file="$TL_TMP/dnsmasq.pid" --log-facility=- \
    --enable-ra --dhcp-range=::,constructor:br0,ra-only,64,1h
probe v6-get -- ip6-up 15 global -- get "http://[$TL_LOCAL_IP6]:8080/one.bin" --rxbuf 8192
check "IPv6: SLAAC, then 1 MiB GET over TCP/IPv6, sha256 ok" eval 'get_ok "$sha1"'
probe v6-refused -- ip6-up 15 global -- connect $TL_LOCAL_IP6 9
ms=$(field '.*NB_E_CONN_REFUSED in \([0-9.]*\) ms.*')
check "IPv6: refused port fails fast (${ms:-?} ms, < 2000)" eval '[ -n "$ms" ] && fcmp "$ms" "<" 2000'

# ---------------------------------------------------------------- through nb-link
tl_link set both delay=25 >/dev/null
probe link-connect -- connect $TL_SERVER_IP 80
ms=$(field '.*(rtt \([0-9.]*\) ms).*')
check "nb-link delay 25 ms each way: connect ok, RTT ${ms:-?} ms in [45, 150)" \
    eval '[ "$rc" = 0 ] && in_band "$ms" 45 150'

probe link-refused -- connect $TL_SERVER_IP 81
ms=$(field '.*NB_E_CONN_REFUSED in \([0-9.]*\) ms.*')
check "50 ms RTT: refused port fails with NB_E_CONN_REFUSED in ${ms:-?} ms (< 2000)" \
    eval '[ -n "$ms" ] && fcmp "$ms" "<" 2000'

tl_link set both delay=25 loss=2 reorder=2 reorder_gap=10 >/dev/null
tl_link reset >/dev/null
probe lossy-get -- get "http://$TL_SERVER_IP/big.bin" --out "$TL_TMP/lossy.bin" --rxbuf 8192 --idle 60
secs=$(field '.*bytes sha256 [0-9a-f]* in \([0-9]*\) ms.*')
lost=$(tl_link show | awk '$2 == "drops" { for (i = 3; i <= NF; i++) if ($i ~ /^loss=/) { split($i, a, "="); s += a[2] } } END { print s + 0 }')
check "50 ms RTT, 2% loss + 2% reordering each way: 64 MiB GET, sha256 matches (${secs:-?} ms, $lost frames lost; $(tcp_stats))" \
    eval 'get_ok "$sha64" && cmp -s "$TL_TMP/lossy.bin" "$TL_TMP/www/big.bin" && [ "${secs:-999999}" -lt 300000 ]'
check "  ... out-of-order data was held and reassembled (SACK on)" \
    eval 'grep -q "sack 1 " <<<"$out" && ! grep -q "ooo_segs 0 " <<<"$out"'
rm -f "$TL_TMP/lossy.bin"

probe lossy-put -- put $TL_SERVER_IP 9000 1000000
check "50 ms RTT, 2% loss: 1 MB upload, the sink's count and sha256 agree ($(grep -o 'timeouts.*' <<<"$out"))" \
    eval '[ "$rc" = 0 ] && grep -q "put .*: ok bytes 1000000" <<<"$out"'

tl_link_clear
tl_link set both delay=25 >/dev/null
probe reset -- put $TL_SERVER_IP 9001 1000000
check "the peer resets mid-upload: NB_E_CONN_RESET" eval '[ "$rc" != 0 ] && grep -q "NB_E_CONN_RESET" <<<"$out"'

probe unreach --gw4 $TL_SERVER_IP -- connect 198.18.99.9 80 10000
ms=$(field '.*NB_E_UNREACHABLE in \([0-9.]*\) ms.*')
check "ICMP unreachable from the gateway: connect fails fast with NB_E_UNREACHABLE (${ms:-?} ms)" \
    eval '[ -n "$ms" ] && fcmp "$ms" "<" 1000'

tl_link set both blackhole=1 >/dev/null
probe blackhole -- connect $TL_SERVER_IP 80 2000
ms=$(field '.*NB_E_CONN_TIMEOUT in \([0-9.]*\) ms.*')
check "blackholed link: connect timeout 2000 ms ends with NB_E_CONN_TIMEOUT at ${ms:-?} ms (band [1900, 4000))" \
    eval '[ -n "$ms" ] && in_band "$ms" 1900 4000'
tl_link_clear

echo "test-tcp: total $(since "$t_start")s"
if [ "$nfail" -gt 0 ]; then
    for f in "$TL_TMP"/*.log; do echo "--- $f"; tail -5 "$f"; done
fi
ht_summary
