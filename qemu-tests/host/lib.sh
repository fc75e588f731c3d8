# shellcheck shell=bash
# qemu-tests/host/lib.sh — the frame the host tests (qemu-tests/host/test-*.sh) share, and the
# process/namespace registry of qemu-tests/lib/tcp-lab.sh. Sourced, not run:
#
#   . "$repo/qemu-tests/host/lib.sh"
#   ht_init NAME         scratch directory HT_TMP (/tmp/nb-NAME-test.XXXXXX), the cleanup trap
#                        (EXIT/INT/TERM), and HT_PREFIX (nb-NAME-<pid>-<random>): every namespace the
#                        test makes starts with it, so two tests (or two checkouts) never share a name
#   ht_ns_add NS         create namespace NS (lo up); deleted by the cleanup
#   ht_track PID         record a process the test started, with its start time: the cleanup ends it
#                        only while that PID still names the same process
#   ht_stop PID [SIG]    end a recorded process now (SIG, default TERM; KILL after 3 s), reap, forget it
#   ht_forget PID        forget a recorded process the test has reaped itself
#   ht_on_exit FUNC      more cleanup (e.g. copying logs): runs after the processes and namespaces are
#                        gone, before HT_TMP is removed
#   ht_end_all           end every recorded process, delete every namespace (the cleanup's first half;
#                        for scripts with their own trap, such as the benchmarks)
#   ht_require NAME TOOL|PATH...   root, every TOOL installed and every PATH built, or exit 2
#   ht_tap_lab NS_C NS_S ADDR...   the client/server pair of test-http and test-https (below)
#   ht_nginx NS LOG_FORMAT SERVERS nginx in NS with the test's server blocks, PID recorded
#   ht_wait_listening NS ADDR:PORT|udp/ADDR:PORT...   the servers are up (else the test ends)
#   nsx NS CMD...        run CMD in namespace NS
#   ok TEXT / bad TEXT   count a pass (npass) / a failure (nfail) and print "ok   TEXT" / "FAIL TEXT"
#   ht_summary [LABEL]   the last line, "[LABEL: ]N passed, N failed", which qemu-tests/host/run-all.sh
#                        and mk/run-suite.sh add up; status 0 only without a failure
#
# Processes are ended only by the PIDs recorded when they were started (checked against their start
# time, as qemu-tests/lib/lab.sh does), never by name. Whatever still runs inside our namespaces at the
# end descends from what we started (e.g. in.tftpd's per-transfer children) and is ended by its PID
# before the namespaces are deleted. KEEP_LOGS=1 keeps HT_TMP.

[ -z "${_HT_LIB_LOADED:-}" ] || return 0
_HT_LIB_LOADED=1

npass=0 nfail=0
_ht_procs=()       # "PID STARTTIME" of every recorded process not yet ended
_ht_netns=()       # namespaces to delete
_ht_exit_hooks=()

ok()  { npass=$((npass + 1)); printf 'ok   %s\n' "$*"; }
bad() { nfail=$((nfail + 1)); printf 'FAIL %s\n' "$*"; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

ht_summary() {
    echo "${1:+$1: }$npass passed, $nfail failed"
    [ "$nfail" -eq 0 ]
}

ht_require() {
    local name=$1 t
    shift
    [ "$(id -u)" = 0 ] || { echo "test-$name: must run as root" >&2; exit 2; }
    for t in "$@"; do
        case $t in
        */*) [ -x "$t" ] || { echo "test-$name: $t not built (make all)" >&2; exit 2; } ;;
        *) command -v "$t" >/dev/null || { echo "test-$name: $t not installed" >&2; exit 2; } ;;
        esac
    done
}

ht_init() {
    HT_NAME=$1
    # shellcheck disable=SC2034  # used by the tests that source this
    HT_PREFIX=nb-$1-$$-$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
    HT_TMP=$(mktemp -d "/tmp/nb-$1-test.XXXXXX") || { echo "test-$1: no scratch directory" >&2; exit 1; }
    trap ht_down EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

ht_ns_add() {
    ip netns add "$1" || { echo "test-${HT_NAME:-host}: cannot create namespace $1" >&2; exit 1; }
    _ht_netns+=("$1")
    ip -n "$1" link set lo up
}

ht_on_exit() { _ht_exit_hooks+=("$1"); }

# the start time of PID (clock ticks since boot, field 22 of /proc/PID/stat), which tells a process
# from a later one that got the same PID
ht_pid_start() {
    local stat fields
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    read -ra fields <<<"${stat##*) }"
    echo "${fields[19]}"
}

ht_track() {
    local start
    start=$(ht_pid_start "$1") || start=exited   # already gone: nothing to end
    _ht_procs+=("$1 $start")
}

ht_forget() {
    local entry keep=()
    for entry in "${_ht_procs[@]}"; do [ "${entry%% *}" = "$1" ] || keep+=("$entry"); done
    _ht_procs=("${keep[@]}")
}

# PID START: still the process we started, and still running (a zombie has exited)?
_ht_running() {
    [ "$(ht_pid_start "$1")" = "$2" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# PID START: give a signalled process 3 s, then KILL it; reap it (when it is our child)
_ht_reap() {
    for _ in $(seq 30); do _ht_running "$1" "$2" || break; sleep 0.1; done
    _ht_running "$1" "$2" && kill -KILL "$1" 2>/dev/null
    { wait "$1"; } 2>/dev/null
    return 0
}

ht_stop() {
    local entry
    for entry in "${_ht_procs[@]}"; do
        [ "${entry%% *}" = "$1" ] || continue
        set -- "$1" "${entry#* }" "${2:-TERM}"
        _ht_running "$1" "$2" && kill -s "$3" "$1" 2>/dev/null
        _ht_reap "$1" "$2"
        ht_forget "$1"
        return 0
    done
    echo "ht_stop: pid $1 is not recorded: not ending it" >&2
    return 1
}

ht_end_all() {
    local entry ns pid left
    for entry in "${_ht_procs[@]}"; do
        set -- $entry
        _ht_running "$1" "$2" && kill -TERM "$1" 2>/dev/null
    done
    for entry in "${_ht_procs[@]}"; do _ht_reap $entry; done
    _ht_procs=()
    for _ in $(seq 10); do
        left=$(for ns in "${_ht_netns[@]}"; do ip netns pids "$ns" 2>/dev/null; done)
        [ -n "$left" ] || break
        sleep 0.1
    done
    if [ -n "$left" ]; then
        for pid in $left; do kill -KILL "$pid" 2>/dev/null; done
        sleep 0.2
    fi
    for ns in "${_ht_netns[@]}"; do ip netns del "$ns" 2>/dev/null; done
    _ht_netns=()
}

ht_down() {
    local rc=$? hook
    set +e
    trap - EXIT INT TERM
    ht_end_all
    for hook in "${_ht_exit_hooks[@]}"; do "$hook"; done
    if [ -n "${KEEP_LOGS:-}" ]; then echo "test-$HT_NAME: logs kept in $HT_TMP"; else rm -rf "$HT_TMP"; fi
    return "$rc"
}

# ---------------------------------------------------------------- building blocks

# ht_tap_lab NS_C NS_S ADDR/LEN...: C holds nb-probe's tap nbtap, bridged (br0, no kernel address)
# to veth vc; its peer vs in S carries the ADDRs. A tap, not AF_PACKET on the veth: frames the
# kernel hands to a tap carry finished checksums (no offload), as on a wire. IPv4 only.
ht_tap_lab() {
    local c=$1 s=$2 l a
    shift 2
    ht_ns_add "$c"
    ht_ns_add "$s"
    ip link add vc netns "$c" type veth peer name vs netns "$s"
    nsx "$c" ip tuntap add dev nbtap mode tap
    nsx "$c" ip link add br0 type bridge
    for l in vc nbtap br0; do nsx "$c" sysctl -qw "net.ipv6.conf.$l.disable_ipv6=1"; done
    nsx "$c" ip link set vc master br0
    nsx "$c" ip link set nbtap master br0
    for l in vc nbtap br0; do nsx "$c" ip link set "$l" up; done
    nsx "$s" sysctl -qw net.ipv6.conf.vs.disable_ipv6=1
    for a in "$@"; do nsx "$s" ip addr add "$a" dev vs; done
    nsx "$s" ip link set vs up
}

# ht_nginx NS LOG_FORMAT SERVERS: nginx in NS, in the foreground without a master process (so the
# recorded PID is the server); SERVERS are its server { } blocks. Configuration, logs
# (nginx-access.log in LOG_FORMAT, nginx-error.log) and temporary files in HT_TMP. A configuration
# nginx refuses ends the test.
ht_nginx() {
    local ns=$1 format=$2 servers=$3 d=$HT_TMP
    mkdir -p "$d/nginx-tmp"
    cat >"$d/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/nginx-error.log info;
events { worker_connections 64; }
http {
    log_format t '$format';
    access_log $d/nginx-access.log t;
    client_body_temp_path $d/nginx-tmp/body;
    proxy_temp_path $d/nginx-tmp/proxy;
    fastcgi_temp_path $d/nginx-tmp/fastcgi;
    uwsgi_temp_path $d/nginx-tmp/uwsgi;
    scgi_temp_path $d/nginx-tmp/scgi;
    default_type application/octet-stream;
    keepalive_timeout 30s;
    sendfile on;
$servers
}
EOF
    nsx "$ns" nginx -t -q -e "$d/nginx-error.log" -c "$d/nginx.conf" -p "$d" ||
        { echo "test-$HT_NAME: bad nginx config" >&2; cat "$d/nginx-error.log" >&2; exit 1; }
    ip netns exec "$ns" nginx -e "$d/nginx-error.log" -c "$d/nginx.conf" -p "$d" >"$d/nginx.stderr" 2>&1 &
    ht_track $!
}

# ht_wait_listening NS ADDR:PORT|udp/ADDR:PORT...: wait up to 5 s until a socket listens in NS on
# every TCP (or udp/) ADDR:PORT; if one never does, show the test's logs and end the test.
ht_wait_listening() {
    local ns=$1 tcp udp a missing
    shift
    for _ in $(seq 50); do
        tcp=$(nsx "$ns" ss -Hltn 2>/dev/null)
        udp=$(nsx "$ns" ss -Hlun 2>/dev/null)
        missing=
        for a in "$@"; do
            case $a in
            udp/*) grep -qF -- "${a#udp/}" <<<"$udp" || missing=$a ;;
            *) grep -qF -- "$a" <<<"$tcp" || missing=$a ;;
            esac
        done
        [ -n "$missing" ] || return 0
        sleep 0.1
    done
    echo "test-$HT_NAME: servers did not start (nothing on $missing)" >&2
    cat "$HT_TMP"/*.log "$HT_TMP"/*.stderr >&2 2>/dev/null
    exit 1
}
