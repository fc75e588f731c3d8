#!/usr/bin/env bash
# test-dhcp6.sh: nb-probe's DHCPv6 client (boot/dhcp6.c) against dnsmasq and Kea, directly on the
# link and through a relay to an anycast server address, in network namespaces (run as root).
#
#   C (client)  d6tap (nb-probe's wire) + c0 in bridge br0; no IPv6 stack of its own
#   R (router)  lan0 fd00:b007:0:1::1/64 ── direct servers here; or the relay (dnsmasq dhcp-relay)
#               up0  fd00:b007:0:2::1/64      + RA, towards the anycast address
#   S (site)    up0  fd00:b007:0:2::2/64, lo: fd00:b007:0:ffff::69/128 (anycast) ── relayed servers
#
# Asserts from the servers' own logs and lease files (not only nb-probe's output): the lease went to
# our DUID and IAID, two runs use the same DUID and IAID (and so get the same address), the RA's M/O
# flags choose stateful/stateless/nothing, Rapid Commit, DUID-UUID, and the SOLICIT retransmission
# schedule on a capture of the client's link (RFC 8415 §15 bands).
#
# Rules: addresses only from fd00:b007::/48; namespaces only (nb-dhcp6-<pid>-<random>-x); no default route in any
# namespace (checked); accept_ra off everywhere; nothing outside our namespaces is touched; processes
# ended by their recorded PID only. Last line: "N passed, N failed".
#
# Env: NB_PROBE (default build/host/nb-probe), NB_D6_LOGS (kept logs; default build/host-tests/dhcp6).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
PROBE=${NB_PROBE:-$repo/${BUILD:-build}/host/nb-probe}
LOGS=${NB_D6_LOGS:-$repo/${BUILD:-build}/host-tests/dhcp6}
# shellcheck source=lib.sh
. "$here/lib.sh"
ht_require dhcp6 "$PROBE" ip dnsmasq kea-dhcp6 tcpdump python3

ht_init dhcp6
NS_C=$HT_PREFIX-c NS_R=$HT_PREFIX-r NS_S=$HT_PREFIX-s
MAC=52:54:00:b0:07:61
DUID_LL=00:03:00:01:52:54:00:b0:07:61    # DUID-LL from the MAC
IAID=$((0x00b00761))                      # the last four bytes of the MAC
UUID=8f0d4f3e-1b2c-4d5e-9f00-112233445566
DUID_UUID=00:04:8f:0d:4f:3e:1b:2c:4d:5e:9f:00:11:22:33:44:55:66
ANYCAST=fd00:b007:0:ffff::69
URL="tftp://[$ANYCAST]/nearboot.efi"
tmp=$HT_TMP
chmod 755 "$tmp"
keep_logs() { mkdir -p "$LOGS" && rm -rf "${LOGS:?}"/* && cp -r "$tmp"/. "$LOGS"/ 2>/dev/null; }
ht_on_exit keep_logs

check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
say()  { printf '# %s\n' "$*"; }

# ---- namespaces --------------------------------------------------------------------------------------

ns_add() {
    ht_ns_add "$1"
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
        net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

topology() {
    ns_add "$NS_C"; ns_add "$NS_R"; ns_add "$NS_S"
    ip netns exec "$NS_C" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$NS_C" link add br0 type bridge mcast_snooping 0 stp_state 0 forward_delay 0
    ip -n "$NS_C" tuntap add dev d6tap mode tap
    ip -n "$NS_C" link set d6tap master br0
    ip -n "$NS_C" link add c0 type veth peer name lan0 netns "$NS_R"
    ip -n "$NS_C" link set c0 master br0
    for i in br0 d6tap c0; do ip -n "$NS_C" link set "$i" up; done
    ip netns exec "$NS_R" sysctl -qw net.ipv6.conf.all.forwarding=1
    ip -n "$NS_R" addr add fd00:b007:0:1::1/64 dev lan0 nodad
    ip -n "$NS_R" link set lan0 up
    ip -n "$NS_R" link add up0 type veth peer name up0 netns "$NS_S"
    ip -n "$NS_R" addr add fd00:b007:0:2::1/64 dev up0 nodad
    ip -n "$NS_R" link set up0 up
    ip -n "$NS_S" addr add fd00:b007:0:2::2/64 dev up0 nodad
    ip -n "$NS_S" link set up0 up
    ip -n "$NS_S" addr add "$ANYCAST/128" dev lo nodad
    ip -n "$NS_R" -6 route add "$ANYCAST/128" via fd00:b007:0:2::2
    ip -n "$NS_S" -6 route add fd00:b007:0:1::/64 via fd00:b007:0:2::1
    local n bad=0
    for n in "$NS_C" "$NS_R" "$NS_S"; do
        [ -z "$(ip -n "$n" -6 route show default 2>/dev/null)$(ip -n "$n" route show default)" ] || bad=1
        ip -n "$n" -6 route show 2>/dev/null | grep -v -E '^(fd00:b007:|fe80::|multicast |local |anycast )' |
            grep -q . && bad=1
    done
    [ "$bad" = 0 ] || { echo "test-dhcp6: a namespace has a route out of the lab" >&2; exit 1; }
}

# ---- daemons -----------------------------------------------------------------------------------------

# start NAME NS CMD... — run CMD in NS in the background, record its PID in $tmp/NAME.pid
start() {
    local name=$1 ns=$2; shift 2
    ip netns exec "$ns" "$@" >"$tmp/$name.out" 2>&1 </dev/null &
    ht_track $!
    echo $! >"$tmp/$name.pid"
}

# stop NAME — end the recorded process (TERM, then KILL after 3 s)
stop() {
    local pid
    pid=$(cat "$tmp/$1.pid" 2>/dev/null) || return 0
    ht_stop "$pid"
    rm -f "$tmp/$1.pid"
}

wait_for() {   # SECONDS CMD...
    local end=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do [ "$SECONDS" -ge "$end" ] && return 1; sleep 0.1; done
}

dnsmasq_common() {   # NAME IFACE
    cat <<EOF
port=0
interface=$2
pid-file=$tmp/$1.pidfile
log-facility=$tmp/$1.log
dhcp-leasefile=$tmp/$1.leases
log-dhcp
EOF
}

dnsmasq_options() {
    cat <<EOF
dhcp-option=option6:dns-server,[fd00:b007:0:ffff::53]
dhcp-option=option6:domain-search,lab.nearboot.test,example.test
dhcp-option=option6:bootfile-url,$URL
dhcp-option=option6:bootfile-param,"console=ttyS0","quiet"
dhcp-option=vi-encap:32473,option6:1,"https://sitea.nearboot.test/"
EOF
}

start_dnsmasq() {   # NAME NS (config in $tmp/NAME.conf)
    ip netns exec "$2" dnsmasq --test -C "$tmp/$1.conf" >/dev/null 2>&1 || { echo "bad dnsmasq config $1" >&2; return 1; }
    : >"$tmp/$1.log"
    start "$1" "$2" dnsmasq -k -C "$tmp/$1.conf"
    wait_for 10 grep -q 'started, version' "$tmp/$1.log"
}

kea_conf() {   # NAME INTERFACES-JSON SUBNET-EXTRA POOL
    mkdir -p "$tmp/$1"
    cat <<EOF
{ "Dhcp6": {
    "interfaces-config": { "interfaces": $2 },
    "data-directory": "$tmp/$1",
    "lease-database": { "type": "memfile", "persist": true, "name": "$tmp/$1/leases6.csv", "lfc-interval": 0 },
    "preferred-lifetime": 1800, "valid-lifetime": 3600, "renew-timer": 900, "rebind-timer": 1440,
    "option-def": [ { "name": "nb-site-url", "code": 1, "space": "vendor-32473", "type": "string" } ],
    "option-data": [
        { "name": "dns-servers", "data": "fd00:b007:0:ffff::53" },
        { "name": "domain-search", "data": "lab.nearboot.test" },
        { "name": "bootfile-url", "data": "$URL" },
        { "name": "bootfile-param", "data": "console=ttyS0" },
        { "name": "vendor-opts", "data": "32473", "always-send": true },
        { "name": "nb-site-url", "space": "vendor-32473", "code": 1,
          "data": "https://siteb.nearboot.test/", "always-send": true }
    ],
    "subnet6": [ { "subnet": "fd00:b007:0:1::/64", "id": 1, $3
                   "pools": [ { "pool": "$4" } ], "rapid-commit": true } ],
    "loggers": [ { "name": "kea-dhcp6", "severity": "DEBUG", "debuglevel": 40,
                   "output_options": [ { "output": "$tmp/$1.log" } ] } ]
} }
EOF
}

start_kea() {   # NAME NS (config in $tmp/NAME.json)
    ip netns exec "$2" env KEA_LOCKFILE_DIR="$tmp/$1" KEA_PIDFILE_DIR="$tmp/$1" \
        kea-dhcp6 -t "$tmp/$1.json" >"$tmp/$1.check" 2>&1 ||
        { echo "bad kea config $1:" >&2; cat "$tmp/$1.check" >&2; return 1; }
    : >"$tmp/$1.log"
    start "$1" "$2" env KEA_LOCKFILE_DIR="$tmp/$1" KEA_PIDFILE_DIR="$tmp/$1" kea-dhcp6 -c "$tmp/$1.json"
    wait_for 15 grep -q 'DHCP6_STARTED' "$tmp/$1.log"
}

# ---- the client --------------------------------------------------------------------------------------

# probe OUT ARGS... — one nb-probe dhcp6 run; its output in $tmp/OUT
probe() {
    local out=$1; shift
    timeout 60 ip netns exec "$NS_C" "$PROBE" --dev tap:d6tap --mac "$MAC" --nv "$tmp/nv" --counters \
        -- dhcp6 "$@" >"$tmp/$out" 2>&1
}
pval() { sed -n "s/.*probe: dhcp6: $2 //p" "$tmp/$1" | head -n1; }   # OUT KEY -> value
has()  { grep -qF -- "$2" "$tmp/$1"; }                                # FILE-in-tmp STRING
in_pool() {   # ADDR PREFIX (e.g. fd00:b007:0:1::1:) — inside PREFIX100..PREFIX1ff
    case $1 in "$2"1[0-9a-f][0-9a-f]) return 0 ;; *) return 1 ;; esac
}

# dnsmasq's lease file line for ADDR: "expiry iaid addr name duid"
dnsmasq_lease_ok() {   # LEASEFILE ADDR DUID
    awk -v a="$2" -v i="$IAID" -v d="$3" '$3 == a && $2 == i && $5 == d { f = 1 } END { exit !f }' "$1"
}
# Kea's memfile: address,duid,valid,expire,subnet,pref,type,iaid,...
kea_lease_ok() {   # CSV ADDR DUID
    awk -F, -v a="$2" -v i="$IAID" -v d="$3" '$1 == a && $2 == d && $8 == i { f = 1 } END { exit !f }' "$1"
}

# ---- cases -------------------------------------------------------------------------------------------

case_dnsmasq_direct() {
    say "dnsmasq on the link: RA with M (enable-ra), stateful, Rapid Commit"
    { dnsmasq_common dm-direct lan0; dnsmasq_options
      echo "enable-ra"
      echo "dhcp-range=fd00:b007:0:1::1:100,fd00:b007:0:1::1:1ff,64,10m"; } >"$tmp/dm-direct.conf"
    start_dnsmasq dm-direct "$NS_R" || { bad "dnsmasq direct: start"; return; }
    probe d1.out
    local a1 a2
    a1=$(pval d1.out address)
    check "direct: nb-probe leased an address from dnsmasq's pool ($a1)" in_pool "$a1" fd00:b007:0:1::1:
    check "direct: followed the RA's M flag" has d1.out 'router advertisement has M set: stateful'
    check "direct: Rapid Commit (2-message exchange)" test "$(pval d1.out rapid-commit)" = yes
    check "direct: dnsmasq logged REPLY for our DUID-LL" has dm-direct.log "DHCPREPLY(lan0) $a1 $DUID_LL"
    check "direct: dnsmasq's lease file holds our DUID and IAID" dnsmasq_lease_ok "$tmp/dm-direct.leases" "$a1" "$DUID_LL"
    check "direct: client arch 7 and PXEClient vendor class sent" has dm-direct.log 'vendor class: 343'
    check "direct: ORO asked for 23 24 59 60 82 17" \
        sh -c "grep -q 'requested options: 23:dns-server, 24:domain-search, 59:bootfile-url' '$tmp/dm-direct.log' &&
               grep -q 'requested options: 60:bootfile-param, 82, 17:vendor-opts' '$tmp/dm-direct.log'"
    check "direct: boot URL (59)" test "$(pval d1.out boot-url)" = "$URL"
    check "direct: DNS server (23)" test "$(pval d1.out dns)" = fd00:b007:0:ffff::53
    check "direct: domain list (24), both names" \
        sh -c "grep -q 'domain lab.nearboot.test' '$tmp/d1.out' && grep -q 'domain example.test' '$tmp/d1.out'"
    check "direct: boot parameters (60)" \
        sh -c "grep -q 'boot-param console=ttyS0' '$tmp/d1.out' && grep -q 'boot-param quiet' '$tmp/d1.out'"
    check "direct: nearboot site URL (17, enterprise 32473)" test "$(pval d1.out site)" = https://sitea.nearboot.test/
    check "direct: the address passed DAD on the link" test "$(pval d1.out address-state)" = preferred

    say "dnsmasq on the link: four-message exchange, same DUID/IAID -> same address"
    : >"$tmp/dm-direct.log.mark"; local mark
    mark=$(wc -l <"$tmp/dm-direct.log")
    probe d2.out --no-rapid-commit
    a2=$(pval d2.out address)
    check "direct: second run got the same address ($a2)" test -n "$a2" -a "$a2" = "$a1"
    check "direct: second run without Rapid Commit" test "$(pval d2.out rapid-commit)" = no
    check "direct: SOLICIT, ADVERTISE, REQUEST, REPLY in dnsmasq's log" sh -c "tail -n +$((mark + 1)) '$tmp/dm-direct.log' |
        grep -q 'DHCPSOLICIT(lan0) $DUID_LL' && tail -n +$((mark + 1)) '$tmp/dm-direct.log' | grep -q 'DHCPADVERTISE(lan0) $a1 $DUID_LL' &&
        tail -n +$((mark + 1)) '$tmp/dm-direct.log' | grep -q 'DHCPREQUEST(lan0) $DUID_LL' &&
        tail -n +$((mark + 1)) '$tmp/dm-direct.log' | grep -q 'DHCPREPLY(lan0) $a1 $DUID_LL'"
    check "direct: both runs sent the same DUID and IAID (one lease line)" \
        test "$(grep -c "$DUID_LL" "$tmp/dm-direct.leases")" = 1
    check "direct: nb-probe printed the same DUID and IAID both runs" \
        test "$(pval d1.out duid) $(pval d1.out iaid)" = "$(pval d2.out duid) $(pval d2.out iaid)" -a \
        "$(pval d1.out iaid)" = "$(printf '0x%08x' "$IAID")"

    say "dnsmasq on the link: DUID-UUID when the platform has an SMBIOS UUID"
    probe d3.out --uuid "$UUID"
    local a3
    a3=$(pval d3.out address)
    check "direct: DUID-UUID lease ($a3) in dnsmasq's lease file" dnsmasq_lease_ok "$tmp/dm-direct.leases" "$a3" "$DUID_UUID"

    say "dnsmasq on the link: the leased address is taken on the link -> DECLINE, new lease"
    ip -n "$NS_R" addr add "$a1/128" dev lan0 nodad
    probe d4.out
    ip -n "$NS_R" addr del "$a1/128" dev lan0
    local a4
    a4=$(pval d4.out address)
    check "decline: nb-probe declined $a1 (DAD failed)" has d4.out "$a1 is in use by another node on the link: DECLINE"
    check "decline: dnsmasq logged the DECLINE from our DUID" has dm-direct.log "DHCPDECLINE(lan0) $DUID_LL"
    check "decline: nb-probe ended with another address ($a4)" sh -c "[ -n '$a4' ] && [ '$a4' != '$a1' ]"
    stop dm-direct
}

case_dnsmasq_stateless() {
    say "dnsmasq on the link: RA with O only (ra-stateless) -> INFORMATION-REQUEST"
    { dnsmasq_common dm-sl lan0; dnsmasq_options
      echo "enable-ra"
      echo "dhcp-range=fd00:b007:0:1::,ra-stateless,64"; } >"$tmp/dm-sl.conf"
    start_dnsmasq dm-sl "$NS_R" || { bad "dnsmasq stateless: start"; return; }
    probe s1.out
    check "stateless: nb-probe informed (no address)" has s1.out 'probe: dhcp6: ok stateless'
    check "stateless: followed the RA's O flag" has s1.out 'router advertisement has O set: stateless'
    check "stateless: dnsmasq logged our INFORMATION-REQUEST and answered with the boot URL" \
        sh -c "grep -qF 'DHCPINFORMATION-REQUEST(lan0) $DUID_LL' '$tmp/dm-sl.log' &&
               grep -qF 'option: 59 bootfile-url  $URL' '$tmp/dm-sl.log'"
    check "stateless: no SOLICIT sent" sh -c "! grep -q DHCPSOLICIT '$tmp/dm-sl.log'"
    check "stateless: ORO asked for 83 (INF_MAX_RT)" grep -q 'requested options: 60:bootfile-param, 83' "$tmp/dm-sl.log"
    check "stateless: boot URL, DNS, site" sh -c "grep -qF 'boot-url $URL' '$tmp/s1.out' &&
        grep -q 'dns fd00:b007:0:ffff::53' '$tmp/s1.out' && grep -q 'site https://sitea.nearboot.test/' '$tmp/s1.out'"
    stop dm-sl

    say "dnsmasq on the link: RA with neither M nor O (ra-only) -> no DHCPv6"
    { dnsmasq_common dm-ra lan0
      echo "enable-ra"
      echo "dhcp-range=fd00:b007:0:1::,ra-only,64"; } >"$tmp/dm-ra.conf"
    start_dnsmasq dm-ra "$NS_R" || { bad "dnsmasq ra-only: start"; return; }
    probe r1.out
    check "ra-only: nb-probe did not run DHCPv6 (NB_E_DHCP6_NOT_MANAGED)" has r1.out 'probe: dhcp6: NB_E_DHCP6_NOT_MANAGED'
    check "ra-only: no DHCPv6 message left the client" sh -c "! grep -q 'dhcp6.tx' '$tmp/r1.out'"
    stop dm-ra
}

case_kea_direct() {
    say "Kea on the link, no RA: forced stateful (--stateful)"
    kea_conf kea-direct '[ "lan0" ]' '"interface": "lan0",' 'fd00:b007:0:1::3:100 - fd00:b007:0:1::3:1ff' >"$tmp/kea-direct.json"
    start_kea kea-direct "$NS_R" || { bad "kea direct: start"; return; }
    probe k1.out --stateful --no-rapid-commit
    local a1 a2
    a1=$(pval k1.out address)
    check "kea direct: leased from Kea's pool ($a1)" in_pool "$a1" fd00:b007:0:1::3:
    check "kea direct: forced stateful" has k1.out 'stateful (forced)'
    check "kea direct: Kea's lease file holds our DUID and IAID" kea_lease_ok "$tmp/kea-direct/leases6.csv" "$a1" "$DUID_LL"
    check "kea direct: Kea logged the allocation to our DUID" \
        sh -c "grep 'DHCP6_LEASE_ALLOC' '$tmp/kea-direct.log' | grep -q 'duid=\[$DUID_LL\]'"
    check "kea direct: T1/T2/lifetimes from Kea" test "$(pval k1.out lifetimes)" = "preferred 1800 valid 3600 t1 900 t2 1440"
    check "kea direct: boot URL, parameter, DNS, domain" sh -c "grep -qF 'boot-url $URL' '$tmp/k1.out' &&
        grep -q 'boot-param console=ttyS0' '$tmp/k1.out' && grep -q 'dns fd00:b007:0:ffff::53' '$tmp/k1.out' &&
        grep -q 'domain lab.nearboot.test' '$tmp/k1.out'"
    check "kea direct: nearboot site URL (vendor-32473 sub-option 1)" test "$(pval k1.out site)" = https://siteb.nearboot.test/
    probe k2.out --stateful
    a2=$(pval k2.out address)
    check "kea direct: Rapid Commit run got the same address ($a2)" test -n "$a2" -a "$a2" = "$a1"
    check "kea direct: Rapid Commit honoured by Kea" test "$(pval k2.out rapid-commit)" = yes
    check "kea direct: one lease for our DUID/IAID after two runs" \
        test "$(awk -F, -v d="$DUID_LL" -v i="$IAID" '$2 == d && $8 == i { print $1 }' "$tmp/kea-direct/leases6.csv" | sort -u | wc -l)" = 1
    stop kea-direct
}

relay_conf() {   # the router's dnsmasq: RA with M on lan0, DHCPv6 relayed to the anycast address
    dnsmasq_common relay lan0
    cat <<EOF
dhcp-relay=fd00:b007:0:1::1,$ANYCAST
enable-ra
dhcp-range=fd00:b007:0:1::,static,64
ra-param=lan0,10,1800
EOF
}

case_relay() {
    relay_conf >"$tmp/relay.conf"
    start_dnsmasq relay "$NS_R" || { bad "relay: start"; return; }

    say "Kea behind the relay (anycast $ANYCAST on the site's lo), RA with M"
    kea_conf kea-relay "[ \"up0\", \"lo/$ANYCAST\" ]" '' 'fd00:b007:0:1::4:100 - fd00:b007:0:1::4:1ff' >"$tmp/kea-relay.json"
    if start_kea kea-relay "$NS_S"; then
        probe kr1.out
        local a
        a=$(pval kr1.out address)
        check "kea relay: leased through the relay ($a)" in_pool "$a" fd00:b007:0:1::4:
        check "kea relay: Kea's lease file holds our DUID and IAID" kea_lease_ok "$tmp/kea-relay/leases6.csv" "$a" "$DUID_LL"
        check "kea relay: Kea received it from the relay, sent to the anycast address" \
            grep -qF "received buffer from fd00:b007:0:2::1:547 to $ANYCAST:" "$tmp/kea-relay.log"
        check "kea relay: the relay's client link-layer option (79) named our MAC" \
            awk -F, -v m="$MAC" '$13 == m && $17 == 8 { f = 1 } END { exit !f }' "$tmp/kea-relay/leases6.csv"
        check "kea relay: the reply came from the relay's link-local" has kr1.out 'server-addr fe80::'
        check "kea relay: boot URL through the relay" test "$(pval kr1.out boot-url)" = "$URL"
        stop kea-relay
    else
        bad "kea relay: start (see $LOGS/kea-relay.log)"
    fi

    say "dnsmasq behind the relay"
    { dnsmasq_common dm-site up0; dnsmasq_options
      echo "dhcp-range=fd00:b007:0:1::2:100,fd00:b007:0:1::2:1ff,64,10m"; } >"$tmp/dm-site.conf"
    start_dnsmasq dm-site "$NS_S" || { bad "dnsmasq site: start"; stop relay; return; }
    probe dr1.out
    local b
    b=$(pval dr1.out address)
    check "dnsmasq relay: leased through the relay ($b)" in_pool "$b" fd00:b007:0:1::2:
    check "dnsmasq relay: the site's dnsmasq logged REPLY for our DUID" has dm-site.log "DHCPREPLY(up0) $b $DUID_LL"
    check "dnsmasq relay: lease file holds our DUID and IAID" dnsmasq_lease_ok "$tmp/dm-site.leases" "$b" "$DUID_LL"
    stop dm-site
    stop relay
}

# RFC 8415 §15 on the wire: no server, nb-probe solicits for 20 s (MRT 8 s); a capture of the tap gives the
# SOLICIT times, xids, elapsed times, DUIDs and IAIDs.
case_schedule() {
    say "retransmission schedule on a capture of the client's link (no server)"
    start tcpdump "$NS_C" tcpdump -i d6tap -n -s 0 -U --immediate-mode -w "$tmp/solicit.pcap" 'udp port 547'
    wait_for 10 grep -q 'listening on' "$tmp/tcpdump.out" || { bad "schedule: tcpdump did not start"; return; }
    probe sch.out --stateful --timeout 20 --max-delay 0 --mrt 8000
    sleep 0.5
    pid=$(cat "$tmp/tcpdump.pid"); kill -INT "$pid" 2>/dev/null; wait_for 5 sh -c "! kill -0 $pid"
    stop tcpdump
    # the lab's own RFC 8415 check (dhcp-pcap.py retrans6), with the host's tighter slack: at least 5 SOLICITs
    python3 "$here/../lib/dhcp-pcap.py" retrans6 "$tmp/solicit.pcap" --min 4 --mrt 8 --slack 0.03 \
        --elapsed-cs 5 --iaid "$IAID" >"$tmp/schedule.txt" 2>&1
    check "schedule: $(sed -n 's/^retrans6: \([0-9]*\) SOLICITs.*/\1/p' "$tmp/schedule.txt") SOLICITs within the RFC 8415 bands (first RT > IRT, 2RT+-10%, MRT+-10%), one xid, elapsed time right" \
        grep -q '^verdict ok' "$tmp/schedule.txt"
    grep '^bad:' "$tmp/schedule.txt" | sed 's/^/#   /'
    check "schedule: nb-probe gave up with a timeout" has sch.out 'probe: dhcp6: NB_E_TIMEOUT'
}

topology
say "namespaces $NS_C $NS_R $NS_S up; nb-probe $PROBE"
case_dnsmasq_direct
case_dnsmasq_stateless
case_kea_direct
case_relay
case_schedule
ht_summary dhcp6
