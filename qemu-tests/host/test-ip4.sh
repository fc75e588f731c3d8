#!/usr/bin/env bash
# test-ip4.sh: Ethernet, ARP, IPv4, ICMPv4 and UDP (firmware/net/) in nb-probe
# against the Linux kernel's stack, and nb-probe's DHCPv4 client against
# dnsmasq, in network namespaces this script creates (run as root).
#
#   namespace K: bridge br0 198.18.1.1/24 (the kernel we talk to; dnsmasq
#     for DHCP only, no DNS: UDP port 53 is closed here)
#     port nbt0: a tap, nb-probe's wire (nb-probe runs in K, on the tap)
#     port vk:   veth to namespace H
#   namespace H: vh 198.18.1.200/24, a host that already holds the address
#     the second DHCP pool hands out
#
# 1. nb-probe static at 198.18.1.100/24: it pings the kernel (ARP both
#    ways, the kernel's unicast re-probe of nb-probe's entry answered), the
#    kernel pings it (broadcast ARP answered, echo, 1400-byte echo),
#    fragments and broadcast pings draw no reply, UDP to nb-probe's closed
#    port is dropped and counted, a frame longer than nb-probe's buffer is
#    dropped whole by the netdev; then a DNS query to the kernel's closed
#    port 53 fails at once on the ICMP port unreachable.
# 2. nb-probe's dhcp4 against dnsmasq: the lease goes to nb-probe's MAC (log
#    and lease file) and the leased address answers ping.
# 3. The pool's only address is in use by H: nb-probe's ARP probe (RFC 5227)
#    sees H answer, nb-probe sends DHCPDECLINE (dnsmasq logs it) and takes
#    no lease.
#
# Addresses only from 198.18.0.0/15; no routes out of the namespaces;
# nothing outside the test's namespaces is touched; processes are stopped by
# their recorded PID.
#
# Env: NB_PROBE=path to nb-probe (default: build/host/nb-probe), KEEP_LOGS=1.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
PROBE=${NB_PROBE:-$repo/build/host/nb-probe}
# shellcheck source=lib.sh
. "$here/lib.sh"
ht_require ip4 "$PROBE" dnsmasq ping

ht_init ip4
tmp=$HT_TMP
NS_K=$HT_PREFIX-k NS_H=$HT_PREFIX-h

MAC=52:54:00:b0:07:41   # nb-probe, static and first DHCP client
MAC2=52:54:00:b0:07:42  # nb-probe, the client that finds its address taken
ME=198.18.1.100
KERNEL=198.18.1.1
POOL1=198.18.1.150
TAKEN=198.18.1.200

# ---------------------------------------------------------------- the lab
for ns in "$NS_K" "$NS_H"; do
    ht_ns_add "$ns"
    nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add vk netns "$NS_K" type veth peer name vh netns "$NS_H"
nsx "$NS_K" ip link add br0 type bridge
nsx "$NS_K" ip tuntap add dev nbt0 mode tap
for v in nbt0 vk; do
    nsx "$NS_K" ip link set "$v" master br0
    nsx "$NS_K" ip link set "$v" up
done
nsx "$NS_K" ip link set br0 up
nsx "$NS_K" ip addr add $KERNEL/24 dev br0
nsx "$NS_H" ip addr add $TAKEN/24 dev vh
nsx "$NS_H" ip link set vh up

# ---------------------------------------------------------------- helpers
has()  { grep -qF -- "$2" "$tmp/$1.log"; }
counter() { sed -n "s/.*counter $2 \([0-9]*\)$/\1/p" "$tmp/$1.log" | tail -1; }
ctr() { local v; v=$(counter "$1" "$2"); echo "${v:-0}"; }
check() {
    local name=$1 log=$2; shift 2
    if "$@"; then ok "$name"; else bad "$name"; sed 's/^/      | /' "$tmp/$log.log" | tail -60; fi
}
wait_for() {
    local end=$((SECONDS + $3))
    while [ "$SECONDS" -lt "$end" ]; do
        grep -qF -- "$2" "$tmp/$1.log" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
# kping LOG ARGS...: the kernel pings, output kept in LOG.log, status returned.
kping() { local log=$1; shift; nsx "$NS_K" ping "$@" >"$tmp/$log.log" 2>&1; }
neigh_state() { nsx "$NS_K" ip neigh show "$1" dev br0 2>/dev/null; }
# until_neigh ADDR MAC STATE SECONDS: the kernel's entry reaches STATE with MAC.
until_neigh() {
    local end=$((SECONDS + $4)) line
    while [ "$SECONDS" -lt "$end" ]; do
        line=$(neigh_state "$1")
        [[ "$line" == *"lladdr $2 $3"* ]] && return 0
        sleep 0.2
    done
    echo "kernel neighbour entry: ${line:-none}" >"$tmp/neigh.log"
    return 1
}

# ---------------------------------------------------------------- 1: static address
# nb-probe pings the kernel first, then serves while the kernel does its part.
nsx "$NS_K" timeout 120 "$PROBE" --dev tap:nbt0 --mac $MAC --ip4 $ME/24 --gw4 $KERNEL --counters \
    -- ping $KERNEL 3 -- serve 40 >"$tmp/main.log" 2>&1 &
probe_pid=$!
ht_track $probe_pid
wait_for main "probe: serving for" 40 || true

check "nb-probe resolves the kernel by ARP and pings it (3/3)" main \
    has main "probe: ping $KERNEL: 3/3 answered"
# The kernel learned nb-probe from its ARP request (STALE), used the entry,
# and confirmed it with a unicast ARP probe that nb-probe answered.
if until_neigh $ME $MAC REACHABLE 20; then
    ok "kernel's neighbour entry for nb-probe: its MAC, REACHABLE (nb-probe answered the unicast re-probe)"
else bad "kernel's neighbour entry for nb-probe: its MAC, REACHABLE"; sed 's/^/      | /' "$tmp/neigh.log"; fi

# Forget nb-probe: the kernel's ping starts with a broadcast ARP request.
nsx "$NS_K" ip neigh flush dev br0
if kping kping -c 3 -i 0.2 -W 2 $ME; then
    ok "kernel pings nb-probe (3/3) after a broadcast ARP"
else bad "kernel pings nb-probe (3/3) after a broadcast ARP"; sed 's/^/      | /' "$tmp/kping.log"; fi
if until_neigh $ME $MAC REACHABLE 5; then
    ok "kernel's entry for nb-probe from nb-probe's ARP reply: its MAC, REACHABLE"
else bad "kernel's entry for nb-probe from nb-probe's ARP reply"; sed 's/^/      | /' "$tmp/neigh.log"; fi
if kping kping-big -c 2 -i 0.2 -W 2 -s 1400 -M do $ME; then
    ok "kernel pings nb-probe with 1400-byte payloads"
else bad "kernel pings nb-probe with 1400-byte payloads"; sed 's/^/      | /' "$tmp/kping-big.log"; fi
# 1600 bytes of payload: the kernel fragments; nb-probe drops fragments.
if kping kping-frag -c 2 -i 0.2 -W 1 -s 1600 -M dont $ME; then
    bad "fragmented echo requests draw no reply"; sed 's/^/      | /' "$tmp/kping-frag.log"
else ok "fragmented echo requests draw no reply"; fi
# A broadcast ping: nb-probe stays silent (and this kernel ignores it too).
kping kping-bcast -b -c 2 -i 0.2 -W 1 198.18.1.255 || true
# UDP to a port nb-probe does not listen on (bash's /dev/udp).
nsx "$NS_K" bash -c "echo hello >/dev/udp/$ME/9" 2>/dev/null
# A frame longer than nb-probe's 2 KiB buffer: dropped whole by the netdev.
for v in nbt0 vk br0; do nsx "$NS_K" ip link set "$v" mtu 9000; done
kping kping-jumbo -c 1 -W 1 -s 3000 -M do $ME || true
for v in br0 nbt0 vk; do nsx "$NS_K" ip link set "$v" mtu 1500; done

wait "$probe_pid" 2>/dev/null
check "counters: nb-probe answered ARP (broadcast and unicast) and sent its own request" main eval \
    '[ "$(ctr main arp.reply.sent)" -ge 2 ] && [ "$(ctr main arp.request.sent)" -ge 1 ]'
check "counters: echo replies exactly for the 5 unicast whole-datagram pings" main eval \
    '[ "$(ctr main icmp4.echo.replied)" = 5 ]'
check "counters: fragments dropped and counted" main eval '[ "$(ctr main ip4.drop.fragment)" -ge 4 ]'
check "counters: UDP to a closed port dropped silently (no listener)" main eval \
    '[ "$(ctr main udp.drop.no_listener)" -ge 1 ]'
check "counters: no checksum drops on a clean link" main eval \
    '! grep -qE "counter (ip4|icmp4|udp)\.drop\.bad_checksum" "$tmp/main.log"'
check "an oversized frame (3042 bytes) is dropped by the netdev, not handed up truncated" main eval \
    'grep -q "^1 packets transmitted" "$tmp/kping-jumbo.log" && [ "$(ctr main ip4.drop.bad_length)" = 0 ]'

# A DNS query to the kernel, where nothing listens on port 53: the kernel's
# ICMP port unreachable reaches the UDP socket and the resolver gives up on
# that server at once (the timeout is 4 s; the refusal takes milliseconds).
nsx "$NS_K" timeout 60 "$PROBE" --dev tap:nbt0 --mac $MAC --ip4 $ME/24 --dns $KERNEL --counters \
    -- resolve nothing.nb.test a 4000 >"$tmp/refused.log" 2>&1
echo $? >"$tmp/refused.rc"
# the resolver's own time for the lookup: "(no usable answer from 1 server, N ms)"
lookup_ms=$(sed -n 's/.*from 1 server, \([0-9][0-9]*\) ms).*/\1/p' "$tmp/refused.log" | tail -1)
check "UDP to the kernel's closed port: refused at once (ICMP port unreachable, ${lookup_ms:-?} ms)" refused eval \
    '[ "$(cat "$tmp/refused.rc")" = 1 ] && has refused "probe: resolve nothing.nb.test: NB_E_CONN_REFUSED" &&
     [ "$(ctr refused icmp4.unreachable.rx)" -ge 1 ] && [ -n "$lookup_ms" ] && [ "$lookup_ms" -lt 2000 ]'

# ---------------------------------------------------------------- 2: DHCP lease
# dnsmasq for DHCP only (port 0: no DNS); one address in the pool.
# (ip netns exec execs its command: $! is the daemon's own PID.)
start_dnsmasq() {
    local name=$1 pool=$2; shift 2
    : >"$tmp/$name.leases"
    ip netns exec "$NS_K" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --port=0 \
        --interface=br0 --bind-interfaces --user=root --group=root --pid-file="$tmp/$name.pid" \
        --dhcp-range=$pool,$pool,255.255.255.0,1h --dhcp-option=3,$KERNEL \
        --dhcp-leasefile="$tmp/$name.leases" --log-dhcp --log-facility="$tmp/$name.log" "$@" \
        >"$tmp/$name.out" 2>&1 &
    dnsmasq_pid=$!
    ht_track $dnsmasq_pid
    wait_for "$name" "DHCP, IP range $pool" 10 ||
        { echo "test-ip4: dnsmasq did not start" >&2; cat "$tmp/$name".{log,out} >&2; exit 1; }
}
stop_dnsmasq() { ht_stop "$dnsmasq_pid"; }

start_dnsmasq dm1 $POOL1
nsx "$NS_K" timeout 60 "$PROBE" --dev tap:nbt0 --mac $MAC --counters \
    -- dhcp4 --timeout 30 -- serve 6 >"$tmp/dhcp.log" 2>&1 &
probe_pid=$!
ht_track $probe_pid
if wait_for dhcp "probe: serving for" 40 && kping kping-lease -c 2 -i 0.2 -W 2 $POOL1; then
    ok "the leased address answers the kernel's ping"
else bad "the leased address answers the kernel's ping"; sed 's/^/      | /' "$tmp/kping-lease.log" 2>/dev/null; fi
wait "$probe_pid" 2>/dev/null
echo $? >"$tmp/dhcp.rc"
check "nb-probe: DHCP lease $POOL1/24, router and server $KERNEL" dhcp eval \
    '[ "$(cat "$tmp/dhcp.rc")" = 0 ] &&
     has dhcp "probe: dhcp4 lease $POOL1 mask 255.255.255.0 router $KERNEL server $KERNEL"'
check "dnsmasq: DHCPACK of $POOL1 to nb-probe's MAC" dm1 has dm1 "DHCPACK(br0) $POOL1 $MAC"
check "dnsmasq lease file: $POOL1 leased to nb-probe's MAC" dm1 \
    grep -q " $MAC $POOL1 " "$tmp/dm1.leases"
check "nb-probe probed the address before using it (no conflict)" dhcp eval \
    '[ "$(ctr dhcp arp.request.sent)" -ge 1 ] && ! has dhcp "already in use"'
stop_dnsmasq

# ---------------------------------------------------------------- 3: address in use: DECLINE
# The pool's one address is H's. --no-ping: dnsmasq offers it anyway; only
# the client's ARP probe can tell.
start_dnsmasq dm2 $TAKEN --no-ping
nsx "$NS_K" timeout 60 "$PROBE" --dev tap:nbt0 --mac $MAC2 --counters \
    -- dhcp4 --timeout 10 >"$tmp/decline.log" 2>&1
echo $? >"$tmp/decline.rc"
check "nb-probe: the ARP probe finds $TAKEN in use and declines it" decline \
    has decline "dhcp4: $TAKEN is already in use on the link (ARP); declining it"
check "dnsmasq: DHCPDECLINE of $TAKEN from nb-probe's MAC" dm2 has dm2 "DHCPDECLINE(br0) $TAKEN $MAC2"
check "nb-probe took no lease (no other address to offer: it gives up)" decline eval \
    '[ "$(cat "$tmp/decline.rc")" != 0 ] && ! has decline "probe: dhcp4 lease"'
stop_dnsmasq

ht_summary test-ip4
