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
