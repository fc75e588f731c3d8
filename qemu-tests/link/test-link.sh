#!/usr/bin/env bash
# test-link.sh: end-to-end test of nb-link in network namespaces (run as root).
#
#   ns1 v1 ==veth== v1p [lk: nb-link A, if:v1p <-> if:v2p] v2p ==veth== v2 ns2
#   ns3 v3 ==veth== v3p [lk: nb-link B, if:v3p <-> tap:nbt4] nbt4 (moved to) ns4
#
# A exercises AF_PACKET on both sides and every impairment; B exercises the
# tap endpoint (mixed with AF_PACKET), start-up settings and SIGTERM.
# Addresses only from 198.18.0.0/15 and fd00:b007::/48; no default routes;
# nothing outside the test's own namespaces is touched.
#
# Env: NB_LINK=path to the binary (default: ../../build/host/nb-link).
# shellcheck disable=SC2016 # `check NAME eval '...'` expands later, on purpose
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
NB_LINK=${NB_LINK:-$here/../../build/host/nb-link}
[ "$(id -u)" = 0 ] || { echo "test-link: must run as root" >&2; exit 2; }
[ -x "$NB_LINK" ] || { echo "test-link: $NB_LINK not built (make -C qemu-tests/link)" >&2; exit 2; }
NB_LINK=$(cd "$(dirname "$NB_LINK")" && pwd)/$(basename "$NB_LINK")
PY=$(python3 -c 'import sys; print(sys.executable)') || { echo "test-link: python3 needed" >&2; exit 2; }

P=nb-lt-$$
NS1=$P-1 NS2=$P-2 NS3=$P-3 NS4=$P-4 LK=$P-l
tmp=$(mktemp -d /tmp/nb-link-test.XXXXXX)
pids=()             # background helpers, killed by PID on exit
link_pids=()        # nb-link instances, killed by PID on exit
made_ns=()

cleanup() {
    local p
    for p in "${link_pids[@]}" "${pids[@]}"; do
        [ -n "$p" ] && kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null
    done
    for p in "${link_pids[@]}" "${pids[@]}"; do
        [ -n "$p" ] || continue
        for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
    done
    for p in "${made_ns[@]}"; do ip netns del "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

npass=0 nfail=0
ok()   { npass=$((npass + 1)); printf 'ok   %s\n' "$*"; }
bad()  { nfail=$((nfail + 1)); printf 'FAIL %s\n' "$*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
# float comparison: fcmp 12.5 '>=' 10
fcmp() { awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
    r = (op == ">=") ? a >= b : (op == "<") ? a < b : (op == ">") ? a > b : (op == "<=") ? a <= b : 0
    exit !r }'; }
in_band() { fcmp "$1" '>=' "$2" && fcmp "$1" '<' "$3"; }

ctlA() { "$NB_LINK" ctl "$tmp/a.sock" "$@"; }
ctlB() { "$NB_LINK" ctl "$tmp/b.sock" "$@"; }
clear_all() { ctlA set both delay=0 jitter=0 loss=0 dup=0 reorder=0 rate=0 blackhole=0 >/dev/null; }

# ping_stats NS ARGS...: prints "LOSS% MIN AVG MAX" (MIN.. are -1 if no reply)
ping_stats() {
    local ns=$1; shift
    ip netns exec "$ns" ping -n -q "$@" 2>/dev/null | awk '
        /packet loss/ { for (i = 1; i <= NF; i++) if ($i ~ /%$/) { sub("%", "", $i); loss = $i } }
        /^(rtt|round-trip)/ { split($4, r, "/"); mn = r[1]; av = r[2]; mx = r[3] }
        END { if (loss == "") loss = 100; if (mn == "") { mn = av = mx = -1 }
              print loss, mn, av, mx }'
}
# counter DIR LINE KEY [SOCK]: one value from "ctl show", e.g. counter a2b drops loss
counter() {
    "$NB_LINK" ctl "${4:-$tmp/a.sock}" show | awk -v d="$1" -v l="$2" -v k="$3" '
        $1 == d && $2 == l { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) { print kv[2]; exit } } }'
}

# --- helper for TCP/UDP transfers -------------------------------------------
cat > "$tmp/xfer.py" <<'EOF'
import socket, sys, time
mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
if mode == "tcp-server":            # receive until EOF, answer with the byte count
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port)); s.listen(1); s.settimeout(30)
    c, _ = s.accept(); c.settimeout(30); n = 0
    while True:
        b = c.recv(1 << 16)
        if not b: break
        n += len(b)
    c.sendall(str(n).encode()); c.close()
elif mode == "tcp-send":            # prints elapsed seconds, exits 1 on a short count
    total = int(sys.argv[4]); deadline = time.time() + 5
    while True:
        try:
            s = socket.create_connection((host, port), timeout=2); break
        except OSError:
            if time.time() > deadline: raise
            time.sleep(0.05)
    s.settimeout(30); t0 = time.monotonic(); buf = b"x" * 65536; left = total
    while left > 0:
        left -= s.send(buf[:min(left, len(buf))])
    s.shutdown(socket.SHUT_WR)
    got = int(s.recv(64) or b"0"); dt = time.monotonic() - t0
    print("%.3f" % dt); sys.exit(0 if got == total else 1)
elif mode == "udp-recv":            # prints "received out_of_order"
    want = int(sys.argv[4])
    s = socket.socket(fam, socket.SOCK_DGRAM); s.bind((host, port)); s.settimeout(5)
    seen = []; mx = -1; ooo = 0
    try:
        while len(seen) < want:
            d, _ = s.recvfrom(2048); q = int(d.split(b" ")[0])
            if q < mx: ooo += 1
            mx = max(mx, q); seen.append(q); s.settimeout(1)
    except socket.timeout:
        pass
    print(len(seen), ooo)
elif mode == "udp-send":
    n = int(sys.argv[4]); s = socket.socket(fam, socket.SOCK_DGRAM)
    for i in range(n):
        s.sendto(b"%d " % i + b"u" * 100, (host, port)); time.sleep(0.0005)
EOF

# tcp_xfer SRV_NS SRV_ADDR PORT CLI_NS BYTES: sets xfer_secs, returns the client's status
tcp_xfer() {
    ip netns exec "$1" timeout 20 "$PY" "$tmp/xfer.py" tcp-server "$2" "$3" & local sp=$! rc
    pids+=("$sp")
    xfer_secs=$(ip netns exec "$4" timeout 20 "$PY" "$tmp/xfer.py" tcp-send "$2" "$3" "$5"); rc=$?
    wait "$sp"
    return $rc
}
# udp_order RCV_NS ADDR PORT SND_NS: 200 datagrams; sets got, ooo (received, out of order)
udp_order() {
    ip netns exec "$1" timeout 15 "$PY" "$tmp/xfer.py" udp-recv "$2" "$3" 200 >"$tmp/udp.out" &
    local sp=$!
    pids+=("$sp")
    sleep 0.3
    ip netns exec "$4" timeout 10 "$PY" "$tmp/xfer.py" udp-send "$2" "$3" 200
    wait "$sp"
    read -r got ooo <"$tmp/udp.out"
}

# --- topology ---------------------------------------------------------------
setup() {
    local n
    for n in "$NS1" "$NS2" "$NS3" "$NS4" "$LK"; do
        ip netns add "$n" || return 1
        made_ns+=("$n")
        ip -n "$n" link set lo up
    done
    # the link namespace is a wire, not a host: no IPv6 chatter of its own
    ip netns exec "$LK" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$LK" link add v1p type veth peer name v1 netns "$NS1" &&
    ip -n "$LK" link add v2p type veth peer name v2 netns "$NS2" &&
    ip -n "$LK" link add v3p type veth peer name v3 netns "$NS3" || return 1
    for n in v1p v2p v3p; do ip -n "$LK" link set "$n" up || return 1; done
    ip -n "$NS1" addr add 198.18.1.1/24 dev v1 && ip -n "$NS1" addr add fd00:b007:1::1/64 dev v1 nodad &&
    ip -n "$NS2" addr add 198.18.1.2/24 dev v2 && ip -n "$NS2" addr add fd00:b007:1::2/64 dev v2 nodad &&
    ip -n "$NS3" addr add 198.18.2.1/24 dev v3 && ip -n "$NS3" addr add fd00:b007:2::1/64 dev v3 nodad &&
    ip -n "$NS1" link set v1 up && ip -n "$NS2" link set v2 up && ip -n "$NS3" link set v3 up
}

# start_link NAME ARGS...: starts nb-link in $LK, waits for its pidfile
start_link() {
    local name=$1; shift
    ip netns exec "$LK" "$NB_LINK" --ctl "$tmp/$name.sock" --pidfile "$tmp/$name.pid" "$@" \
        >"$tmp/$name.log" 2>&1 &
    local bg=$!
    link_pids+=("$bg")          # `ip netns exec` execs nb-link: same PID
    for _ in $(seq 50); do
        [ -s "$tmp/$name.pid" ] && break
        kill -0 "$bg" 2>/dev/null || break
        sleep 0.1
    done
    [ -s "$tmp/$name.pid" ] && [ "$(cat "$tmp/$name.pid")" = "$bg" ]
}

t_start=$(date +%s.%N)
setup || { bad "namespace setup"; echo "$npass passed, $nfail failed"; exit 1; }
ok "namespace setup"

check "nb-link A starts (if:v1p <-> if:v2p)" start_link a --a if:v1p --b if:v2p --seed 1
check "nb-link B starts (if:v3p <-> tap:nbt4, --both delay=10)" \
    start_link b --a if:v3p --b tap:nbt4 --seed 2 --both 'delay=10'
PID_A=$(cat "$tmp/a.pid" 2>/dev/null) PID_B=$(cat "$tmp/b.pid" 2>/dev/null)
if [ -z "$PID_A" ] || [ -z "$PID_B" ]; then
    cat "$tmp"/*.log
    echo "$npass passed, $nfail failed"; exit 1
fi
# the tap lives in the link namespace until moved to its host namespace
ip -n "$LK" link set nbt4 netns "$NS4" && ip -n "$NS4" link set nbt4 up &&
ip -n "$NS4" addr add 198.18.2.2/24 dev nbt4 && ip -n "$NS4" addr add fd00:b007:2::2/64 dev nbt4 nodad
check "tap moved into its namespace" eval 'ip -n "$NS4" link show nbt4 >/dev/null'

# --- A: AF_PACKET <-> AF_PACKET ---------------------------------------------
read -r loss mn av mx < <(ping_stats "$NS1" -c 3 -i 0.1 -W 1 198.18.1.2)
check "IPv4 ping through A (loss $loss%, avg ${av} ms)" fcmp "$loss" '<=' 34
read -r loss mn av mx < <(ping_stats "$NS1" -c 3 -i 0.1 -W 1 fd00:b007:1::2)
check "IPv6 ping through A, NDP passes (loss $loss%)" fcmp "$loss" '<=' 34

tcp_xfer "$NS2" 198.18.1.2 5001 "$NS1" 4000000; rc=$?
check "4 MB TCP through A, offloaded checksums/GSO pass (${xfer_secs}s, gso frames $(counter a2b counters gso))" [ "$rc" = 0 ]

ctlA set both delay=25 >/dev/null
read -r loss mn av mx < <(ping_stats "$NS1" -c 5 -i 0.2 -W 2 198.18.1.2)
check "delay=25 each way: RTT min $mn >= 45 ms, max $mx < 150 ms" \
    eval 'fcmp "$mn" ">=" 45 && fcmp "$mx" "<" 150 && fcmp "$loss" "<=" 20'

ctlA set both delay=0 >/dev/null
ctlA set a2b loss=30 >/dev/null
read -r loss mn av mx < <(ping_stats "$NS1" -c 100 -i 0.02 -W 1 198.18.1.2)
check "loss=30 a2b: ping loss $loss% in [10, 55]" in_band "$loss" 10 55
dl=$(counter a2b drops loss)
check "ctl show counts loss drops (a2b drops loss=$dl)" fcmp "${dl:-0}" '>' 0

clear_all
ctlA set a2b dup=100 >/dev/null
dupout=$(ip netns exec "$NS1" ping -n -c 3 -i 0.1 -W 1 198.18.1.2 2>&1)
check "dup=100 a2b: ping sees duplicates" grep -q 'DUP!' <<<"$dupout"

clear_all
ctlA set a2b delay=10 jitter=5 >/dev/null
udp_order "$NS2" 198.18.1.2 5002 "$NS1"
check "jitter=5 alone keeps order: $got/200 received, $ooo out of order" \
    eval '[ "${got:-0}" -ge 195 ] && [ "${ooo:-1}" = 0 ]'

ctlA set a2b delay=0 jitter=0 reorder=25 reorder_gap=10 >/dev/null
udp_order "$NS2" 198.18.1.2 5003 "$NS1"
check "reorder=25: $got/200 received, $ooo out of order (> 0)" \
    eval '[ "${got:-0}" -ge 195 ] && [ "${ooo:-0}" -gt 0 ]'

clear_all
ctlA set a2b blackhole=1 >/dev/null
read -r loss mn av mx < <(ping_stats "$NS1" -c 5 -i 0.1 -W 1 198.18.1.2)
check "blackhole=1 a2b: ping fails entirely (loss $loss%)" fcmp "$loss" '>=' 100
ctlA set a2b blackhole=0 >/dev/null
read -r loss mn av mx < <(ping_stats "$NS1" -c 3 -i 0.1 -W 1 198.18.1.2)
check "blackhole=0 restores ping without restart (loss $loss%, same PID)" \
    eval 'fcmp "$loss" "<=" 34 && kill -0 "$PID_A" && [ "$(cat "$tmp/a.pid")" = "$PID_A" ]'

clear_all
ctlA set a2b rate=1000000 >/dev/null
tcp_xfer "$NS2" 198.18.1.2 5004 "$NS1" 250000; rc=$?
# 250 kB at 1 Mbit/s is 2.0 s plus header overhead (small: GSO frames carry one header)
check "rate=1Mbit/s: 250 kB TCP in ${xfer_secs}s (expect ~2.0, band [1.5, 5))" \
    eval '[ "$rc" = 0 ] && in_band "$xfer_secs" 1.5 5'
clear_all

show=$(ctlA show)
rx1=$(counter a2b counters rx) tx1=$(counter a2b counters tx) rx2=$(counter b2a counters rx) tx2=$(counter b2a counters tx)
check "ctl show: nonzero counters (a2b rx=$rx1 tx=$tx1, b2a rx=$rx2 tx=$tx2)" \
    eval '[ "${rx1:-0}" -gt 0 ] && [ "${tx1:-0}" -gt 0 ] && [ "${rx2:-0}" -gt 0 ] && [ "${tx2:-0}" -gt 0 ]'
check "ctl show reports settings" grep -q '^a2b settings delay=0 .* rate=0 .* blackhole=0' <<<"$show"
check "ctl rejects a bad setting" eval '! ctlA set a2b bogus=1 2>/dev/null && ! ctlA set a2b loss=101 2>/dev/null'

# --- B: AF_PACKET <-> tap ---------------------------------------------------
read -r loss mn av mx < <(ping_stats "$NS3" -c 3 -i 0.1 -W 2 198.18.2.2)
check "IPv4 ping through B (tap), start-up delay=10: RTT min $mn >= 18 ms" \
    eval 'fcmp "$loss" "<=" 34 && fcmp "$mn" ">=" 18 && fcmp "$mx" "<" 150'
read -r loss mn av mx < <(ping_stats "$NS4" -c 3 -i 0.1 -W 2 fd00:b007:2::1)
check "IPv6 ping through B from the tap side (loss $loss%)" fcmp "$loss" '<=' 34
ctlB set both delay=0 >/dev/null
tcp_xfer "$NS4" 198.18.2.2 5005 "$NS3" 4000000; rc=$?
check "4 MB TCP veth -> tap, offloaded frames into the tap (${xfer_secs}s)" [ "$rc" = 0 ]
tcp_xfer "$NS3" 198.18.2.1 5006 "$NS4" 4000000; rc=$?
check "4 MB TCP tap -> veth (${xfer_secs}s)" [ "$rc" = 0 ]
# ~64 KiB frames (not GSO: real 65042-byte Ethernet frames) through AF_PACKET and the tap;
# 65521 is the largest MTU a tap accepts (65535 minus the Ethernet header)
ip -n "$NS3" link set v3 mtu 65521 && ip -n "$LK" link set v3p mtu 65521 && ip -n "$NS4" link set nbt4 mtu 65521
read -r loss mn av mx < <(ping_stats "$NS3" -c 2 -i 0.1 -W 2 -s 65000 -M 'do' 198.18.2.2)
big=$(counter a2b counters max_len "$tmp/b.sock")
check "65000-byte pings veth <-> tap, no fragmentation (loss $loss%, largest frame $big)" \
    eval 'fcmp "$loss" "<=" 50 && [ "${big:-0}" -ge 65042 ]'
read -r loss mn av mx < <(ping_stats "$NS4" -c 2 -i 0.1 -W 2 -s 65000 -M 'do' fd00:b007:2::1)
check "65000-byte IPv6 pings tap <-> veth (loss $loss%)" fcmp "$loss" '<=' 50
trx=$(counter a2b counters rx "$tmp/b.sock") ttx=$(counter b2a counters tx "$tmp/b.sock")
check "B counters nonzero (a2b rx=$trx, b2a tx=$ttx)" eval '[ "${trx:-0}" -gt 0 ] && [ "${ttx:-0}" -gt 0 ]'

# --- clean exit on SIGTERM ----------------------------------------------------
kill -TERM "$PID_B"
for _ in $(seq 30); do kill -0 "$PID_B" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM: B exits, removes its socket and pidfile, tap goes away" \
    eval '! kill -0 "$PID_B" 2>/dev/null && [ ! -e "$tmp/b.sock" ] && [ ! -e "$tmp/b.pid" ] &&
          ! ip -n "$NS4" link show nbt4 >/dev/null 2>&1'
wait "$PID_B" 2>/dev/null; rc=$?
check "SIGTERM: exit status 0 (got $rc)" [ "$rc" = 0 ]

elapsed=$(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
if [ "$nfail" -gt 0 ]; then
    echo "--- nb-link logs"; cat "$tmp"/*.log; ctlA show 2>/dev/null
fi
echo "$npass passed, $nfail failed (${elapsed}s)"
[ "$nfail" = 0 ]
