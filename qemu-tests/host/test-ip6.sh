#!/usr/bin/env bash
# test-ip6.sh: IPv6, ICMPv6 and neighbour discovery / SLAAC (firmware/net/ip6.c,
# icmp6.c, nd6.c) in nb-probe against the Linux kernel's stack, in network
# namespaces this script creates (run as root).
#
#   C (nb-probe, if:vc) ==veth== vr-c \
#                                      br0 in R  fd00:b007:1::1/64   dnsmasq: RA (prefix /64 L+A,
#                                      (MLD snooping on)
#   K (squatter, vk)    ==veth== vr-k /                               MTU 1400, RDNSS, DNSSL)
#                                R: vr-h fd00:b007:2::1/64 ==veth== H: vh fd00:b007:2::2/64
#
# R forwards between the two /64s (inside the lab; H has a route back to
# fd00:b007:1::/64 only). C's kernel has IPv6 disabled on vc: nb-probe's own
# stack does everything through an AF_PACKET socket. K is used only to hold
# the addresses nb-probe will derive (nodad) for the DAD conflict tests.
# Addresses only from fd00:b007::/48; no default route anywhere; accept_ra off
# in every kernel namespace; nothing outside the test's namespaces is
# touched; processes are stopped by recorded PID.
#
# Env: NB_PROBE=path to nb-probe (default: build/host/nb-probe), KEEP_LOGS=1.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
PROBE=${NB_PROBE:-$repo/build/host/nb-probe}
# shellcheck source=lib.sh
. "$here/lib.sh"
ht_require ip6 "$PROBE" dnsmasq ping

ht_init ip6
tmp=$HT_TMP
NS_C=$HT_PREFIX-c NS_R=$HT_PREFIX-r NS_H=$HT_PREFIX-h NS_K=$HT_PREFIX-k

MAC_C=52:54:00:b0:07:61
MAC_R=52:54:00:b0:07:01
MAC_K=52:54:00:b0:07:6b
LL_C=fe80::5054:ff:feb0:761
LL_R=fe80::5054:ff:feb0:701
G_C=fd00:b007:1:0:5054:ff:feb0:761
G_R=fd00:b007:1::1
G_H=fd00:b007:2::2

# ---------------------------------------------------------------- the lab
for ns in "$NS_C" "$NS_R" "$NS_H" "$NS_K"; do
    ht_ns_add "$ns"
    # no kernel here learns anything from the RAs of this lab
    nsx "$ns" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
done
ip link add vc netns "$NS_C" address "$MAC_C" type veth peer name vr-c netns "$NS_R"
ip link add vk netns "$NS_K" address "$MAC_K" type veth peer name vr-k netns "$NS_R"
ip link add vh netns "$NS_H" type veth peer name vr-h netns "$NS_R"

nsx "$NS_C" sysctl -qw net.ipv6.conf.vc.disable_ipv6=1
nsx "$NS_C" ip link set vc up

nsx "$NS_R" sysctl -qw net.ipv6.conf.all.forwarding=1
nsx "$NS_R" ip link add br0 address "$MAC_R" type bridge
nsx "$NS_R" ip link set br0 addrgenmode eui64
for v in vr-c vr-k; do
    nsx "$NS_R" ip link set "$v" master br0
    nsx "$NS_R" ip link set "$v" up
done
nsx "$NS_R" ip link set br0 up
nsx "$NS_R" ip -6 addr add $G_R/64 dev br0 nodad
nsx "$NS_R" ip -6 addr add fd00:b007:2::1/64 dev vr-h nodad
nsx "$NS_R" ip link set vr-h up

nsx "$NS_H" ip link set vh up
nsx "$NS_H" ip -6 addr add $G_H/64 dev vh nodad
nsx "$NS_H" ip -6 route add fd00:b007:1::/64 via fd00:b007:2::1 dev vh

nsx "$NS_K" ip link set vk up

# The router's link-local address must be usable before dnsmasq starts.
for _ in $(seq 50); do
    nsx "$NS_R" ip -6 addr show dev br0 scope link 2>/dev/null | grep -q "$LL_R" &&
        ! nsx "$NS_R" ip -6 addr show dev br0 2>/dev/null | grep -q tentative && break
    sleep 0.1
done

# dnsmasq in R: RAs only (no DHCPv6), router lifetime 1800 s, unsolicited RAs
# every 60 s (so a quick RA means our RS was answered), MTU 1400, RDNSS
# (itself) and DNSSL (lab.nb.test).
# (ip netns exec directly, not through nsx: $! must be the daemon's own PID)
ip netns exec "$NS_R" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
    --interface=br0 --bind-interfaces --user=root --group=root \
    --pid-file="$tmp/dnsmasq.pid" --log-facility="$tmp/dnsmasq.log" --log-debug \
    --enable-ra --dhcp-range=::,constructor:br0,ra-only,64,24h \
    --ra-param=br0,mtu:1400,60,1800 \
    --domain=lab.nb.test --dhcp-option=option6:domain-search,lab.nb.test \
    --dhcp-option=option6:dns-server,[$G_R] &
ht_track $!
for _ in $(seq 50); do
    grep -q "router advertisement on" "$tmp/dnsmasq.log" 2>/dev/null && break
    sleep 0.1
done
grep -q "router advertisement on" "$tmp/dnsmasq.log" 2>/dev/null ||
    { echo "test-ip6: dnsmasq did not start advertising" >&2; cat "$tmp/dnsmasq.log" >&2; exit 1; }

# ---------------------------------------------------------------- helpers
has()  { grep -qF -- "$2" "$tmp/$1.log"; }
counter() { sed -n "s/.*counter $2 \([0-9]*\)$/\1/p" "$tmp/$1.log" | tail -1; }
check() {
    local name=$1 log=$2; shift 2
    if "$@"; then ok "$name"; else bad "$name"; sed 's/^/      | /' "$tmp/$log.log" | tail -60; fi
}
# wait_for LOG TEXT SECONDS
wait_for() {
    local end=$((SECONDS + $3))
    while [ "$SECONDS" -lt "$end" ]; do
        grep -qF -- "$2" "$tmp/$1.log" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
# The console time (seconds since nb-probe started) of the first line with TEXT.
at() { grep -F -- "$2" "$tmp/$1.log" | head -1 | sed -n 's/^\[ *\([0-9]*\)\.\([0-9]*\)\].*/\1\2/p'; }

# ---------------------------------------------------------------- 1: SLAAC, pings both ways
ip netns exec "$NS_C" timeout 90 "$PROBE" --dev if:vc --counters \
    -- ip6-up 15 global \
    -- ping6 $G_R 3 -- ping6 $LL_R 3 -- ping6 $G_H 3 \
    -- serve 15 >"$tmp/main.log" 2>&1 &
probe_pid=$!
ht_track $probe_pid
wait_for main "probe: serving for" 40 || true

check "link-local from the MAC (EUI-64), DAD ok" main has main "ip6: link-local $LL_C (DAD ok)"
check "router learned from the RA (lifetime 1800 s)" main has main "ip6: router $LL_R lifetime 1800 s (M=0 O=0"
check "RS answered: router known within 3 s of start" main eval '[ -n "$(at main "ip6: router")" ] &&
    [ "$(at main "ip6: router")" -lt 3000 ]'
check "SLAAC address from the /64, DAD ok" main \
    has main "ip6: prefix fd00:b007:1::/64 -> address $G_C (SLAAC, DAD ok)"
check "ip6-up: global address preferred, router and MTU 1400 from the RA" main eval \
    'has main "probe: ip6 address $G_C/64 slaac preferred" && has main "probe: ip6 router $LL_R M=0 O=0 mtu 1400" &&
     has main "probe: ip6-up: ok"'
check "RDNSS -> resolver, DNSSL -> search domain" main eval \
    'has main "ip6: dns server $G_R (RA RDNSS" && has main "probe: ip6 search lab.nb.test"'
check "nb-probe pings the router (global)" main has main "probe: ping6 $G_R: 3/3 answered"
check "nb-probe pings the router (link-local)" main has main "probe: ping6 $LL_R: 3/3 answered"
check "nb-probe pings a host behind the router (via the default router)" main \
    has main "probe: ping6 $G_H: 3/3 answered"

if nsx "$NS_R" ping -6 -c 3 -i 0.2 -W 2 $G_C >"$tmp/ping-r-g.log" 2>&1; then
    ok "kernel (router) pings nb-probe's SLAAC address"
else bad "kernel (router) pings nb-probe's SLAAC address"; sed 's/^/      | /' "$tmp/ping-r-g.log"; fi
if nsx "$NS_R" ping -6 -c 3 -i 0.2 -W 2 "$LL_C%br0" >"$tmp/ping-r-ll.log" 2>&1; then
    ok "kernel (router) pings nb-probe's link-local address"
else bad "kernel (router) pings nb-probe's link-local address"; sed 's/^/      | /' "$tmp/ping-r-ll.log"; fi
if nsx "$NS_H" ping -6 -c 3 -i 0.2 -W 2 -s 1000 $G_C >"$tmp/ping-h.log" 2>&1; then
    ok "kernel (host behind the router) pings nb-probe, 1000-byte payload"
else bad "kernel (host behind the router) pings nb-probe, 1000-byte payload"; sed 's/^/      | /' "$tmp/ping-h.log"; fi
nsx "$NS_R" bridge mdb show dev br0 >"$tmp/mdb.log" 2>&1
check "MLDv2: the bridge (snooping) learned nb-probe's solicited-node group on its port" mdb \
    grep -q "port vr-c grp ff02::1:ffb0:761" "$tmp/mdb.log"
nsx "$NS_R" ip -6 neigh show dev br0 >"$tmp/neigh.log" 2>&1
check "kernel's neighbour entries for nb-probe carry its MAC (our NA was right)" neigh eval \
    'grep -q "^$G_C lladdr $MAC_C" "$tmp/neigh.log" && grep -q "^$LL_C lladdr $MAC_C" "$tmp/neigh.log"'

wait "$probe_pid" 2>/dev/null
# (not_for_us: the kernels' MLD reports and NS for other nodes, expected)
check "counters: echo answered, no checksum/ND/IPv6 drops on a clean link" main eval \
    '[ "$(counter main icmp6.echo.replied)" -ge 9 ] && ! grep -E "counter (icmp6\.drop|nd6\.drop|nd6\.ra\.drop|ip6\.drop)" "$tmp/main.log" | grep -vq not_for_us'

# ---------------------------------------------------------------- 2: the SLAAC address is taken
nsx "$NS_K" ip -6 addr add $G_C/64 dev vk nodad
nsx "$NS_C" timeout 60 "$PROBE" --dev if:vc --counters -- ip6-up 15 global >"$tmp/dad-g.log" 2>&1
echo $? >"$tmp/dad-g.rc"
check "DAD conflict on the SLAAC address: reported with the holder's MAC, not used" dad-g eval \
    '[ "$(cat "$tmp/dad-g.rc")" = 1 ] &&
     has dad-g "error: ip6: SLAAC address $G_C is in use by $MAC_K; not using it: duplicate address detected on the link" &&
     has dad-g "probe: ip6 address $G_C/64 slaac duplicate" && has dad-g "probe: ip6-up: duplicate address" &&
     [ "$(counter dad-g nd6.dad.conflict)" = 1 ]'
check "DAD conflict on the SLAAC address: the link-local address still works" dad-g \
    has dad-g "ip6: link-local $LL_C (DAD ok)"
nsx "$NS_K" ip -6 addr del $G_C/64 dev vk

# ---------------------------------------------------------------- 3: the link-local address is taken
nsx "$NS_K" ip -6 addr add $LL_C/64 dev vk nodad
nsx "$NS_C" timeout 60 "$PROBE" --dev if:vc --counters -- ip6-up 15 >"$tmp/dad-ll.log" 2>&1
echo $? >"$tmp/dad-ll.rc"
check "DAD conflict on the link-local address: IPv6 disabled, said so" dad-ll eval \
    '[ "$(cat "$tmp/dad-ll.rc")" = 1 ] &&
     has dad-ll "error: ip6: link-local $LL_C is in use by $MAC_K; IPv6 disabled on this interface" &&
     ! has dad-ll "ip6: prefix fd00:b007:1::/64 ->"'
nsx "$NS_K" ip -6 addr del $LL_C/64 dev vk

# ---------------------------------------------------------------- 4: nb-probe defends its address
ip netns exec "$NS_C" timeout 60 "$PROBE" --dev if:vc --counters -- ip6-up 15 global -- serve 20 \
    >"$tmp/defend.log" 2>&1 &
probe_pid=$!
ht_track $probe_pid
wait_for defend "probe: serving for" 20 || true
ip netns exec "$NS_R" tcpdump -i br0 -n -vv -l icmp6 >"$tmp/defend-tcpdump.log" 2>&1 &
ht_track $!
sleep 0.5
# The kernel in K now tries the same address with DAD on: nb-probe answers
# its NS, the kernel marks the address dadfailed.
nsx "$NS_K" ip -6 addr add $G_C/64 dev vk
# generous: the kernel's DAD waits a random delay plus RetransTimer, longer on a loaded machine
for _ in $(seq 150); do
    nsx "$NS_K" ip -6 addr show dev vk 2>/dev/null | grep -q tentative || break
    sleep 0.1
done
nsx "$NS_K" ip -6 addr show dev vk >"$tmp/defend-k.log" 2>&1
check "nb-probe defends its address: the kernel's DAD fails" defend-k \
    grep -q "dadfailed" "$tmp/defend-k.log"
ht_stop "$probe_pid"

ht_summary
