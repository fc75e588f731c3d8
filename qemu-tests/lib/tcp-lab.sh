# tcp-lab.sh: the namespaces, links and servers of the TCP host test
# (qemu-tests/host/test-tcp.sh) and the network benchmark
# (qemu-tests/bench/bench-net.sh). Sourced, not run. Root only.
#
#   C: br0 198.18.0.3/24 fd00:b007:0:1::3/64 (curl, nginx "local" :8080, sink :9000)
#      ├─ nbt0  persistent tap: nb-probe's stack, 198.18.0.2, MAC 02:00:5e:00:00:02
#      └─ cl ==veth== cl-p ─┐
#   L: (a wire)             nb-link  (delay / loss / reorder / blackhole via its control socket)
#                      sv-p ─┘
#   S: sv ==veth== sv-p;  sv 198.18.0.1/24 fd00:b007:0:1::1/64, nginx "remote" :80, sink :9000
#      routes 198.18.99.0/24 "unreachable" (forwarding on: ICMP for nb-probe's gateway tests)
#
# Frames that cross nb-link are MTU-sized: sv sends no GSO super-frames
# (gso_max_segs 1), so loss and reordering hit single packets, as on a real
# link, and curl and nb-probe see the same per-packet link. The direct path
# tap <-> br0 <-> C's kernel is the "clean link". The tap's queue (what the
# kernel holds for nb-probe to read: its NIC receive ring) is 4096 frames, a
# large real ring: with the default 1000, a busy 2-CPU lab host that leaves
# nb-probe unscheduled for ~50 ms drops frames there, which measures the
# scheduler, not TCP.
#
# Addresses only from 198.18.0.0/15 and fd00:b007::/48; no default routes;
# nothing outside the namespaces made here is touched; every process is
# stopped by its recorded PID (tl_cleanup, run it from the caller's EXIT trap).
#
# The caller sets: TL_PREFIX (unique, e.g. nb-tcp-$$), TL_TMP (a temp dir),
# NB_LINK (binary), and may set TL_VERBOSE=1.

TL_C=$TL_PREFIX-c TL_L=$TL_PREFIX-l TL_S=$TL_PREFIX-s
TL_PROBE_MAC=02:00:5e:00:00:02
TL_PROBE_IP=198.18.0.2 TL_LOCAL_IP=198.18.0.3 TL_SERVER_IP=198.18.0.1
TL_SERVER_IP6=fd00:b007:0:1::1 TL_LOCAL_IP6=fd00:b007:0:1::3
# the process and namespace registry: qemu-tests/host/lib.sh (tl_cleanup ends and deletes what it holds)
# shellcheck source=../host/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../host/lib.sh"

tl_nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
tl_cleanup() { ht_end_all; }

# tl_spawn NAME NS CMD...: background process in NS, PID recorded
# (`ip netns exec` execs the command, so $! is the command's own PID).
tl_spawn() {
    local name=$1 ns=$2; shift 2
    ip netns exec "$ns" "$@" >"$TL_TMP/$name.log" 2>&1 &
    ht_track $!
}

tl_setup() {
    local n
    for n in "$TL_C" "$TL_L" "$TL_S"; do ht_ns_add "$n"; done
    tl_nsx "$TL_L" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 &&
    ip -n "$TL_C" link add br0 type bridge &&
    tl_nsx "$TL_C" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 &&
    ip -n "$TL_C" tuntap add dev nbt0 mode tap &&
    ip -n "$TL_C" link set nbt0 txqueuelen 4096 &&
    ip -n "$TL_C" link set nbt0 master br0 &&
    ip -n "$TL_C" link add cl type veth peer name cl-p netns "$TL_L" &&
    ip -n "$TL_S" link add sv type veth peer name sv-p netns "$TL_L" &&
    ip -n "$TL_C" link set cl master br0 || return 1
    for n in nbt0 cl br0; do ip -n "$TL_C" link set "$n" up || return 1; done
    ip -n "$TL_L" link set cl-p up && ip -n "$TL_L" link set sv-p up &&
    ip -n "$TL_C" addr add $TL_LOCAL_IP/24 dev br0 &&
    ip -n "$TL_C" addr add $TL_LOCAL_IP6/64 dev br0 nodad &&
    ip -n "$TL_S" link set dev sv gso_max_segs 1 &&
    ip -n "$TL_S" addr add $TL_SERVER_IP/24 dev sv &&
    ip -n "$TL_S" addr add $TL_SERVER_IP6/64 dev sv nodad &&
    ip -n "$TL_S" link set sv up &&
    tl_nsx "$TL_S" sysctl -qw net.ipv4.ip_forward=1 &&
    ip -n "$TL_S" route add unreachable 198.18.99.0/24
}

tl_nginx_conf() { # NAME LISTEN...
    local name=$1 d=$TL_TMP/$1 l
    shift
    mkdir -p "$d/tmp"
    cat <<EOF
daemon off;
master_process on;
worker_processes 1;
user nobody nogroup;
pid $d/nginx.pid;
error_log $d/error.log info;
events { worker_connections 64; }
http {
    access_log $d/access.log;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 5;
    server {
$(for l in "$@"; do echo "        listen $l;"; done)
        root $TL_TMP/www;
    }
}
EOF
}

# tl_www NAME MIB: a file of random bytes in the servers' root; prints its sha256
tl_www() {
    mkdir -p "$TL_TMP/www"
    head -c $(($2 << 20)) /dev/urandom >"$TL_TMP/www/$1"
    chmod -R a+rX "$TL_TMP"
    sha256sum "$TL_TMP/www/$1" | cut -d' ' -f1
}

tl_start_servers() {
    tl_nginx_conf local "$TL_LOCAL_IP:8080" "[$TL_LOCAL_IP6]:8080" >"$TL_TMP/local.conf"
    tl_nginx_conf remote "$TL_SERVER_IP:80" "[$TL_SERVER_IP6]:80" >"$TL_TMP/remote.conf"
    tl_nsx "$TL_C" nginx -t -q -c "$TL_TMP/local.conf" -p "$TL_TMP/local" || return 1
    tl_spawn nginx-local "$TL_C" nginx -c "$TL_TMP/local.conf" -p "$TL_TMP/local"
    tl_spawn nginx-remote "$TL_S" nginx -c "$TL_TMP/remote.conf" -p "$TL_TMP/remote"
    cat >"$TL_TMP/sink.py" <<'EOF'
# TCP sink: reads to EOF, answers "COUNT SHA256HEX\n"; mode "reset" instead
# answers nothing and resets the connection after 100 kB.
import hashlib, socket, struct, sys
addr, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port)); s.listen(8)
while True:
    c, _ = s.accept(); c.settimeout(120); h = hashlib.sha256(); n = 0
    try:
        while True:
            b = c.recv(1 << 16)
            if not b: break
            h.update(b); n += len(b)
            if mode == "reset" and n >= 100000:
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                break
        if mode != "reset":
            c.sendall(b"%d %s\n" % (n, h.hexdigest().encode()))
    except OSError:
        pass
    c.close()
EOF
    tl_spawn sink "$TL_S" python3 "$TL_TMP/sink.py" $TL_SERVER_IP 9000 sink
    tl_spawn sink-reset "$TL_S" python3 "$TL_TMP/sink.py" $TL_SERVER_IP 9001 reset
    tl_spawn sink-local "$TL_C" python3 "$TL_TMP/sink.py" $TL_LOCAL_IP 9000 sink
    local i
    for i in $(seq 50); do
        [ -s "$TL_TMP/local/nginx.pid" ] && [ -s "$TL_TMP/remote/nginx.pid" ] &&
            tl_nsx "$TL_S" python3 -c "import socket; socket.create_connection(('$TL_SERVER_IP', 9000), 1).close()" \
                2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

tl_start_link() {
    tl_spawn nb-link "$TL_L" "$NB_LINK" --a if:cl-p --b if:sv-p --ctl "$TL_TMP/link.sock" \
        --pidfile "$TL_TMP/link.pid" --seed "${TL_SEED:-7}"
    local i
    for i in $(seq 50); do
        [ -s "$TL_TMP/link.pid" ] && return 0
        sleep 0.1
    done
    return 1
}

tl_link() { "$NB_LINK" ctl "$TL_TMP/link.sock" "$@"; }
tl_link_clear() { tl_link set both delay=0 jitter=0 loss=0 dup=0 reorder=0 rate=0 blackhole=0 >/dev/null; }

# tl_probe PROBE [--gw4 ADDR] -- COMMAND...: nb-probe on the tap, output on stdout
tl_probe() {
    local probe=$1; shift
    tl_nsx "$TL_C" "$probe" --dev tap:nbt0 --mac $TL_PROBE_MAC --ip4 $TL_PROBE_IP/24 "$@"
}
