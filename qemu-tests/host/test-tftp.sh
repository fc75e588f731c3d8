#!/usr/bin/env bash
# test-tftp.sh: the TFTP client (firmware/boot/tftp.c, through nb-probe)
# against real servers, in network namespaces this test creates (run as root).
#
#   client ns: nb-probe on tap0 ── nb-link (if:tap0 <-> if:l1) ── l1 ══veth══ s0 :server ns
#   server ns: s0 198.18.60.1/24, fd00:b007:60::1/64; one server at a time:
#              tftpd-hpa (in.tftpd -L), atftpd (RFC 7440 windowsize; unpacked by
#              qemu-tests/lib/fetch-atftpd.sh), dnsmasq's TFTP; dnsmasq RA for IPv6
#
# Every transfer checks the sha256 of what arrived. Covered: windowsize 1/4/16
# and blksize 512/1468 on each server type, plain RFC 1350, block-number
# rollover past 65535 (tftpd-hpa wrapping to 0 and, asked with its rollover
# option, to 1; atftpd windowed), loss, a missing file, the size cap, IPv6,
# and the anycast failures: the server's session dies mid-transfer (the
# process replaced: ICMP port unreachable; an ERROR 5 from the new "site";
# silence) and the client restarts from a fresh port; a spoofed packet from
# another TID gets ERROR 5 and the transfer completes.
#
# Rules: addresses only from 198.18.0.0/15 and fd00:b007::/48; namespaces only
# (nb-tftp-<pid>-<random>-{c,s}); no default route anywhere; processes ended by their
# recorded PIDs (and, at the end, whatever still runs inside our own
# namespaces, by PID). Prints "N passed, N failed".
#
# Env: NB_PROBE, NB_LINK (default build/host/...), ATFTPD (default: fetched
# into build/tools/atftpd), TFTP_TEST_KEEP=1 keeps the scratch directory.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$repo/$build ;; esac
NB_PROBE=${NB_PROBE:-$build/host/nb-probe}
NB_LINK=${NB_LINK:-$build/host/nb-link}
HPA=$(command -v in.tftpd || echo /usr/sbin/in.tftpd)
[ "$(id -u)" = 0 ] || { echo "test-tftp: must run as root"; echo "0 passed, 1 failed"; exit 1; }
for b in "$NB_PROBE" "$NB_LINK" "$HPA"; do
    [ -x "$b" ] || { echo "test-tftp: missing $b (make; make deps)"; echo "0 passed, 1 failed"; exit 1; }
done
ATFTPD=${ATFTPD:-$(bash "$repo/qemu-tests/lib/fetch-atftpd.sh" "$build/tools/atftpd")} ||
    { echo "test-tftp: no atftpd"; echo "0 passed, 1 failed"; exit 1; }

# shellcheck source=lib.sh
. "$here/lib.sh"
[ "${TFTP_TEST_KEEP:-0}" = 1 ] && KEEP_LOGS=1
ht_init tftp
C=$HT_PREFIX-c S=$HT_PREFIX-s
A4=198.18.60.1 A6=fd00:b007:60::1 ME4=198.18.60.10
tmp=$HT_TMP
chmod 755 "$tmp"
root=$tmp/root
mkdir -p "$root" "$tmp/empty-dev"
chmod 755 "$root"

note() { printf '     %s\n' "$*"; }

# ---------------------------------------------------------------- topology

ht_ns_add "$C"
ht_ns_add "$S"
ip netns exec "$C" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip netns exec "$S" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
    net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip -n "$C" tuntap add dev tap0 mode tap
ip -n "$C" link add l1 type veth peer name s0 netns "$S"
ip -n "$C" link set tap0 up
ip -n "$C" link set l1 up
ip -n "$S" addr add "$A4/24" dev s0
ip -n "$S" addr add "$A6/64" dev s0 nodad
ip -n "$S" link set s0 up
for n in "$C" "$S"; do
    if [ -n "$(ip -n "$n" route show default)$(ip -n "$n" -6 route show default 2>/dev/null)" ]; then
        bad "namespace $n has a default route"; exit 1
    fi
done

# nb-link joins the probe's tap to the veth; delay/loss/blackhole at run time
ip netns exec "$C" "$NB_LINK" --a if:tap0 --b if:l1 --ctl "$tmp/link.sock" \
    --pidfile "$tmp/link.pid" --seed 7 >"$tmp/link.log" 2>&1 &
ht_track $!
for _ in $(seq 50); do [ -s "$tmp/link.pid" ] && break; sleep 0.1; done
[ -s "$tmp/link.pid" ] || { bad "nb-link did not start: $(cat "$tmp/link.log")"; exit 1; }
link() { "$NB_LINK" ctl "$tmp/link.sock" "$@" >/dev/null; }
link_clear() { link set both delay=0 jitter=0 loss=0 dup=0 reorder=0 rate=0 blackhole=0; }

# ---------------------------------------------------------------- files

head -c 3000000 /dev/urandom >"$root/f3m.bin"
head -c 1048576 /dev/urandom >"$root/f1m.bin"
head -c 1200000 /dev/urandom >"$root/wrap.bin"      # 75000 blocks of 16 bytes: past 65535
head -c 4500000 /dev/urandom >"$root/wrap64.bin"    # 70313 blocks of 64 bytes (atftpd wants >= 53)
head -c 2048 /dev/urandom >"$root/exact.bin"        # a multiple of 512: an empty last block
chmod 644 "$root"/*
sha() { sha256sum <"$root/$1" | cut -d' ' -f1; }

# ---------------------------------------------------------------- servers

server_pid=
start_hpa() {   # [6]
    local fam=${1:-4} addr
    if [ "$fam" = 6 ]; then addr="[$A6]"; else addr=$A4; fi
    # in.tftpd logs only to syslog: give it (in ip netns exec's own mount
    # namespace) an empty /dev, so nothing reaches the host's syslog
    ip netns exec "$S" sh -c 'mount --bind "$1" /dev && shift && exec "$@"' sh "$tmp/empty-dev" \
        "$HPA" -L -"$fam" -s -a "$addr:69" "$root" >>"$tmp/hpa.log" 2>&1 &
    server_pid=$!
    ht_track "$server_pid"
    disown "$server_pid"   # out of the job table: no "Killed" notice when it is ended
    wait_port 69
}
start_atftpd() {
    ip netns exec "$S" "$ATFTPD" --daemon --no-fork --port 69 --bind-address "$A4" \
        --user nobody --group nogroup --logfile - --verbose=5 "$root" >>"$tmp/atftpd.log" 2>&1 &
    server_pid=$!
    ht_track "$server_pid"
    disown "$server_pid"   # out of the job table: no "Killed" notice when it is ended
    wait_port 69
}
start_dnsmasq() {
    ip netns exec "$S" dnsmasq -k --conf-file=/dev/null --port=0 --enable-tftp --tftp-root="$root" \
        --listen-address="$A4" --bind-interfaces --log-facility="$tmp/dnsmasq.log" \
        --pid-file="$tmp/dnsmasq.pid" >>"$tmp/dnsmasq.out" 2>&1 &
    server_pid=$!
    ht_track "$server_pid"
    disown "$server_pid"   # out of the job table: no "Killed" notice when it is ended
    wait_port 69
}
# stop the current server (and its per-transfer children) by PID; with KILL
# it dies without a word (atftpd sends ERROR 0 to its clients on TERM)
stop_server() {
    local c sig=${1:-TERM}
    [ -n "$server_pid" ] || return 0
    for c in $(ip netns pids "$S"); do
        [ "$(awk '/^PPid:/ { print $2 }' "/proc/$c/status" 2>/dev/null)" = "$server_pid" ] &&
            kill -KILL "$c" 2>/dev/null
    done
    ht_stop "$server_pid" "$sig"
    server_pid=
    for _ in $(seq 30); do port_bound 69 || break; sleep 0.1; done
}
port_bound() { ip netns exec "$S" ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }
wait_port() {
    for _ in $(seq 50); do port_bound "$1" && return 0; sleep 0.1; done
    bad "server did not bind UDP port $1"; return 1
}

# ---------------------------------------------------------------- the client

# probe LOG ARGS...: nb-probe in the client namespace (IPv4 configured)
probe() {
    local log=$1; shift
    ip netns exec "$C" timeout "${PROBE_TIMEOUT:-180}" "$NB_PROBE" --dev tap:tap0 --ip4 "$ME4/24" \
        --counters "$@" >"$log" 2>&1
}
# xfer NAME FILE [tftp options...]: one transfer from $SRV; the sha256 must match
SRV=$A4
last_log=
xfer() {
    local name=$1 file=$2; shift 2
    local log=$tmp/$name.log want got
    last_log=$log
    want=$(sha "$file")
    probe "$log" -- tftp "$SRV" "$file" "$@"
    got=$(sed -n "s/.*probe: tftp [^ ]* $file: \([0-9]*\) bytes sha256 \([0-9a-f]*\) in .*/\1 \2/p" "$log")
    if [ "$got" = "$(stat -c %s "$root/$file") $want" ]; then
        ok "$name: $(grep -o 'in [0-9]* ms ([0-9.]* MB/s)' "$log"); $(neg "$log")"
        return 0
    fi
    bad "$name: expected $file ($want)"
    grep -E 'tftp|error|warning' "$log" | tail -6 | sed 's/^/     /'
    return 1
}
neg() { sed -n 's/.*negotiated \(blksize [0-9]* windowsize [0-9]* options [a-z]*\).*/\1/p' "$1" | tail -1; }
expect_neg() {   # LOG "blksize B windowsize W options X"
    if [ "$(neg "$1")" = "$2" ]; then ok "  negotiated $2"; else bad "  negotiated '$(neg "$1")', expected '$2'"; fi
}
expect_in_log() {   # LOG PATTERN WHAT
    if grep -qE "$2" "$1"; then ok "  $3"; else bad "  $3 (no /$2/ in $(basename "$1"))"; fi
}
counter_of() { sed -n "s/.*counter $2 \([0-9]*\)$/\1/p" "$1" | tail -1; }

# run the probe in the background; wait for its "local port" line
probe_bg() {   # LOG ARGS...
    local log=$1; shift
    probe "$log" "$@" &
    bg_pid=$!
    ht_track "$bg_pid"
}
wait_log() {   # LOG PATTERN SECONDS
    local i
    for i in $(seq $(( $3 * 10 ))); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
ports_of() {   # LOG -> "LOCAL SERVER" of the latest attempt
    sed -n 's/.*local port \([0-9]*\) server port \([0-9]*\).*/\1 \2/p' "$1" | tail -1
}
wait_bg() { wait "$bg_pid"; ht_forget "$bg_pid"; }

cat >"$tmp/udp.py" <<'EOF'
# udp.py spoof LOCAL_ADDR CLIENT_ADDR CLIENT_PORT: a DATA from a fresh port to
#   the client; prints what came back (expect ERROR 5).
# udp.py error5 ADDR PORT SECONDS: on the dead session's port, answer every
#   datagram with ERROR 5, as a site that never saw the transfer would.
import socket, struct, sys, time
mode = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if mode == "spoof":
    s.bind((sys.argv[2], 0))
    s.settimeout(5)
    s.sendto(struct.pack("!HH", 3, 2) + b"spoofed data", (sys.argv[3], int(sys.argv[4])))
    try:
        d, a = s.recvfrom(2048)
        op, code = struct.unpack("!HH", d[:4])
        print("reply op %d code %d msg %s" % (op, code, d[4:].rstrip(b"\0").decode("ascii", "replace")))
    except socket.timeout:
        print("no reply")
else:
    s.bind((sys.argv[2], int(sys.argv[3])))
    print("bound", flush=True)
    s.settimeout(0.5)
    end = time.time() + float(sys.argv[4])
    n = 0
    while time.time() < end:
        try:
            d, a = s.recvfrom(2048)
        except socket.timeout:
            continue
        s.sendto(struct.pack("!HH", 5, 5) + b"Unknown transfer ID\0", a)
        n += 1
        print("answered %s:%d with ERROR 5" % a, flush=True)
EOF

# ---------------------------------------------------------------- tftpd-hpa
echo "# tftpd-hpa $(dpkg-query -W -f='${Version}' tftpd-hpa 2>/dev/null)"
start_hpa
xfer hpa-blksize512 f3m.bin --blksize 512 && expect_neg "$last_log" "blksize 512 windowsize 1 options acked"
xfer hpa-blksize1468 f3m.bin --windowsize 4 && expect_neg "$last_log" "blksize 1468 windowsize 1 options acked"
xfer hpa-default f3m.bin && expect_neg "$last_log" "blksize 1468 windowsize 1 options acked"
xfer hpa-no-options f1m.bin --no-options && expect_neg "$last_log" "blksize 512 windowsize 1 options none"
xfer hpa-exact-multiple exact.bin --blksize 512
xfer hpa-rollover-wrap0 wrap.bin --blksize 16 --windowsize 1
xfer hpa-rollover-wrap1 wrap.bin --blksize 16 --windowsize 1 --rollover 1
if probe "$tmp/hpa-missing.log" -- tftp "$A4" no-such-file.bin; then
    bad "hpa-missing: a missing file was fetched"
else
    expect_in_log "$tmp/hpa-missing.log" 'failed NB_E_TFTP_NOT_FOUND' "hpa-missing: NB_E_TFTP_NOT_FOUND"
    expect_in_log "$tmp/hpa-missing.log" 'ERROR 1 "' "hpa-missing: the server's ERROR 1 and message on the console"
fi
if probe "$tmp/hpa-cap.log" -- tftp "$A4" f1m.bin --cap 100000; then
    bad "hpa-cap: a file over the cap was fetched"
else
    expect_in_log "$tmp/hpa-cap.log" 'failed NB_E_TFTP_TOO_BIG' "hpa-cap: tsize over the cap refused"
    [ "$(counter_of "$tmp/hpa-cap.log" tftp.data.rx)" = "" ] && ok "  hpa-cap: refused before any data" ||
        bad "  hpa-cap: data arrived before the refusal"
fi
stop_server

# IPv6: SLAAC from a dnsmasq RA, then tftpd-hpa on the v6 address
ip netns exec "$S" dnsmasq -k --conf-file=/dev/null --port=0 --interface=s0 --bind-interfaces \
    --enable-ra --dhcp-range=fd00:b007:60::,ra-only,64,10m --ra-param=s0,5,0 \
    --log-facility="$tmp/ra.log" --pid-file="$tmp/ra.pid" >>"$tmp/ra.out" 2>&1 &
ra_pid=$!
ht_track "$ra_pid"
start_hpa 6
if ip netns exec "$C" timeout 60 "$NB_PROBE" --dev tap:tap0 -- ip6-up 15 global -- \
    tftp "$A6" f3m.bin >"$tmp/hpa-v6.log" 2>&1; then
    got=$(sed -n 's/.*f3m.bin: \([0-9]*\) bytes sha256 \([0-9a-f]*\) in.*/\2/p' "$tmp/hpa-v6.log")
    if [ "$got" = "$(sha f3m.bin)" ]; then ok "hpa-ipv6: $(neg "$tmp/hpa-v6.log")"; else bad "hpa-ipv6: wrong bytes"; fi
    expect_neg "$tmp/hpa-v6.log" "blksize 1448 windowsize 1 options acked"
elif grep -q 'probe: tftp' "$tmp/hpa-v6.log"; then
    bad "hpa-ipv6: transfer failed"; grep -E 'tftp|error' "$tmp/hpa-v6.log" | tail -4 | sed 's/^/     /'
else
    note "skip hpa-ipv6: the probe's IPv6 did not come up (ip6-up)"
fi
stop_server
ht_stop "$ra_pid"

# ---------------------------------------------------------------- atftpd
echo "# atftpd $(cat "$(dirname "$(dirname "$(dirname "$ATFTPD")")")/VERSION" 2>/dev/null)"
start_atftpd
for ws in 1 4 16; do
    for bs in 512 1468; do
        xfer "atftpd-ws$ws-bs$bs" f3m.bin --windowsize "$ws" --blksize "$bs" &&
            expect_neg "$last_log" "blksize $bs windowsize $ws options acked"
    done
done
xfer atftpd-rollover-windowed wrap64.bin --blksize 64 --windowsize 16 &&
    expect_neg "$last_log" "blksize 64 windowsize 16 options acked"
# atftpd refuses a blksize too small for its own OACK with ERROR 8: the
# client asks again without options (512-byte lock-step)
xfer atftpd-error8-fallback wrap.bin --blksize 16 --windowsize 16 &&
    expect_neg "$last_log" "blksize 512 windowsize 1 options refused"
expect_in_log "$last_log" 'refused the options \(ERROR 8 ' "atftpd-error8-fallback: the console says so"
link set both loss=3
xfer atftpd-loss3-ws16 f3m.bin --windowsize 16 --rto-ms 300 &&
    note "retransmits $(counter_of "$last_log" tftp.retransmit), gap ACKs $(counter_of "$last_log" tftp.ack.sent_for_gap), out of order $(counter_of "$last_log" tftp.drop.out_of_order)"
link set both loss=2
xfer atftpd-loss2-lockstep f1m.bin --windowsize 1 --rto-ms 300
link_clear

# --- anycast failures: the session dies mid-transfer; a fresh request works

# expect_f1m LOG OK-TEXT FAIL-TEXT: f1m.bin arrived whole (its size and sha256 on the result line)
expect_f1m() {
    if grep -q "f1m.bin: 1048576 bytes sha256 $(sha f1m.bin)" "$1"; then
        ok "$2"
    else
        bad "$3"; grep -E 'tftp|error' "$1" | tail -5 | sed 's/^/     /'
    fi
}

# (1) the server vanishes and another takes its address (a new "site"): our
#     next ACK meets ICMP port unreachable; the restart's request may too,
#     until the new server is up, and is retried
link set both delay=5ms
log=$tmp/flip-icmp.log
probe_bg "$log" -- tftp "$A4" f1m.bin --windowsize 4 --blksize 512
if wait_log "$log" 'local port' 20; then
    sleep 1
    stop_server KILL
    sleep 0.3
    start_atftpd
    wait_bg
    expect_f1m "$log" "flip-icmp: server replaced mid-transfer, restarted and complete" \
        "flip-icmp: transfer did not complete"
    expect_in_log "$log" 'lost the session at block [0-9]+ \(ICMP: .*\); restarting \(1/3\)' \
        "flip-icmp: console says the session was lost (ICMP) and restarts (1/3)"
    expect_in_log "$log" 'restarts 1 retransmits [0-9]+ starts 2' "flip-icmp: one restart, the sink started over once"
else
    bad "flip-icmp: the transfer did not start"; wait_bg
fi

# (2) the new "site" answers the old session's port with ERROR 5
log=$tmp/flip-error5.log
probe_bg "$log" -- tftp "$A4" f1m.bin --windowsize 4 --blksize 512
if wait_log "$log" 'local port' 20; then
    sleep 1
    read -r _ tid < <(ports_of "$log")
    link set both blackhole=1           # nothing crosses while the sites swap
    stop_server KILL
    ip netns exec "$S" python3 "$tmp/udp.py" error5 "$A4" "$tid" 30 >"$tmp/error5.out" 2>&1 &
    e5=$!
    ht_track "$e5"
    wait_log "$tmp/error5.out" bound 10
    start_atftpd
    link set both blackhole=0
    wait_bg
    ht_stop "$e5"
    expect_f1m "$log" "flip-error5: ERROR 5 from the new site, restarted and complete" \
        "flip-error5: transfer did not complete"
    expect_in_log "$log" 'lost the session at block [0-9]+ \(ERROR 5 "Unknown transfer ID"\); restarting \(1/3\)' \
        "flip-error5: console names ERROR 5 and restarts (1/3)"
    expect_in_log "$tmp/error5.out" 'answered' "flip-error5: the client's ACK reached the new site"
else
    bad "flip-error5: the transfer did not start"; wait_bg
fi

# (3) silence: the server's packets stop reaching us (b2a blackhole) until
#     the client has given up on the session; its fresh request then works
log=$tmp/flip-silence.log
probe_bg "$log" -- tftp "$A4" f1m.bin --windowsize 4 --blksize 512 --rto-ms 300 --rto-max-ms 600 --retries 3
if wait_log "$log" 'local port' 20; then
    sleep 1
    link set b2a blackhole=1
    wait_log "$log" 'lost the session' 20
    sleep 0.2
    link set b2a blackhole=0
    wait_bg
    expect_f1m "$log" "flip-silence: silent server, restarted and complete" \
        "flip-silence: transfer did not complete"
    expect_in_log "$log" 'lost the session at block [0-9]+ \(no answer to 3 retransmissions\); restarting \(1/3\)' \
        "flip-silence: console says no answer, restarts (1/3)"
else
    bad "flip-silence: the transfer did not start"; wait_bg
fi

# (4) a packet from another TID mid-transfer gets ERROR 5; the transfer goes on
log=$tmp/tid-spoof.log
probe_bg "$log" -- tftp "$A4" f1m.bin --windowsize 4 --blksize 512
if wait_log "$log" 'local port' 20; then
    sleep 0.5
    read -r lport _ < <(ports_of "$log")
    ip netns exec "$S" python3 "$tmp/udp.py" spoof "$A4" "$ME4" "$lport" >"$tmp/spoof.out" 2>&1
    wait_bg
    expect_f1m "$log" "tid-spoof: transfer complete and intact" \
        "tid-spoof: transfer did not complete"
    expect_in_log "$tmp/spoof.out" 'reply op 5 code 5' "tid-spoof: the spoofer got ERROR 5 (unknown transfer ID)"
    expect_in_log "$log" 'counter tftp.drop.unknown_tid 1$' "tid-spoof: counted as tftp.drop.unknown_tid"
    expect_in_log "$log" 'restarts 0 ' "tid-spoof: no restart"
else
    bad "tid-spoof: the transfer did not start"; wait_bg
fi
link_clear
stop_server

# ---------------------------------------------------------------- dnsmasq
echo "# dnsmasq $(dnsmasq --version | sed -n '1s/Dnsmasq version \([^ ]*\).*/\1/p')"
start_dnsmasq
xfer dnsmasq-ws16-bs1468 f3m.bin --windowsize 16 && expect_neg "$last_log" "blksize 1468 windowsize 1 options acked"
note "dnsmasq acknowledges blksize and tsize only: no windowsize (RFC 7440), no timeout"
xfer dnsmasq-ws4-bs512 f3m.bin --windowsize 4 --blksize 512 && expect_neg "$last_log" "blksize 512 windowsize 1 options acked"
xfer dnsmasq-ws1-bs512 f1m.bin --windowsize 1 --blksize 512
xfer dnsmasq-rollover wrap.bin --blksize 16 --windowsize 1
stop_server

ht_summary
