#!/usr/bin/env bash
# test-dns.sh: the DNS stub resolver (firmware/net/dns.c) in nb-probe against
# dnsmasq, in network namespaces this script creates (run as root).
#
#   namespace S: bridge br0, 198.18.0.53/.54/.55/24 and fd00:b007::53/64
#     nb-probe on tap nbt0 (a br0 port): 198.18.0.2, its own stack
#     dnsmasq 1 on 198.18.0.53 and fd00:b007::53: the nb.test zone
#     dnsmasq 2 on 198.18.0.54: no zone, no upstream: refuses
#     198.18.0.55: an address with nothing on port 53 (ICMP port unreachable)
#   namespace X (veth to br0): 198.18.0.77 answers every query wrongly, from
#     198.18.0.66, from port 5353, and with a wrong id; 198.18.0.78 answers
#     every query SERVFAIL
#   198.18.0.99: nobody (a silent server)
#
# A tap, not AF_PACKET on a veth: frames the kernel sends into a tap carry
# complete checksums (no offload). Addresses only from 198.18.0.0/15 and
# fd00:b007::/48; no routes out; nothing outside the test's namespaces is
# touched; processes are stopped by recorded PID.
#
# Env: NB_PROBE=path to nb-probe (default: build/host/nb-probe).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
PROBE=${NB_PROBE:-$repo/build/host/nb-probe}
# shellcheck source=lib.sh
. "$here/lib.sh"
ht_require dns "$PROBE" dnsmasq
PY=$(python3 -c 'import sys; print(sys.executable)') || { echo "test-dns: python3 needed" >&2; exit 2; }

ht_init dns
tmp=$HT_TMP
NS_S=$HT_PREFIX-s NS_X=$HT_PREFIX-x

# ---------------------------------------------------------------- the lab
for ns in "$NS_S" "$NS_X"; do
    ht_ns_add "$ns"
done
ip link add vx netns "$NS_X" type veth peer name vs-x netns "$NS_S"
nsx "$NS_S" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
nsx "$NS_S" ip link add br0 type bridge
nsx "$NS_S" ip tuntap add dev nbt0 mode tap
for v in nbt0 vs-x; do
    nsx "$NS_S" sysctl -qw "net.ipv6.conf.$v.disable_ipv6=1"
    nsx "$NS_S" ip link set "$v" master br0
    nsx "$NS_S" ip link set "$v" up
done
nsx "$NS_S" ip link set br0 up
for a in 53 54 55; do nsx "$NS_S" ip addr add 198.18.0.$a/24 dev br0; done
nsx "$NS_S" ip -6 addr add fd00:b007::53/64 dev br0 nodad
nsx "$NS_X" ip addr add 198.18.0.77/24 dev vx
nsx "$NS_X" ip addr add 198.18.0.66/24 dev vx
nsx "$NS_X" ip addr add 198.18.0.78/24 dev vx
nsx "$NS_X" ip link set vx up

# dnsmasq 1: the lab's zone. "many" has more addresses than a 512-byte
# answer holds (dnsmasq sets TC).
many=()
for i in $(seq 1 40); do many+=("--host-record=many.nb.test,198.18.2.$i"); done
# (ip netns exec execs its command: $! is the daemon's own PID.)
ip netns exec "$NS_S" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
    --listen-address=198.18.0.53 --listen-address=fd00:b007::53 --port=53 \
    --user=root --group=root --pid-file="$tmp/dns1.pid" --log-queries --log-facility="$tmp/dns1.log" \
    --local=/nb.test/ \
    --host-record=www.nb.test,198.18.0.10,fd00:b007::10 \
    --host-record=www.nb.test,198.18.0.11,fd00:b007::11 \
    --host-record=v4only.nb.test,198.18.0.12 \
    --host-record=v6only.nb.test,fd00:b007::12 \
    --cname=alias.nb.test,www.nb.test --cname=alias2.nb.test,alias.nb.test \
    "${many[@]}" >"$tmp/dns1.out" 2>&1 &
ht_track $!
# dnsmasq 2: no zone and no upstream: refuses.
ip netns exec "$NS_S" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
    --listen-address=198.18.0.54 --port=53 --user=root --group=root --pid-file="$tmp/dns2.pid" \
    --log-queries --log-facility="$tmp/dns2.log" >"$tmp/dns2.out" 2>&1 &
ht_track $!

# dnsmasq 3: router advertisements only (no DNS): the on-link prefix
# fd00:b007::/64 for SLAAC, no default route.
ip netns exec "$NS_S" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --port=0 \
    --interface=br0 --bind-interfaces --user=root --group=root --pid-file="$tmp/ra.pid" \
    --enable-ra --dhcp-range=fd00:b007::,ra-only,64,1h --ra-param=br0,3,0 \
    --log-facility="$tmp/ra.log" >"$tmp/ra.out" 2>&1 &
ht_track $!

# The spoofer: every query to 198.18.0.77 gets three wrong answers.
cat >"$tmp/spoof.py" <<'EOF'
import select, socket, struct
def udp(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    return s
main, servfail = udp("198.18.0.77", 53), udp("198.18.0.78", 53)
other_addr, other_port = udp("198.18.0.66", 53), udp("198.18.0.77", 5353)
print("spoofer ready", flush=True)
while True:
    ready, _, _ = select.select([main, servfail], [], [])
    for sock in ready:
        q, peer = sock.recvfrom(2048)
        if len(q) < 17:
            continue
        qid = struct.unpack("!H", q[:2])[0]
        end = 12
        while end < len(q) and q[end] != 0:
            end += 1 + q[end]
        end += 5
        question = q[12:end]
        if sock is servfail:
            sock.sendto(struct.pack("!HHHHHH", qid, 0x8182, 1, 0, 0, 0) + question, peer)
            print("servfail", qid, peer, flush=True)
            continue
        qtype = struct.unpack("!H", q[end - 4:end - 2])[0]
        rdata = bytes([198, 18, 0, 250]) if qtype == 1 else bytes.fromhex("fd00b007" + "00" * 10 + "0250")
        answer = (struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + b"\xc0\x0c"
                  + struct.pack("!HHIH", qtype, 1, 60, len(rdata)) + rdata)
        other_addr.sendto(answer, peer)                                 # right id, wrong address
        other_port.sendto(answer, peer)                                 # right id, wrong port
        main.sendto(struct.pack("!H", qid ^ 0x5a5a) + answer[2:], peer)  # right source, wrong id
        print("spoofed", qid, qtype, peer, flush=True)
EOF
ip netns exec "$NS_X" "$PY" "$tmp/spoof.py" >"$tmp/spoofer.out" 2>&1 &
ht_track $!

ht_wait_listening "$NS_S" udp/198.18.0.53:53 udp/198.18.0.54:53
ht_wait_listening "$NS_X" udp/198.18.0.77:5353   # the spoofer's last socket

# ---------------------------------------------------------------- helpers
# run LOG SERVERS -- COMMAND...: nb-probe in C with these DNS servers.
run() {
    local log=$tmp/$1.log; shift
    local args=()
    while [ "$1" != "--" ]; do args+=(--dns "$1"); shift; done
    shift
    nsx "$NS_S" timeout 60 "$PROBE" --dev tap:nbt0 --ip4 198.18.0.2/24 --counters "${args[@]}" \
        -- "$@" >"$log" 2>&1
    echo $? >"$log.rc"
}
rc()   { cat "$tmp/$1.log.rc"; }
has()  { grep -qF -- "$2" "$tmp/$1.log"; }
# The resolver's own time for the lookup, from its console line ("..., 12 ms)").
ms()   { sed -n 's/.*dns: .* \([0-9][0-9]*\) ms).*/\1/p' "$tmp/$1.log" | tail -1; }
counter() { sed -n "s/.*counter $2 \([0-9]*\)$/\1/p" "$tmp/$1.log" | tail -1; }
check() {
    local name=$1 log=$2; shift 2
    if "$@"; then ok "$name"; else bad "$name"; sed 's/^/      | /' "$tmp/$log.log"; fi
}
addrs() { grep -c 'probe: resolve .*: address ' "$tmp/$1.log"; }
# The console line lists IPv6, IPv4, IPv6, IPv4... (RFC 8305 interleaving).
interleaved() {
    sed -n "s/.*dns: $2 AAAA+A: \(.*\) (server .*/\1/p" "$tmp/$1.log" | awk '{
        if (NF == 0) exit 1
        for (i = 1; i <= NF; i++) if ((i % 2 == 1) != ($i ~ /:/)) exit 1 }'
}

# ---------------------------------------------------------------- tests
run a 198.18.0.53 -- resolve www.nb.test a
check "A: two addresses" a eval '[ "$(rc a)" = 0 ] && [ "$(addrs a)" = 2 ] &&
    has a "address 198.18.0.10" && has a "address 198.18.0.11" &&
    has a "dns: www.nb.test A: 198.18.0.10 198.18.0.11 (server 198.18.0.53,"'

run aaaa 198.18.0.53 -- resolve www.nb.test aaaa
check "AAAA: two addresses" aaaa eval '[ "$(rc aaaa)" = 0 ] && [ "$(addrs aaaa)" = 2 ] &&
    has aaaa "address fd00:b007::10" && has aaaa "address fd00:b007::11"'

run both 198.18.0.53 -- resolve www.nb.test both
check "A+AAAA in parallel: four addresses, IPv6 first, interleaved" both eval '[ "$(rc both)" = 0 ] &&
    [ "$(addrs both)" = 4 ] && interleaved both www.nb.test &&
    has both "address fd00:b007::10" && has both "address fd00:b007::11" &&
    has both "address 198.18.0.10" && has both "address 198.18.0.11" &&
    has both "(server 198.18.0.53,"'
check "A+AAAA: one query each, both answered well within the first wait" both eval '
    [ "$(counter both dns.query)" = 2 ] && [ "$(ms both)" -lt 500 ]'

run cname 198.18.0.53 -- resolve alias2.nb.test both
check "CNAME chain (alias2 -> alias -> www)" cname eval '[ "$(rc cname)" = 0 ] && [ "$(addrs cname)" = 4 ] &&
    has cname "address 198.18.0.10" && has cname "address fd00:b007::11"'

run case 198.18.0.53 -- resolve WWW.Nb.TEST. a
check "case and a trailing dot do not matter" case eval '[ "$(rc case)" = 0 ] && [ "$(addrs case)" = 2 ]'

run nx 198.18.0.53 -- resolve nx.nb.test both
check "NXDOMAIN: reported with the server, no retry" nx eval '[ "$(rc nx)" = 1 ] &&
    has nx "probe: resolve nx.nb.test: NB_E_DNS_NXDOMAIN" &&
    has nx "error: dns: nx.nb.test AAAA+A (server 198.18.0.53," &&
    has nx "name does not exist" && [ "$(counter nx dns.query)" = 2 ] && [ "$(ms nx)" -lt 500 ]'

run nodata 198.18.0.53 -- resolve v4only.nb.test aaaa
check "no AAAA for a v4-only name: NO_DATA" nodata eval '[ "$(rc nodata)" = 1 ] &&
    has nodata "probe: resolve v4only.nb.test: NB_E_DNS_NO_DATA"'
run v4only 198.18.0.53 -- resolve v4only.nb.test both
check "both for a v4-only name: its A address" v4only eval '[ "$(rc v4only)" = 0 ] &&
    [ "$(addrs v4only)" = 1 ] && has v4only "address 198.18.0.12"'

run tc 198.18.0.53 -- resolve many.nb.test a
check "TC=1: reported, says UDP is too small" tc eval '[ "$(rc tc)" = 1 ] &&
    has tc "NB_E_DNS_TRUNCATED" && has tc "too many addresses for UDP"'

run silent 198.18.0.99 198.18.0.53 -- resolve www.nb.test both
check "first server silent: the second answers after one 1 s wait" silent eval '[ "$(rc silent)" = 0 ] &&
    [ "$(addrs silent)" = 4 ] && has silent "(server 198.18.0.53," &&
    has silent "server 198.18.0.99: no answer within 1000 ms" &&
    [ "$(ms silent)" -ge 900 ] && [ "$(ms silent)" -lt 2500 ]'

run refused 198.18.0.54 198.18.0.53 -- resolve www.nb.test a
check "first server refuses: the second answers at once" refused eval '[ "$(rc refused)" = 0 ] &&
    [ "$(addrs refused)" = 2 ] && has refused "server 198.18.0.54: DNS: server refused the query" &&
    [ "$(ms refused)" -lt 500 ]'

run servfail 198.18.0.78 198.18.0.53 -- resolve www.nb.test a
check "first server SERVFAIL: the second answers at once" servfail eval '[ "$(rc servfail)" = 0 ] &&
    [ "$(addrs servfail)" = 2 ] && has servfail "server 198.18.0.78: DNS: server failure" &&
    has servfail "(server 198.18.0.53," && [ "$(ms servfail)" -lt 500 ]'

run unreach 198.18.0.55 198.18.0.53 -- resolve www.nb.test a
check "first server port unreachable (ICMP): the second answers at once" unreach eval '
    [ "$(rc unreach)" = 0 ] && [ "$(addrs unreach)" = 2 ] && has unreach "server 198.18.0.55:" &&
    [ "$(ms unreach)" -lt 900 ]'

# (A ping first, so ARP for the spoofer is done and both queries reach it.)
run spoof 198.18.0.77 198.18.0.53 -- ping 198.18.0.77 1 -- resolve www.nb.test both
check "spoofed answers (wrong address, wrong port, wrong id) ignored" spoof eval '[ "$(rc spoof)" = 0 ] &&
    [ "$(addrs spoof)" = 4 ] &&
    ! has spoof "::250" && ! has spoof "198.18.0.250" && has spoof "(server 198.18.0.53," &&
    [ "$(counter spoof dns.drop.wrong_source)" = 4 ] && [ "$(counter spoof dns.drop.mismatch)" = 2 ]'
check "the spoofer did see both queries" spoof eval '[ "$(grep -c spoofed "$tmp/spoofer.out")" = 2 ]'

run allsilent 198.18.0.99 -- resolve www.nb.test a 2500
check "only a silent server: overall timeout honoured" allsilent eval '[ "$(rc allsilent)" = 1 ] &&
    has allsilent "NB_E_TIMEOUT" && [ "$(counter allsilent dns.retransmit)" = 1 ] &&
    [ "$(ms allsilent)" -ge 2400 ] && [ "$(ms allsilent)" -lt 3200 ]'

run allrefuse 198.18.0.54 -- resolve www.nb.test a
check "only a refusing server: REFUSED, named" allrefuse eval '[ "$(rc allrefuse)" = 1 ] &&
    has allrefuse "NB_E_DNS_REFUSED" && has allrefuse "server 198.18.0.54"'

# Over IPv6: the probe takes a SLAAC address from dnsmasq 3's RA, then asks
# fd00:b007::53 (the silent fd00:b007::99 first).
run v6 fd00:b007::99 fd00:b007::53 -- serve 4 -- resolve alias.nb.test both
check "over IPv6, first server silent: the second answers" v6 eval '[ "$(rc v6)" = 0 ] &&
    [ "$(addrs v6)" = 4 ] && has v6 "(server fd00:b007::53," && has v6 "server fd00:b007::99: no answer"'

run literal -- resolve 198.18.0.1 both
check "an IP literal needs no server" literal eval '[ "$(rc literal)" = 0 ] && has literal "address 198.18.0.1"'

run badname 198.18.0.53 -- resolve "bad_name!.nb.test" a
check "an invalid name is refused before sending" badname eval '[ "$(rc badname)" = 1 ] &&
    has badname "NB_E_DNS_BAD_NAME" && [ -z "$(counter badname dns.query)" ]'

ht_summary test-dns
