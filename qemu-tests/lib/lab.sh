# shellcheck shell=bash
# qemu-tests/lib/lab.sh — the nearboot lab, as a library. A scenario is:
#
#   . qemu-tests/lib/lab.sh
#   lab_init NAME        output dir build/qemu-tests/NAME (wiped), run id, lock, cleanup trap (EXIT/INT/TERM)
#   lab_up               namespaces, links, BIRD (BGP+BFD), dnsmasq (relay+RA; DHCP servers), tftpd, nginx;
#                        returns when routing has converged and every service passed a sanity check
#   lab_boot [run-qemu.sh options]   tcpdump on the client link, PXE-boot QEMU, wait for the marker
#   lab_assert_served SITE v4|v6 [ipxe]   the site's own DHCP and TFTP logs show it served this boot
#   lab_assert_silent SITE                the site's logs show nothing of this boot
#   (lab_down runs from the EXIT trap: ends every recorded process, deletes the namespaces)
#
# DHCP variants (set before lab_up; docs/lab.md "DHCP variants"):
#   LAB_SITE_DHCP=dnsmasq|kea|none   the sites' DHCP server (per site: LAB_SITE_DHCP_<site>); default dnsmasq
#   LAB_SITE_FAMILIES="4 6"          which families the sites' servers serve
#   LAB_SITE_BOOT=yes|no             whether they hand out boot information (no: address-only, for proxyDHCP)
#   LAB_RELAY="4 6"                  families the router relays to the anycast address ("" = no relay)
#   LAB_RA=managed|stateless|none    the router's RA: M+O+A (default), O+A (SLAAC + stateless DHCPv6), none
#   LAB_LAN_DHCP=""|dnsmasq|kea|proxy  a server directly on the client LAN (namespace "lan", 198.18.1.2,
#                                    fd00:b007:0:1::2); proxy = dnsmasq proxyDHCP (one-item PXE menu)
#   LAB_LAN_FAMILIES="4 6"           which families the LAN server serves
#   lab_set_relay "4 6"|"4"|"6"|""   restart the router's dnsmasq with another relay set (RA unchanged)
#   lab_stop_dhcp NODE               end a node's DHCP server(s) (by recorded pid)
#   lab_boot [--tag NAME] ...        NAME: outputs (serial, pcap, qemu log) in $LAB_OUT/NAME, own capture;
#                                    LAB_BOOT_DIR names the last boot's directory either way
#   lab_serial_has ERE / lab_assert_serial ERE WHAT   the last boot's serial console
#   lab_pcap ARGS...                 qemu-tests/lib/dhcp-pcap.py on captures (dump, retrans4, retrans6, ids)
#   lab_node_log_since NODE FILE     any node's log written since the last boot began
#
# Secure Boot (LAB_SECUREBOOT=1, set before lab_init; the section "Secure Boot" below, docs/lab.md):
#   the client runs OVMF's Secure Boot build with the dev PKI's PK/KEK/db enrolled, and the lab serves
#   nearboot.efi signed with the db key; lab_sb_sign IN OUT, lab_serve_image FILE
#
# Building blocks for new scenarios and services:
#   ns NODE / nsx NODE CMD...             namespace name / run a command in it (nodes: client router SITE...)
#   lab_spawn LABEL NODE LOG CMD...       start a foreground daemon, record its pid (ended by lab_down)
#   lab_signal LABEL SIG, lab_kill LABEL [SIG]   signal / end a recorded process (by pid + start time)
#   lab_wait SECS WHAT CMD...             poll until CMD succeeds
#   lab_birdc NODE CMD..., lab_wait_bfd_up, lab_route_via SITE, lab_wait_route_via SITE [SECS]
#   lab_curl NAME ADDR [curl opts]        HTTPS from the router, verified against the lab root CA
#   lab_log_since SITE FILE               a site log's lines written since the current boot began
#
# Rules kept here: everything lives in network namespaces named nb-<runid>-<node>; no namespace gets a
# default route (lab_up checks); addresses only from 198.18.0.0/15 and fd00:b007::/48; processes are
# ended only by the PIDs recorded when they were started (checked against their start time), never by name.
#
# Addressing (n = a site's position in LAB_SITES, from 1; up to 3 sites fit the v4 pools):
#   client LAN   198.18.1.0/24, fd00:b007:0:1::/64          router .1 / ::1 (QEMU's tap is bridged here)
#   router-site  198.18.(1+n).0/24, fd00:b007:0:(1+n)::/64  router .1, site .2 (site side: up0)
#   site lo      anycast 198.18.255.69/32 fd00:b007:0:ffff::69/128; own 198.18.254.n/32 fd00:b007:0:fffe::n/128
#   site pools   v4 198.18.1.(50+50n)-(99+50n) (sitea .100-.149, siteb .150-.199); v6 fd00:b007:0:1::n:100-1ff
#   lan server   198.18.1.2, fd00:b007:0:1::2 on the client LAN; pools 198.18.1.200-249, fd00:b007:0:1::9:100-1ff
#   BGP          router AS 65000, site AS 65000+n; site n prepends its AS n-1 more times (farther)

LAB_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_REPO=$(cd "$LAB_TESTS/.." && pwd)
: "${NEARBOOT_EFI:=$LAB_REPO/build/x86_64-efi/nearboot.efi}"
: "${LAB_SITES:=sitea siteb}"
: "${LAB_KEYS:=$LAB_REPO/build/keys}"
: "${LAB_OUT_BASE:=$LAB_REPO/build/qemu-tests}"
# the lock is machine-wide (not per checkout): two clones must not run two TCG QEMUs at once
: "${LAB_LOCK:=/tmp/nearboot-lab.lock}"
: "${LAB_SITE_DHCP:=dnsmasq}"
: "${LAB_SITE_FAMILIES:=4 6}"
: "${LAB_SITE_BOOT:=yes}"
: "${LAB_RELAY=4 6}"
: "${LAB_RA:=managed}"
: "${LAB_LAN_DHCP:=}"
: "${LAB_LAN_FAMILIES:=4 6}"
: "${LAB_SECUREBOOT:=0}"
: "${LAB_OVMF_CODE_SECBOOT:=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd}"
: "${LAB_OVMF_VARS_EMPTY:=/usr/share/OVMF/OVMF_VARS_4M.fd}"

LAB_ANYCAST4=198.18.255.69
LAB_ANYCAST6=fd00:b007:0:ffff::69
LAB_LAN4_GW=198.18.1.1
LAB_LAN6_GW=fd00:b007:0:1::1
LAB_LANSRV4=198.18.1.2
LAB_LANSRV6=fd00:b007:0:1::2
LAB_LAN_POOL4=198.18.1.200,198.18.1.249
LAB_LAN_POOL6=fd00:b007:0:1::9:100,fd00:b007:0:1::9:1ff
LAB_BOOTFILE=nearboot.efi
LAB_BOOT_URL6="tftp://[fd00:b007:0:ffff::69]/nearboot.efi"
LAB_CLIENT_MAC=${LAB_CLIENT_MAC:-52:54:00:b0:07:01}
LAB_ROUTER_AS=65000
LAB_BFD_MS=100
LAB_BFD_MULT=3

# ---- small helpers ----------------------------------------------------------------------------------

lab_log() {
	local line
	line="[$(date +%T.%3N)] $*"
	echo "$line" >&2
	[ -n "${LAB_OUT:-}" ] && [ -d "$LAB_OUT" ] && echo "$line" >>"$LAB_OUT/lab.log"
	return 0
}
lab_die() { lab_log "FAIL: $*"; exit 1; }

ns() { echo "nb-$LAB_ID-$1"; }                 # full namespace name of a node
nsx() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }   # run a command in a node's namespace

lab_site_index() {
	local i=0 s
	for s in $LAB_SITES; do i=$((i + 1)); [ "$s" = "$1" ] && { echo "$i"; return 0; }; done
	lab_die "unknown site $1"
}
lab_site_as() { echo $((LAB_ROUTER_AS + $(lab_site_index "$1"))); }
lab_site_link4() { echo "198.18.$((1 + $(lab_site_index "$1"))).$2"; }      # SITE 1|2 (router|site end)
lab_site_link6() { echo "fd00:b007:0:$((1 + $(lab_site_index "$1")))::$2"; }
lab_site_own4() { echo "198.18.254.$(lab_site_index "$1")"; }
lab_site_own6() { echo "fd00:b007:0:fffe::$(lab_site_index "$1")"; }
lab_site_pool4() { local n; n=$(lab_site_index "$1"); [ "$n" -le 3 ] || lab_die "no IPv4 pool for site #$n"; echo "198.18.1.$((50 + 50 * n)),198.18.1.$((99 + 50 * n))"; }
lab_site_pool6() { local n; n=$(lab_site_index "$1"); echo "fd00:b007:0:1::$n:100,fd00:b007:0:1::$n:1ff"; }
lab_first_site() { set -- $LAB_SITES; echo "$1"; }
lab_has_fam() { case " $1 " in *" $2 "*) return 0 ;; *) return 1 ;; esac; }   # "4 6" 4
lab_site_dhcp() { local v="LAB_SITE_DHCP_$1"; echo "${!v:-$LAB_SITE_DHCP}"; }
# grep that reads all its input: "cmd | grep -q" can kill cmd with SIGPIPE, which pipefail turns into a failure
lab_grep() { grep "$@" >/dev/null; }
# lab_kv KEY LINE — the value of KEY=VALUE in a line of key=value tokens (e.g. lib/flow-pcap.py's output)
lab_kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

# lab_wait SECONDS DESCRIPTION CMD... — poll CMD (every 0.2 s) until it succeeds
lab_wait() {
	local secs=$1 what=$2; shift 2
	local end=$((SECONDS + secs))
	while ! "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$end" ] && lab_die "timed out after ${secs}s waiting for: $what"
		sleep 0.2
	done
}

# start time (clock ticks since boot) of a pid, to make sure a recorded pid is still the same process
lab_pid_start() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	set -- $stat
	echo "${20}"
}

# lab_spawn LABEL NODE|- LOGFILE CMD... — start CMD in the background (in NODE's namespace unless "-"),
# record LABEL PID STARTTIME in the registry.
lab_spawn() {
	local label=$1 node=$2 log=$3; shift 3
	if [ "$node" = - ]; then
		"$@" >>"$log" 2>&1 </dev/null 9>&- &
	else
		ip netns exec "$(ns "$node")" "$@" >>"$log" 2>&1 </dev/null 9>&- &
	fi
	local pid=$!
	echo "$label $pid $(lab_pid_start "$pid" || echo 0)" | tee -a "$LAB_OUT/pids.all" >>"$LAB_PIDS"
	# out of the job table: no "Killed" notices; bash still reaps it (it stays our child)
	disown "$pid" 2>/dev/null || true
	lab_log "started $label (pid $pid)"
}

lab_pid_of() { awk -v l="$1" '$1 == l { p = $2 } END { if (p) print p }' "$LAB_PIDS"; }
lab_alive() { local pid; pid=$(lab_pid_of "$1"); [ -n "$pid" ] && [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; }

# end one recorded process (only if its pid still names the process we started)
_lab_end_pid() {
	local label=$1 pid=$2 start=$3 sig=${4:-TERM} i
	local now
	# already gone (e.g. a terminal's Ctrl-C reached the whole process group): just reap it
	now=$(lab_pid_start "$pid" 2>/dev/null) || { { wait "$pid"; } 2>/dev/null || true; return 0; }
	if [ "$now" != "$start" ]; then
		lab_log "not ending $label: pid $pid is no longer ours"
		return 0
	fi
	kill -s "$sig" "$pid" 2>/dev/null || true
	kill -s CONT "$pid" 2>/dev/null || true   # a frozen process (lab_signal STOP) must run to exit; after KILL it may be reaped already (set -e)
	for i in $(seq 50); do   # up to 5 s
		grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && break
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	# still running (not a zombie, not gone)? Read the state once: a zombie reaped between two checks
	# looks like a process that ignored the signal, and a failing kill must not end the run (set -e).
	local state
	state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$pid/status" 2>/dev/null) || state=
	if [ -n "$state" ] && [ "$state" != Z ]; then
		lab_log "$label (pid $pid) ignored SIG$sig; sending KILL"
		kill -KILL "$pid" 2>/dev/null || true
		sleep 0.2
	fi
	{ wait "$pid"; } 2>/dev/null || true
	return 0
}

# lab_signal LABEL SIGNAL — send a signal (e.g. STOP to freeze a daemon) to a recorded, still-ours process
lab_signal() {
	local line
	line=$(awk -v l="$1" '$1 == l' "$LAB_PIDS" | tail -n1)
	[ -n "$line" ] || lab_die "lab_signal: no process recorded as $1"
	set -- $line "$2"
	[ "$(lab_pid_start "$2" 2>/dev/null)" = "$3" ] || lab_die "lab_signal: $1 (pid $2) is gone"
	lab_log "sending SIG$4 to $1 (pid $2)"
	kill -s "$4" "$2"
}

# lab_kill LABEL [SIGNAL] — end a recorded process and drop it from the registry
lab_kill() {
	local label=$1 sig=${2:-TERM} line
	line=$(awk -v l="$label" '$1 == l' "$LAB_PIDS" | tail -n1)
	[ -n "$line" ] || lab_die "lab_kill: no process recorded as $label"
	set -- $line
	lab_log "ending $label (pid $2) with SIG$sig"
	_lab_end_pid "$1" "$2" "$3" "$sig"
	awk -v l="$label" '$1 != l' "$LAB_PIDS" >"$LAB_PIDS.tmp" && mv "$LAB_PIDS.tmp" "$LAB_PIDS"
}

# ---- init / teardown --------------------------------------------------------------------------------

lab_preflight() {
	[ "$(id -u)" = 0 ] || lab_die "the lab needs root (network namespaces)"
	local t
	for t in ip bird birdc dnsmasq in.tftpd nginx tcpdump qemu-system-x86_64 openssl curl python3 flock; do
		command -v "$t" >/dev/null || lab_die "missing tool: $t (see mk/packages.txt)"
	done
	if [ "${LAB_SECUREBOOT:-0}" = 1 ]; then
		for t in sbsign sbverify; do command -v "$t" >/dev/null || lab_die "missing tool: $t (package sbsigntool)"; done
		[ -r "$LAB_OVMF_CODE_SECBOOT" ] || lab_die "missing $LAB_OVMF_CODE_SECBOOT (package ovmf)"
	fi
	[ -s "$NEARBOOT_EFI" ] || lab_die "no image at NEARBOOT_EFI=$NEARBOOT_EFI (make; or qemu-tests/testapp/build.sh for a stand-in)"
	# one snapshot of the image for the whole run (TFTP, disk boots, checks), so a rebuild meanwhile
	# cannot mix two images into one scenario
	LAB_IMAGE=$LAB_OUT/nearboot.efi
	cp "$NEARBOOT_EFI" "$LAB_IMAGE"
	lab_log "image: $NEARBOOT_EFI (sha256 $(sha256sum <"$LAB_IMAGE" | cut -c1-16)...)"
}

# lab_init NAME
lab_init() {
	LAB_NAME=$1
	LAB_OUT=$LAB_OUT_BASE/$LAB_NAME
	mkdir -p "$LAB_OUT_BASE"
	# one lab (and one TCG QEMU) at a time on this machine, whichever checkout it runs from
	exec 9>"$LAB_LOCK"
	if ! flock -n 9; then
		echo "lab: another lab run holds $LAB_LOCK; waiting" >&2
		flock -w 1800 9 || { echo "lab: lock wait timed out" >&2; exit 1; }
	fi
	rm -rf "$LAB_OUT"
	mkdir -p "$LAB_OUT"
	LAB_ID=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
	LAB_PIDS=$LAB_OUT/pids            # processes still to end: LABEL PID STARTTIME
	LAB_NETNS=$LAB_OUT/netns          # namespaces still to delete
	: >"$LAB_PIDS"
	: >"$LAB_NETNS"
	: >"$LAB_OUT/pids.all"            # every process ever started (for after-the-fact leak checks)
	# Unix sockets (BIRD control, the syslog sink) live in a short path: sun_path is 108 bytes
	LAB_RUNDIR=${TMPDIR:-/tmp}/nb-lab-$LAB_ID
	mkdir -p "$LAB_RUNDIR"
	chmod 755 "$LAB_RUNDIR"
	LAB_T0=$SECONDS
	trap lab_down EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	lab_log "lab $LAB_NAME: run id $LAB_ID, output $LAB_OUT"
	lab_preflight
}

lab_down() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	[ -n "${LAB_PIDS:-}" ] || return "$rc"
	lab_log "tearing down (exit status $rc)"
	# QEMU runner pidfiles (run-qemu.sh writes "qemu PID START"), then everything else, newest first
	local f line
	for f in "$LAB_OUT"/qemu*.pid "$LAB_OUT"/*/qemu.pid; do
		[ -s "$f" ] && cat "$f" >>"$LAB_PIDS"
	done
	if [ -s "$LAB_PIDS" ]; then
		tac "$LAB_PIDS" | while read -r line; do
			[ -n "$line" ] || continue
			set -- $line
			# tcpdump must get SIGINT to flush the pcap
			case $1 in tcpdump*) _lab_end_pid "$1" "$2" "$3" INT ;; *) _lab_end_pid "$1" "$2" "$3" TERM ;; esac
		done
		# reap anything the subshell above could not wait for
		while read -r line; do set -- $line; { wait "$2"; } 2>/dev/null || true; done <"$LAB_PIDS"
	fi
	: >"$LAB_PIDS"
	if [ -s "$LAB_NETNS" ]; then
		# anything still running inside our namespaces descends from what we started (e.g. an in.tftpd
		# child still in a transfer): give it a moment, then end it by its pid
		local left pid i
		for i in $(seq 20); do
			left=$(while read -r line; do [ -n "$line" ] && ip netns pids "$line" 2>/dev/null; done <"$LAB_NETNS")
			[ -z "$left" ] && break
			sleep 0.1
		done
		if [ -n "$left" ]; then
			for pid in $left; do
				lab_log "ending leftover pid $pid in a lab namespace: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
				kill -KILL "$pid" 2>/dev/null || true   # it may have exited meanwhile: teardown goes on
			done
			sleep 0.2
		fi
		while read -r line; do
			[ -n "$line" ] && ip netns del "$line" 2>/dev/null
		done <"$LAB_NETNS"
	fi
	: >"$LAB_NETNS"
	[ -n "${LAB_RUNDIR:-}" ] && rm -rf "$LAB_RUNDIR"
	lab_log "teardown done ($((SECONDS - LAB_T0))s since lab_init)"
	return "$rc"
}

# ---- topology ---------------------------------------------------------------------------------------

_lab_ns_add() {
	local name
	name=$(ns "$1")
	ip netns add "$name" || lab_die "ip netns add $name"
	echo "$name" >>"$LAB_NETNS"
	ip -n "$name" link set lo up
	# never learn a default route from an RA; no DAD delay on lab links; no reverse-path drops for anycast
	nsx "$1" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}

lab_topology() {
	local s n
	_lab_ns_add client
	_lab_ns_add router
	for s in $LAB_SITES; do _lab_ns_add "$s"; done

	# client LAN: a bridge with QEMU's tap and the veth to the router; no addresses, no IPv6 stack
	nsx client sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$(ns client)" link add br0 type bridge mcast_snooping 0 stp_state 0 forward_delay 0
	ip -n "$(ns client)" tuntap add dev tap0 mode tap
	ip -n "$(ns client)" link set tap0 master br0
	ip -n "$(ns client)" link add rtr0 type veth peer name lan0 netns "$(ns router)"
	ip -n "$(ns client)" link set rtr0 master br0
	for n in br0 tap0 rtr0; do ip -n "$(ns client)" link set "$n" up; done

	# a host on the client LAN for DHCP servers (LAB_LAN_DHCP): no routes beyond the LAN
	if [ -n "$LAB_LAN_DHCP" ]; then
		_lab_ns_add lan
		ip -n "$(ns client)" link add srv0 type veth peer name eth0 netns "$(ns lan)"
		ip -n "$(ns client)" link set srv0 master br0
		ip -n "$(ns client)" link set srv0 up
		ip -n "$(ns lan)" addr add "$LAB_LANSRV4/24" dev eth0
		ip -n "$(ns lan)" addr add "$LAB_LANSRV6/64" dev eth0 nodad
		ip -n "$(ns lan)" link set eth0 up
	fi

	# router
	nsx router sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip -n "$(ns router)" addr add "$LAB_LAN4_GW/24" dev lan0
	ip -n "$(ns router)" addr add "$LAB_LAN6_GW/64" dev lan0 nodad
	ip -n "$(ns router)" link set lan0 up

	# sites
	for s in $LAB_SITES; do
		ip -n "$(ns router)" link add "${s}0" type veth peer name up0 netns "$(ns "$s")"
		_lab_address_site_link "$s"
		ip -n "$(ns "$s")" addr add "$LAB_ANYCAST4/32" dev lo
		ip -n "$(ns "$s")" addr add "$(lab_site_own4 "$s")/32" dev lo
		ip -n "$(ns "$s")" addr add "$LAB_ANYCAST6/128" dev lo nodad
		ip -n "$(ns "$s")" addr add "$(lab_site_own6 "$s")/128" dev lo nodad
	done
	lab_log "topology up: client(br0,tap0) router(lan0$(for s in $LAB_SITES; do printf ',%s0' "$s"; done)) sites($LAB_SITES)"
}

# no namespace may have a default route (or any route out of the lab)
lab_check_routes() {
	local n bad=0
	for n in client router $LAB_SITES ${LAB_LAN_DHCP:+lan}; do
		if [ -n "$(ip -n "$(ns "$n")" route show default)$(ip -n "$(ns "$n")" -6 route show default 2>/dev/null)" ]; then
			lab_log "namespace $n has a default route:"; ip -n "$(ns "$n")" route show default >&2; bad=1
		fi
		if ip -n "$(ns "$n")" route show | grep -v -E '^(198\.1[89]\.)' | lab_grep .; then
			lab_log "namespace $n has a non-lab IPv4 route"; ip -n "$(ns "$n")" route show >&2; bad=1
		fi
		if ip -n "$(ns "$n")" -6 route show 2>/dev/null | grep -v -E '^(fd00:b007:|fe80::|multicast |local |anycast )' | lab_grep .; then
			lab_log "namespace $n has a non-lab IPv6 route"; ip -n "$(ns "$n")" -6 route show >&2; bad=1
		fi
	done
	[ "$bad" = 0 ] || lab_die "routing rule broken"
}

# ---- BIRD --------------------------------------------------------------------------------------------

_lab_bird_common() {   # $1 = router id, $2 = log file
	cat <<EOF
log "$2" all;
debug protocols { states };
router id $1;
define LAB4 = [ 198.18.0.0/15+ ];
define LAB6 = [ fd00:b007::/48+ ];
protocol device { scan time 10; }
protocol kernel kernel4 { ipv4 { import none; export where source = RTS_BGP && net ~ LAB4; }; }
protocol kernel kernel6 { ipv6 { import none; export where source = RTS_BGP && net ~ LAB6; }; }
protocol bfd {
	interface "*" { min rx interval $LAB_BFD_MS ms; min tx interval $LAB_BFD_MS ms; idle tx interval 300 ms; multiplier $LAB_BFD_MULT; };
}
template bgp lab {
	bfd on;
	connect delay time 1; connect retry time 2; error wait time 1, 10;
	hold time 30; keepalive time 10;
}
EOF
}

lab_bird_conf_router() {
	local s
	_lab_bird_common "$LAB_LAN4_GW" "$LAB_OUT/router/bird.log"
	cat <<EOF
# the client LAN is what the sites must reach back to
protocol direct lan { ipv4; ipv6; interface "lan0"; }
EOF
	for s in $LAB_SITES; do
		cat <<EOF
protocol bgp ${s}_v4 from lab {
	local $(lab_site_link4 "$s" 1) as $LAB_ROUTER_AS;
	neighbor $(lab_site_link4 "$s" 2) as $(lab_site_as "$s");
	ipv4 { import where net ~ LAB4; export where source = RTS_DEVICE && net ~ LAB4; };
}
protocol bgp ${s}_v6 from lab {
	local $(lab_site_link6 "$s" 1) as $LAB_ROUTER_AS;
	neighbor $(lab_site_link6 "$s" 2) as $(lab_site_as "$s");
	ipv6 { import where net ~ LAB6; export where source = RTS_DEVICE && net ~ LAB6; };
}
EOF
	done
}

lab_bird_conf_site() {
	local s=$1 n prepend="" i
	n=$(lab_site_index "$s")
	for i in $(seq 2 "$n"); do prepend="$prepend bgp_path.prepend($(lab_site_as "$s"));"; done
	_lab_bird_common "$(lab_site_own4 "$s")" "$LAB_OUT/$s/bird.log"
	cat <<EOF
protocol static anycast4 { ipv4; route $LAB_ANYCAST4/32 blackhole; route $(lab_site_own4 "$s")/32 blackhole; }
protocol static anycast6 { ipv6; route $LAB_ANYCAST6/128 blackhole; route $(lab_site_own6 "$s")/128 blackhole; }
filter announce { if source != RTS_STATIC then reject;$prepend accept; }
protocol bgp router_v4 from lab {
	local $(lab_site_link4 "$s" 2) as $(lab_site_as "$s");
	neighbor $(lab_site_link4 "$s" 1) as $LAB_ROUTER_AS;
	ipv4 { import where net ~ LAB4; export filter announce; };
}
protocol bgp router_v6 from lab {
	local $(lab_site_link6 "$s" 2) as $(lab_site_as "$s");
	neighbor $(lab_site_link6 "$s" 1) as $LAB_ROUTER_AS;
	ipv6 { import where net ~ LAB6; export filter announce; };
}
EOF
}

lab_birdc() { local node=$1; shift; nsx "$node" birdc -s "$LAB_RUNDIR/bird-$node.ctl" "$@"; }

lab_start_bird() {
	local node=$1
	bird -p -c "$LAB_OUT/$node/bird.conf" || lab_die "bad bird config for $node"
	lab_spawn "bird-$node" "$node" "$LAB_OUT/$node/bird.stderr" \
		bird -f -c "$LAB_OUT/$node/bird.conf" -s "$LAB_RUNDIR/bird-$node.ctl" -P "$LAB_OUT/$node/bird.pid"
}

# all BGP sessions Established and all BFD sessions Up, as seen from the router
_lab_bgp_bfd_up() {
	local want=$(( 2 * $(echo $LAB_SITES | wc -w) )) est up
	est=$(lab_birdc router show protocols | awk '$2 == "BGP" && $0 ~ /Established/' | wc -l)
	up=$(lab_birdc router show bfd sessions | awk '$3 == "Up"' | wc -l)
	[ "$est" = "$want" ] && [ "$up" = "$want" ]
}
lab_wait_bfd_up() {
	lab_wait 60 "BGP Established and BFD Up on all $(( 2 * $(echo $LAB_SITES | wc -w) )) sessions" _lab_bgp_bfd_up
	lab_log "BGP + BFD up on all sessions"
}

# lab_route_via SITE — the router's anycast routes (v4 and v6) point to SITE
lab_route_via() {
	ip -n "$(ns router)" route get "$LAB_ANYCAST4" | lab_grep "via $(lab_site_link4 "$1" 2) " &&
		ip -n "$(ns router)" -6 route get "$LAB_ANYCAST6" | lab_grep "via $(lab_site_link6 "$1" 2) "
}
lab_wait_route_via() {
	local t0 t1
	t0=$(date +%s.%N)
	while ! lab_route_via "$1"; do
		awk -v a="$t0" -v b="$(date +%s.%N)" -v l="${2:-30}" 'BEGIN { exit !(b - a > l) }' &&
			lab_die "timed out after ${2:-30}s waiting for the router's anycast routes via $1"
		sleep 0.05
	done
	t1=$(date +%s.%N)
	LAB_ROUTE_WAIT=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	lab_log "anycast routes (v4+v6) via $1 (waited ${LAB_ROUTE_WAIT}s)"
}

# ---- DHCP: relay + RA in the router; dnsmasq or Kea per site; optionally a server on the client LAN ----

# The router's dnsmasq: relays the families in LAB_RELAY to the anycast address and sends the RA chosen by
# LAB_RA. It never serves DHCP itself (dhcp-ignore for every client; relaying comes first).
lab_dnsmasq_conf_router() {
	cat <<EOF
port=0
interface=lan0
pid-file=$LAB_OUT/router/dnsmasq.pid
log-facility=$LAB_OUT/router/dnsmasq.log
log-dhcp
dhcp-ignore=tag:!known
EOF
	lab_has_fam "$LAB_RELAY" 4 && echo "dhcp-relay=$LAB_LAN4_GW,$LAB_ANYCAST4"
	lab_has_fam "$LAB_RELAY" 6 && echo "dhcp-relay=$LAB_LAN6_GW,$LAB_ANYCAST6"
	case $LAB_RA in
	managed) cat <<EOF
# Router advertisements on the client LAN: M+O (addresses from DHCPv6) and the on-link prefix with A
# (SLAAC too). The range only drives the RA; DHCPv6 itself is relayed (the relay takes precedence).
enable-ra
dhcp-range=fd00:b007:0:1::,static,slaac,64
ra-param=lan0,10,1800
EOF
	;;
	stateless) cat <<EOF
# Router advertisements: O+A, no M (SLAAC address, stateless DHCPv6 for the rest)
enable-ra
dhcp-range=fd00:b007:0:1::,ra-stateless,64
ra-param=lan0,10,1800
EOF
	;;
	none) echo "# no router advertisements (LAB_RA=none)" ;;
	*) lab_die "LAB_RA=$LAB_RA: want managed, stateless or none" ;;
	esac
}

# boot information for dnsmasq (sites and the LAN server)
_lab_dnsmasq_boot() {
	cat <<EOF
# PXE: EDK2 gets filename + next-server (the anycast TFTP address); iPXE (user class "iPXE") gets the
# same nearboot.efi, never an iPXE image, so there is no chain-load loop.
dhcp-userclass=set:ipxe,iPXE
dhcp-boot=tag:!ipxe,$LAB_BOOTFILE,,$LAB_ANYCAST4
dhcp-boot=tag:ipxe,$LAB_BOOTFILE,,$LAB_ANYCAST4
dhcp-option=option6:bootfile-url,$LAB_BOOT_URL6
EOF
}

lab_dnsmasq_conf_site() {
	local s=$1
	cat <<EOF
port=0
interface=up0
pid-file=$LAB_OUT/$s/dnsmasq.pid
log-facility=$LAB_OUT/$s/dnsmasq.log
dhcp-leasefile=$LAB_OUT/$s/dnsmasq.leases
log-dhcp
no-ping
dhcp-authoritative
# server-id = the relay (giaddr): renewals then go through the relay to the anycast address, i.e. to
# whichever site is nearest at that time, not to this site's link address
dhcp-proxy
# relayed ranges on the client LAN; this site's own pool shows in every lease which site answered
EOF
	if lab_has_fam "$LAB_SITE_FAMILIES" 4; then
		echo "dhcp-range=set:lan4,$(lab_site_pool4 "$s"),255.255.255.0,10m"
		echo "dhcp-option=tag:lan4,option:router,$LAB_LAN4_GW"
	fi
	lab_has_fam "$LAB_SITE_FAMILIES" 6 && echo "dhcp-range=set:lan6,$(lab_site_pool6 "$s"),64,10m"
	[ "$LAB_SITE_BOOT" = yes ] && _lab_dnsmasq_boot
	return 0
}

# a DHCP server directly on the client LAN (namespace "lan")
lab_dnsmasq_conf_lan() {
	cat <<EOF
port=0
interface=eth0
pid-file=$LAB_OUT/lan/dnsmasq.pid
log-facility=$LAB_OUT/lan/dnsmasq.log
dhcp-leasefile=$LAB_OUT/lan/dnsmasq.leases
log-dhcp
no-ping
dhcp-authoritative
EOF
	if lab_has_fam "$LAB_LAN_FAMILIES" 4; then
		echo "dhcp-range=set:lan4,$LAB_LAN_POOL4,255.255.255.0,10m"
		echo "dhcp-option=tag:lan4,option:router,$LAB_LAN4_GW"
	fi
	lab_has_fam "$LAB_LAN_FAMILIES" 6 && echo "dhcp-range=set:lan6,$LAB_LAN_POOL6,64,10m"
	_lab_dnsmasq_boot
}

# proxyDHCP on the client LAN (dnsmasq proxy mode), next to an address-only server (the sites with
# LAB_SITE_BOOT=no): a one-item PXE boot menu for x86-64 UEFI with no prompt. (dnsmasq's proxy mode answers
# only with pxe-service entries; dhcp-boot alone gets no proxy OFFER.)
lab_dnsmasq_conf_proxy() {
	cat <<EOF
port=0
interface=eth0
pid-file=$LAB_OUT/lan/dnsmasq.pid
log-facility=$LAB_OUT/lan/dnsmasq.log
log-dhcp
dhcp-range=198.18.1.0,proxy,255.255.255.0
pxe-prompt="nearboot",0
pxe-service=x86-64_EFI,"nearboot",$LAB_BOOTFILE,$LAB_ANYCAST4
EOF
}

lab_start_dnsmasq() {
	local node=$1 n
	dnsmasq --test -C "$LAB_OUT/$node/dnsmasq.conf" >/dev/null 2>&1 || { dnsmasq --test -C "$LAB_OUT/$node/dnsmasq.conf"; lab_die "bad dnsmasq config for $node"; }
	n=$(grep -c 'started, version' "$LAB_OUT/$node/dnsmasq.log" 2>/dev/null) || n=0
	lab_spawn "dnsmasq-$node" "$node" "$LAB_OUT/$node/dnsmasq.stderr" \
		dnsmasq -k -C "$LAB_OUT/$node/dnsmasq.conf"
	lab_wait 10 "dnsmasq in $node started" sh -c "[ \$(grep -c 'started, version' '$LAB_OUT/$node/dnsmasq.log' 2>/dev/null) -gt $n ]"
}

# Kea (kea-dhcp4 / kea-dhcp6 2.2). Behind the relay it listens on up0 and on the anycast address on lo
# (UDP sockets: Kea 2.2 sees relayed packets sent to the anycast address only that way, FACTS.md); on the
# LAN on eth0 (v4: raw sockets, for clients without an address). Server identifier: the anycast address
# at the sites (so a client's unicast REQUEST goes to the anycast address, i.e. the nearest site, even
# when the relay is gone), the server's own address on the LAN. Logs at debug level 55 (packet contents).
# _lab_kea4_conf NODE IFACES-JSON SOCKET-TYPE POOL(a,b) SERVER-ID [SUBNET-IFACE]
_lab_kea4_conf() {
	local d=$LAB_OUT/$1 boot=''
	if [ "$1" = lan ] || [ "$LAB_SITE_BOOT" = yes ]; then
		boot="\"next-server\": \"$LAB_ANYCAST4\", \"boot-file-name\": \"$LAB_BOOTFILE\","
	fi
	cat <<EOF
{ "Dhcp4": {
    "interfaces-config": { "interfaces": $2, "dhcp-socket-type": "$3", "outbound-interface": "use-routing" },
    "lease-database": { "type": "memfile", "persist": true, "name": "$d/kea-leases4.csv", "lfc-interval": 0 },
    "valid-lifetime": 600, "renew-timer": 300, "rebind-timer": 525,
    "authoritative": true,
    "subnet4": [ { "subnet": "198.18.1.0/24", "id": 1, ${6:+\"interface\": \"$6\",} $boot
        "pools": [ { "pool": "${4%,*} - ${4#*,}" } ],
        "option-data": [ { "name": "routers", "data": "$LAB_LAN4_GW" },
                         { "name": "dhcp-server-identifier", "data": "$5" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "DEBUG", "debuglevel": 55,
                   "output_options": [ { "output": "$d/kea-dhcp4.log", "flush": true } ] } ]
} }
EOF
}
# _lab_kea6_conf NODE IFACES-JSON POOL(a,b) [SUBNET-IFACE]
_lab_kea6_conf() {
	local d=$LAB_OUT/$1 boot=''
	if [ "$1" = lan ] || [ "$LAB_SITE_BOOT" = yes ]; then
		boot="\"option-data\": [ { \"name\": \"bootfile-url\", \"data\": \"$LAB_BOOT_URL6\" } ],"
	fi
	cat <<EOF
{ "Dhcp6": {
    "interfaces-config": { "interfaces": $2 },
    "data-directory": "$d/kea",
    "lease-database": { "type": "memfile", "persist": true, "name": "$d/kea-leases6.csv", "lfc-interval": 0 },
    "preferred-lifetime": 300, "valid-lifetime": 600, "renew-timer": 150, "rebind-timer": 240,
    "subnet6": [ { "subnet": "fd00:b007:0:1::/64", "id": 1, ${4:+\"interface\": \"$4\",} $boot
        "pools": [ { "pool": "${3%,*} - ${3#*,}" } ], "rapid-commit": true } ],
    "loggers": [ { "name": "kea-dhcp6", "severity": "DEBUG", "debuglevel": 55,
                   "output_options": [ { "output": "$d/kea-dhcp6.log", "flush": true } ] } ]
} }
EOF
}

lab_start_kea() {   # NODE 4|6 (config in $LAB_OUT/NODE/kea-dhcpF.json)
	local node=$1 f=$2 d=$LAB_OUT/$1
	mkdir -p "$d/kea"
	nsx "$node" env KEA_LOCKFILE_DIR="$d/kea" KEA_PIDFILE_DIR="$d/kea" "kea-dhcp$f" -t "$d/kea-dhcp$f.json" >"$d/kea-dhcp$f.check" 2>&1 ||
		{ cat "$d/kea-dhcp$f.check" >&2; lab_die "bad kea-dhcp$f config for $node"; }
	lab_spawn "kea$f-$node" "$node" "$d/kea-dhcp$f.stderr" \
		env KEA_LOCKFILE_DIR="$d/kea" KEA_PIDFILE_DIR="$d/kea" "kea-dhcp$f" -c "$d/kea-dhcp$f.json"
	lab_wait 20 "kea-dhcp$f in $node started" _lab_started "kea$f-$node" "DHCP${f}_STARTED" "$d/kea-dhcp$f.log"
}
# a daemon's start line is in its log; dies at once if the daemon ended instead
_lab_started() {
	grep -q "$2" "$3" 2>/dev/null && return 0
	lab_alive "$1" || lab_die "$1 ended at start-up (see $3)"
	return 1
}

lab_start_site_dhcp() {
	local s=$1
	case $(lab_site_dhcp "$s") in
	dnsmasq)
		lab_dnsmasq_conf_site "$s" >"$LAB_OUT/$s/dnsmasq.conf"
		lab_start_dnsmasq "$s" ;;
	kea)
		if lab_has_fam "$LAB_SITE_FAMILIES" 4; then
			_lab_kea4_conf "$s" "[ \"up0\", \"lo/$LAB_ANYCAST4\" ]" udp "$(lab_site_pool4 "$s")" "$LAB_ANYCAST4" \
				>"$LAB_OUT/$s/kea-dhcp4.json"
			lab_start_kea "$s" 4
		fi
		if lab_has_fam "$LAB_SITE_FAMILIES" 6; then
			_lab_kea6_conf "$s" "[ \"up0\", \"lo/$LAB_ANYCAST6\" ]" "$(lab_site_pool6 "$s")" >"$LAB_OUT/$s/kea-dhcp6.json"
			lab_start_kea "$s" 6
		fi ;;
	none) lab_log "$s runs no DHCP server" ;;
	*) lab_die "unknown DHCP server '$(lab_site_dhcp "$s")' for $s" ;;
	esac
}

lab_start_lan_dhcp() {
	[ -n "$LAB_LAN_DHCP" ] || return 0
	mkdir -p "$LAB_OUT/lan"
	case $LAB_LAN_DHCP in
	dnsmasq) lab_dnsmasq_conf_lan >"$LAB_OUT/lan/dnsmasq.conf"; lab_start_dnsmasq lan ;;
	proxy) lab_dnsmasq_conf_proxy >"$LAB_OUT/lan/dnsmasq.conf"; lab_start_dnsmasq lan ;;
	kea)
		if lab_has_fam "$LAB_LAN_FAMILIES" 4; then
			_lab_kea4_conf lan '[ "eth0" ]' raw "$LAB_LAN_POOL4" "$LAB_LANSRV4" eth0 >"$LAB_OUT/lan/kea-dhcp4.json"
			lab_start_kea lan 4
		fi
		if lab_has_fam "$LAB_LAN_FAMILIES" 6; then
			_lab_kea6_conf lan '[ "eth0" ]' "$LAB_LAN_POOL6" eth0 >"$LAB_OUT/lan/kea-dhcp6.json"
			lab_start_kea lan 6
		fi ;;
	*) lab_die "LAB_LAN_DHCP=$LAB_LAN_DHCP: want dnsmasq, kea or proxy" ;;
	esac
}

# the router's dnsmasq, if it has anything to do (a relay or an RA)
lab_start_router_dnsmasq() {
	if [ -z "$LAB_RELAY" ] && [ "$LAB_RA" = none ]; then
		lab_log "router: no relay, no RA: no dnsmasq"
		return 0
	fi
	lab_dnsmasq_conf_router >"$LAB_OUT/router/dnsmasq.conf"
	lab_start_dnsmasq router
}

# lab_set_relay "4 6"|"4"|"6"|"" — restart the router's dnsmasq with another relay set (RA unchanged)
lab_set_relay() {
	LAB_RELAY=$1
	if grep -q '^dnsmasq-router ' "$LAB_PIDS"; then lab_kill dnsmasq-router; fi
	lab_start_router_dnsmasq
	lab_log "router: relay now '${LAB_RELAY:-off}' (RA $LAB_RA)"
}

# lab_stop_dhcp NODE — end the node's DHCP servers (whatever runs there)
lab_stop_dhcp() {
	local l
	for l in "dnsmasq-$1" "kea4-$1" "kea6-$1"; do
		if grep -q "^$l " "$LAB_PIDS"; then lab_kill "$l"; fi
	done
	return 0
}

# ---- TFTP: in.tftpd per site, bound to the anycast addresses, logging via a per-site syslog sink --------

lab_start_tftpd() {
	local s=$1 dev=$LAB_RUNDIR/dev-$1
	mkdir -p "$dev" "$LAB_OUT/$s/tftp"
	cp "$LAB_IMAGE" "$LAB_OUT/$s/tftp/nearboot.efi"
	chmod 755 "$LAB_OUT/$s/tftp"; chmod 644 "$LAB_OUT/$s/tftp/nearboot.efi"
	lab_spawn "syslog-$s" "$s" "$LAB_OUT/$s/syslog-sink.stderr" python3 "$LAB_TESTS/lib/syslog-sink.py" "$dev/log" "$LAB_OUT/$s/tftpd.log"
	lab_wait 10 "syslog sink of $s" test -S "$dev/log"
	# in.tftpd logs only to /dev/log: give it, in its own mount namespace (ip netns exec makes one, not
	# propagated to the host), a /dev that holds just the sink's socket.
	local fam addr
	for fam in 4 6; do
		if [ "$fam" = 4 ]; then addr=$LAB_ANYCAST4; else addr="[$LAB_ANYCAST6]"; fi
		lab_spawn "tftpd$fam-$s" "$s" "$LAB_OUT/$s/tftpd$fam.stderr" \
			sh -c 'mount --bind "$1" /dev && shift && exec "$@"' sh "$dev" \
			in.tftpd -L -"$fam" -vvv -u nobody -s -a "$addr:69" "$LAB_OUT/$s/tftp"
	done
}

# lab_start_atftpd SITE ADDR [LABEL] — atftpd (RFC 7440 windowsize; unpacked by qemu-tests/lib/fetch-atftpd.sh,
# as the Debian package conflicts with tftpd-hpa) on ADDR:69 in SITE, serving the site's TFTP root; its log
# (--verbose=7: every request and its options) goes to $LAB_OUT/SITE/atftpd.log. ADDR must not
# be one tftpd-hpa holds: a site's own address, or the anycast address after lab_kill tftpd4-SITE.
lab_start_atftpd() {
	local s=$1 addr=$2 label=${3:-atftpd-$1} bin
	bin=$(bash "$LAB_TESTS/lib/fetch-atftpd.sh") || lab_die "no atftpd (qemu-tests/lib/fetch-atftpd.sh)"
	lab_spawn "$label" "$s" "$LAB_OUT/$s/atftpd.log" "$bin" --daemon --no-fork --port 69 --bind-address "$addr" \
		--user nobody --group nogroup --logfile - --verbose=7 "$LAB_OUT/$s/tftp"
	lab_wait 10 "atftpd in $s on $addr:69" sh -c "ip netns exec $(ns "$s") ss -Hlun 'sport = :69' | grep -qF '$addr:69'"
	lab_log "atftpd in $s on $addr:69 ($(cat "$(dirname "$(dirname "$(dirname "$bin")")")/VERSION" 2>/dev/null))"
}

# lab_start_dnsmasq_tftp SITE ADDR [LABEL] — a dnsmasq in SITE that is only a TFTP server (port=0: no DNS; no
# dhcp-range: no DHCP) on ADDR:69, serving the site's TFTP root; it logs every file it sends to
# $LAB_OUT/SITE/dnsmasq-tftp.log. A separate instance from the site's DHCP dnsmasq; ADDR must not be one
# tftpd-hpa holds (a site's own address).
lab_start_dnsmasq_tftp() {
	local s=$1 addr=$2 label=${3:-dnsmasq-tftp-$1} conf=$LAB_OUT/$1/dnsmasq-tftp.conf
	cat >"$conf" <<EOF
port=0
enable-tftp
tftp-root=$LAB_OUT/$s/tftp
listen-address=$addr
bind-interfaces
pid-file=$LAB_OUT/$s/dnsmasq-tftp.pid
log-facility=$LAB_OUT/$s/dnsmasq-tftp.log
EOF
	dnsmasq --test -C "$conf" >/dev/null 2>&1 || { dnsmasq --test -C "$conf"; lab_die "bad dnsmasq TFTP config for $s"; }
	lab_spawn "$label" "$s" "$LAB_OUT/$s/dnsmasq-tftp.stderr" dnsmasq -k -C "$conf"
	lab_wait 10 "dnsmasq TFTP in $s on $addr:69" sh -c "ip netns exec $(ns "$s") ss -Hlun 'sport = :69' | grep -qF '$addr:69'"
	lab_log "dnsmasq TFTP in $s on $addr:69 ($(dnsmasq --version | sed -n '1s/Dnsmasq version \([^ ]*\).*/\1/p'))"
}

# ---- nginx per site: TLS on the anycast and on the site's own addresses --------------------------------

lab_nginx_conf_site() {
	local s=$1 d=$LAB_OUT/$1
	cat <<EOF
daemon off;
master_process on;
worker_processes 1;
user nobody nogroup;
pid $d/nginx.pid;
error_log $d/nginx-error.log info;
events { worker_connections 64; }
http {
	# "combined", then the Range asked for, the address the client connected to, the request's duration
	log_format lab '\$remote_addr - \$remote_user [\$time_local] "\$request" \$status \$body_bytes_sent "\$http_referer" "\$http_user_agent" range="\$http_range" at=\$server_addr rt=\$request_time';
	access_log $d/nginx-access.log lab;
	client_body_temp_path $d/nginx-tmp/body;
	proxy_temp_path $d/nginx-tmp/proxy;
	fastcgi_temp_path $d/nginx-tmp/fastcgi;
	uwsgi_temp_path $d/nginx-tmp/uwsgi;
	scgi_temp_path $d/nginx-tmp/scgi;
	types { text/plain txt; application/efi efi; }
	default_type application/octet-stream;
	server {
		listen $LAB_ANYCAST4:443 ssl;
		listen [$LAB_ANYCAST6]:443 ssl;
		listen $(lab_site_own4 "$s"):443 ssl;
		listen [$(lab_site_own6 "$s")]:443 ssl;
		server_name boot.nearboot.test $s.nearboot.test;
		ssl_certificate $LAB_KEYS/tls/$s-ec.pem;
		ssl_certificate_key $LAB_KEYS/tls/$s-ec.key;
		ssl_certificate $LAB_KEYS/tls/$s-rsa.pem;
		ssl_certificate_key $LAB_KEYS/tls/$s-rsa.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $d/www;
	}
	server {
		listen $LAB_ANYCAST4:80;
		listen [$LAB_ANYCAST6]:80;
		listen $(lab_site_own4 "$s"):80;
		listen [$(lab_site_own6 "$s")]:80;
		server_name boot.nearboot.test $s.nearboot.test;
		root $d/www;
	}
}
EOF
}

lab_start_nginx() {
	local s=$1 d=$LAB_OUT/$1
	mkdir -p "$d/www" "$d/nginx-tmp"
	echo "$s" >"$d/www/site.txt"
	chmod -R a+rX "$d/www"
	nsx "$s" nginx -t -q -e "$d/nginx-error.log" -c "$d/nginx.conf" -p "$d" || lab_die "bad nginx config for $s"
	lab_spawn "nginx-$s" "$s" "$d/nginx.stderr" nginx -e "$d/nginx-error.log" -c "$d/nginx.conf" -p "$d"
}

# curl from the router: HTTPS NAME at ADDR must return the site name, verified against the lab root CA
lab_curl() {   # NAME ADDR [curl options...]
	local name=$1 addr=$2; shift 2
	nsx router curl -sS --max-time 5 --cacert "$LAB_KEYS/root-ca.pem" --resolve "$name:443:$addr" "$@" "https://$name/site.txt"
}

lab_sanity_https() {
	local s got first
	first=$(lab_first_site)
	for s in $LAB_SITES; do
		for addr in "$(lab_site_own4 "$s")" "$(lab_site_own6 "$s")"; do
			got=$(lab_curl "$s.nearboot.test" "$addr" --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256) || lab_die "HTTPS (ECDSA) to $s at $addr failed"
			[ "$got" = "$s" ] || lab_die "HTTPS to $s at $addr answered '$got'"
			got=$(lab_curl "$s.nearboot.test" "$addr" --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256) || lab_die "HTTPS (RSA) to $s at $addr failed"
			[ "$got" = "$s" ] || lab_die "HTTPS to $s at $addr answered '$got'"
		done
	done
	for addr in "$LAB_ANYCAST4" "$LAB_ANYCAST6"; do
		got=$(lab_curl boot.nearboot.test "$addr") || lab_die "HTTPS (TLS 1.3) to anycast $addr failed"
		[ "$got" = "$first" ] || lab_die "HTTPS to anycast $addr answered '$got', expected $first"
	done
	lab_log "HTTPS sanity ok (ECDSA+RSA certs on every site, anycast v4+v6 -> $first)"
}

lab_sanity_tftp() {
	local want got addr
	want=$(sha256sum <"$LAB_IMAGE" | cut -d' ' -f1)
	for addr in "$LAB_ANYCAST4" "[$LAB_ANYCAST6]"; do
		got=$(nsx router curl -sS --max-time 10 "tftp://$addr/nearboot.efi" | sha256sum | cut -d' ' -f1)
		[ "$got" = "$want" ] || lab_die "TFTP sanity fetch from $addr gave wrong bytes"
	done
	lab_log "TFTP sanity ok (anycast v4+v6 serve the image)"
}

# ---- bring-up ---------------------------------------------------------------------------------------

# the router-site link's addresses: the router's end is "${s}0", the site's "up0" (whether the veth pair
# is direct, as lab_up makes it, or runs through the link program's namespace, as lab_link_site makes it)
_lab_address_site_link() {
	local s=$1
	ip -n "$(ns router)" addr add "$(lab_site_link4 "$s" 1)/24" dev "${s}0"
	ip -n "$(ns router)" addr add "$(lab_site_link6 "$s" 1)/64" dev "${s}0" nodad
	ip -n "$(ns router)" link set "${s}0" up
	ip -n "$(ns "$s")" addr add "$(lab_site_link4 "$s" 2)/24" dev up0
	ip -n "$(ns "$s")" addr add "$(lab_site_link6 "$s" 2)/64" dev up0 nodad
	ip -n "$(ns "$s")" link set up0 up
}

lab_up() {
	local t0=$SECONDS s
	# the dev PKI (idempotent: creates only what is missing, e.g. certs for a site added to LAB_SITES)
	NEARBOOT_SITES="$LAB_SITES" "$LAB_REPO/keys/make-dev-pki.sh" "$LAB_KEYS" >>"$LAB_OUT/lab.log" 2>&1 ||
		lab_die "keys/make-dev-pki.sh failed (see $LAB_OUT/lab.log)"
	[ "${LAB_SECUREBOOT:-0}" = 1 ] && lab_secureboot_setup   # before TFTP: the served image is the signed one
	mkdir -p "$LAB_OUT/router" "$LAB_OUT/client" ${LAB_LAN_DHCP:+"$LAB_OUT/lan"}
	for s in $LAB_SITES; do mkdir -p "$LAB_OUT/$s"; done

	lab_topology
	lab_links_up   # nb-link on router-site links (LAB_LINK_<site>; a no-op without), before any daemon
	[ -z "${LAB_UP_HOOK:-}" ] || "$LAB_UP_HOOK"   # a scenario's own change to the topology, same moment

	lab_bird_conf_router >"$LAB_OUT/router/bird.conf"
	lab_start_bird router
	for s in $LAB_SITES; do
		lab_bird_conf_site "$s" >"$LAB_OUT/$s/bird.conf"
		lab_start_bird "$s"
	done
	for s in $LAB_SITES; do
		lab_start_site_dhcp "$s"
		lab_start_tftpd "$s"
		lab_nginx_conf_site "$s" >"$LAB_OUT/$s/nginx.conf"
		lab_start_nginx "$s"
	done
	lab_start_router_dnsmasq
	lab_start_lan_dhcp

	lab_wait_bfd_up
	lab_wait_route_via "$(lab_first_site)"
	for s in $LAB_SITES; do
		lab_wait 30 "$s has a route back to the client LAN" sh -c "ip -n $(ns "$s") route get $LAB_LAN4_GW | grep -q via && ip -n $(ns "$s") -6 route get $LAB_LAN6_GW | grep -q via"
	done
	lab_check_routes
	lab_sanity_tftp
	lab_sanity_https
	local l
	for l in $(awk '$1 ~ /^(dnsmasq|kea[46])-/ { print $1 }' "$LAB_PIDS"); do
		lab_alive "$l" || lab_die "$l died (see its log under $LAB_OUT)"
	done
	lab_log "lab up in $((SECONDS - t0))s"
}

# ---- booting and assertions -------------------------------------------------------------------------

# remember how far every node's log is, so assertions look only at this boot
_lab_mark_logs() {
	local d f
	for d in "$LAB_OUT"/router "$LAB_OUT"/lan $(for s in $LAB_SITES; do echo "$LAB_OUT/$s"; done); do
		[ -d "$d" ] || continue
		for f in "$d"/*.log; do
			[ -e "$f" ] || continue
			stat -c %s "$f" >"$f.mark" 2>/dev/null || echo 0 >"$f.mark"
		done
	done
}
# lab_log_since NODE FILE — the part of a node's log written since the boot began (a log that did not
# exist then counts from its start)
lab_log_since() {
	local off
	off=$(cat "$LAB_OUT/$1/$2.mark" 2>/dev/null || echo 0)
	tail -c +"$((off + 1))" "$LAB_OUT/$1/$2" 2>/dev/null
}
lab_node_log_since() { lab_log_since "$@"; }

# lab_start_capture [PCAP [LABEL [NODE IFACE]]] — tcpdump on the client's tap (default: $LAB_OUT/client.pcap,
# "tcpdump"), or on another node's interface (e.g. router sitea0: what one site sent and received).
# LABEL must start with "tcpdump" (lab_down ends those with SIGINT, so the pcap is complete).
lab_start_capture() {
	local pcap=${1:-$LAB_OUT/client.pcap} label=${2:-tcpdump} node=${3:-client} dev=${4:-tap0}
	local log=${pcap%.pcap}.tcpdump.log
	[ "$label" = tcpdump ] && log=$LAB_OUT/tcpdump.log
	: >"$log"
	# -B: a 16 MiB kernel buffer; the default 2 MiB dropped packets of back-to-back TFTP transfers while
	# TCG QEMU held both cores (scenario 55: 7 of 45702)
	lab_spawn "$label" "$node" "$log" \
		tcpdump -i "$dev" -n -s 0 -B 16384 -U --immediate-mode -Z root -w "$pcap"
	lab_wait 10 "tcpdump listening" grep -q 'listening on' "$log"
}
# lab_stop_capture [LABEL] — SIGINT (tcpdump flushes and closes the pcap)
lab_stop_capture() {
	local label=${1:-tcpdump}
	if grep -q "^$label " "$LAB_PIDS"; then lab_kill "$label" INT; fi
	return 0
}

# lab_boot [--tag NAME] [run-qemu.sh options] — boot the client and wait for the marker; fails the scenario
# if absent. With --tag, this boot's serial.log, qemu.log and client.pcap (its own capture, closed after the
# boot) go to $LAB_OUT/NAME; without, to $LAB_OUT with the capture kept running (as before). LAB_BOOT_DIR
# names the directory either way, LAB_BOOT_T0 the boot's start (epoch seconds).
lab_boot() {
	local tag='' dir=$LAB_OUT
	if [ "${1:-}" = --tag ]; then
		tag=$2; shift 2
		dir=$LAB_OUT/$tag
		mkdir -p "$dir"
	fi
	LAB_BOOT_DIR=$dir
	_lab_mark_logs
	if [ -n "$tag" ]; then
		lab_start_capture "$dir/client.pcap" "tcpdump-$tag"
	else
		lab_alive tcpdump || lab_start_capture
	fi
	local rc=0 t0=$SECONDS sb=()
	[ "${LAB_SECUREBOOT:-0}" = 1 ] && sb=(--secureboot "$LAB_SB_VARS")
	LAB_BOOT_T0=$(date +%s.%N)
	lab_log "booting QEMU${tag:+ ($tag)}: ${sb[*]} $*"
	# in the background + wait: a signal to this shell (timeout, Ctrl-C) then runs the cleanup trap at once
	# instead of after QEMU's boot; lab_down ends run-qemu.sh, which ends QEMU
	"$LAB_TESTS/run-qemu.sh" --netns "$(ns client)" --tap tap0 --mac "$LAB_CLIENT_MAC" --out "$dir" \
		--image "$LAB_IMAGE" --timeout "${LAB_BOOT_TIMEOUT:-240}" "${sb[@]}" "$@" 9>&- &
	local rq=$!
	echo "run-qemu $rq $(lab_pid_start "$rq" || echo 0)" | tee -a "$LAB_OUT/pids.all" >>"$LAB_PIDS"
	wait "$rq" || rc=$?
	awk -v p="$rq" '$2 != p' "$LAB_PIDS" >"$LAB_PIDS.tmp" && mv "$LAB_PIDS.tmp" "$LAB_PIDS"
	LAB_BOOT_SECS=$((SECONDS - t0))
	[ -n "$tag" ] && { sleep 0.3; lab_stop_capture "tcpdump-$tag"; }
	[ "$rc" = 0 ] || lab_die "boot failed (run-qemu.sh exit $rc); serial log: $dir/serial.log"
	lab_log "marker seen on serial (boot took ${LAB_BOOT_SECS}s)"
}

# the last boot's serial console, without carriage returns
lab_serial() { tr -d '\r' <"$LAB_BOOT_DIR/serial.log"; }
lab_serial_has() { lab_serial | lab_grep -E -- "$1"; }
# lab_assert_serial ERE WHAT — the console must show a line matching ERE; logs the first match
lab_assert_serial() {
	local line
	line=$(grep -E -m1 -- "$1" <<<"$(lab_serial)") || lab_die "serial console: no line for: $2 (want /$1/; $LAB_BOOT_DIR/serial.log)"
	lab_log "asserted ($2): ${line# }"
}
lab_assert_no_serial() {
	local line
	if line=$(grep -E -m1 -- "$1" <<<"$(lab_serial)"); then lab_die "serial console: $2: $line"; fi
	lab_log "asserted ($2): no /$1/ on the console"
}

# lab_pcap SUBCOMMAND [ARGS...] — qemu-tests/lib/dhcp-pcap.py (dump, retrans4, retrans6, ids, timing);
# closes the untagged capture first so the pcap is complete
lab_pcap() {
	[ "$LAB_BOOT_DIR" = "$LAB_OUT" ] && lab_stop_capture tcpdump
	python3 "$LAB_TESTS/lib/dhcp-pcap.py" "$@"
}
# lab_pcap_dump [DIR] — one line per DHCP/RA packet of a boot's capture, into DIR/dhcp.txt (echoes the path)
lab_pcap_dump() {
	local d=${1:-$LAB_BOOT_DIR}
	lab_pcap dump "$d/client.pcap" --mac "$LAB_CLIENT_MAC" >"$d/dhcp.txt" || lab_die "could not read $d/client.pcap"
	echo "$d/dhcp.txt"
}
# lab_assert_pcap FILE ERE WHAT — a line of a pcap dump must match
lab_assert_pcap() {
	local line
	line=$(grep -E -m1 -- "$2" "$1") || lab_die "capture: no packet for: $3 (want /$2/ in $1)"
	lab_log "asserted on the wire ($3): $line"
}
lab_assert_no_pcap() {
	local line
	if line=$(grep -E -m1 -- "$2" "$1"); then lab_die "capture: $3: $line"; fi
	lab_log "asserted on the wire ($3): no /$2/"
}
# lab_assert_log NODE FILE ERE WHAT — a node's log since the boot began must match
lab_assert_log() {
	local line
	line=$(grep -E -m1 -- "$3" <<<"$(lab_log_since "$1" "$2")") || lab_die "$1/$2: no line for: $4 (want /$3/)"
	lab_log "asserted in $1/$2 ($4): $(echo "$line" | cut -c1-220)"
}
lab_assert_no_log() {
	local line
	if line=$(grep -E -m1 -- "$3" <<<"$(lab_log_since "$1" "$2")"); then lab_die "$1/$2: $4: $line"; fi
	lab_log "asserted in $1/$2 ($4): no /$3/"
}

# lab_assert_served SITE v4|v6 [ipxe]
lab_assert_served() {
	local s=$1 fam=$2 how=${3:-} dl tl
	dl=$(lab_log_since "$s" dnsmasq.log)
	tl=$(lab_log_since "$s" tftpd.log)
	if [ "$fam" = v4 ]; then
		echo "$dl" | lab_grep "DHCPACK(up0) 198\.18\.1\.[0-9]* $LAB_CLIENT_MAC" ||
			lab_die "$s's DHCP log shows no DHCPv4 ACK for $LAB_CLIENT_MAC"
		echo "$tl" | lab_grep "RRQ from 198\.18\.1\.[0-9]* filename nearboot.efi" ||
			lab_die "$s's TFTP log shows no IPv4 RRQ for nearboot.efi"
	else
		echo "$dl" | lab_grep "DHCPREPLY(up0) fd00:b007:0:1::$(lab_site_index "$s"):1[0-9a-f][0-9a-f] " ||
			lab_die "$s's DHCP log shows no DHCPv6 REPLY from its pool"
		echo "$tl" | lab_grep "RRQ from fd00:b007:0:1:[0-9a-f:]* filename nearboot.efi" ||
			lab_die "$s's TFTP log shows no IPv6 RRQ for nearboot.efi"
	fi
	if [ "$how" = ipxe ]; then
		echo "$dl" | lab_grep "tags: .*ipxe" || lab_die "$s's DHCP log shows no request from iPXE (user class iPXE)"
	fi
	lab_log "asserted: $s served this boot ($fam${how:+, $how}): $(echo "$dl" | grep -E 'DHCP(ACK|REPLY)\(' | tail -n1 | sed 's/^.*dnsmasq-dhcp[^ ]* //')"
}

lab_assert_silent() {
	local s=$1
	if lab_log_since "$s" dnsmasq.log | lab_grep -E 'DHCP(ACK|REPLY|OFFER|ADVERTISE)\('; then
		lab_die "$s's DHCP log shows it answered this boot"
	fi
	if lab_log_since "$s" tftpd.log | lab_grep 'RRQ from'; then
		lab_die "$s's TFTP log shows it served this boot"
	fi
	lab_log "asserted: $s stayed silent"
}

# ---- DHCP assertions (issue 4's matrix: scenarios 10-21) ----------------------------------------------

# nearboot's DHCPv6 DUID (hex) as sent on the wire in a boot's capture dump (empty if it sent none)
lab_nb_duid() { sed -n 's/.* v6 who=nearboot .* duid=\([0-9a-f]*\) .*/\1/p' "${1:-$LAB_BOOT_DIR/dhcp.txt}" | sed -n 1p; }
lab_colon() { echo "$1" | sed 's/../&:/g; s/:$//'; }

# lab_assert_dnsmasq_nb NODE ERE WHAT — one of nearboot's DHCPv4 transactions (dnsmasq logs "user class:
# nearboot" under the transaction id) has a line matching ERE in NODE's dnsmasq log since the boot began
lab_assert_dnsmasq_nb() {
	local node=$1 re=$2 what=$3 log xid line
	log=$(lab_log_since "$node" dnsmasq.log)
	for xid in $(echo "$log" | sed -n 's/.*dnsmasq-dhcp\[[0-9]*\]: \([0-9]*\) user class: nearboot$/\1/p' | sort -u); do
		if line=$(grep -E -m1 -- "\]: $xid $re" <<<"$log"); then
			lab_log "asserted in $node/dnsmasq.log ($what): ${line#*]: }"
			return 0
		fi
	done
	lab_die "$node/dnsmasq.log: no nearboot transaction with /$re/ ($what)"
}

# lab_kea_nb_tids NODE — the DHCPv4 transaction ids Kea logged for nearboot (user class option 77 = nearboot)
lab_kea_nb_tids() {
	lab_log_since "$1" kea-dhcp4.log | awk '/DHCP4_QUERY_DATA/ { match($0, /tid=0x[0-9a-f]+/); t = substr($0, RSTART + 4, RLENGTH - 4) }
		/type=077, len=009: 08:6e:65:61:72:62:6f:6f:74/ && t != "" { print t }' | sort -u
}
# lab_assert_kea4_nb NODE ERE WHAT — a line of one of nearboot's transactions in NODE's kea-dhcp4 log
lab_assert_kea4_nb() {
	local node=$1 re=$2 what=$3 log tid line
	log=$(lab_log_since "$node" kea-dhcp4.log)
	for tid in $(lab_kea_nb_tids "$node"); do
		if line=$(grep -E -m1 -- "$re" <<<"$(grep -F "tid=$tid" <<<"$log")"); then
			lab_log "asserted in $node/kea-dhcp4.log ($what): $(echo "$line" | sed 's/^.*\] //' | cut -c1-200)"
			return 0
		fi
	done
	lab_die "$node/kea-dhcp4.log: no nearboot transaction with /$re/ ($what)"
}
# lab_assert_kea6_duid NODE DUID-HEX ERE WHAT — a kea-dhcp6 line for this DUID since the boot began
lab_assert_kea6_duid() {
	local line
	line=$(grep -E -m1 -- "$3" <<<"$(grep -F "duid=[$(lab_colon "$2")]" <<<"$(lab_log_since "$1" kea-dhcp6.log)")") ||
		lab_die "$1/kea-dhcp6.log: no line for DUID $2 with /$3/ ($4)"
	lab_log "asserted in $1/kea-dhcp6.log ($4): $(echo "$line" | sed 's/^.*\] //' | cut -c1-200)"
}
# lab_assert_no_dhcp NODE — the node's DHCP servers (dnsmasq or Kea) answered nothing since the boot began
lab_assert_no_dhcp() {
	local f
	for f in dnsmasq.log kea-dhcp4.log kea-dhcp6.log; do
		if lab_log_since "$1" "$f" | lab_grep -E 'DHCP(ACK|OFFER|REPLY|ADVERTISE)\(|DHCP[46]_PACKET_SEND'; then
			lab_die "$1/$f: it answered this boot"
		fi
	done
	lab_log "asserted: $1's DHCP servers answered nothing"
}

# lab_check_retrans4|6 [DIR] [MIN] — the RFC timing checks on a boot's capture, report kept in DIR
lab_check_retrans4() {
	local d=${1:-$LAB_BOOT_DIR}
	lab_pcap retrans4 "$d/client.pcap" --mac "$LAB_CLIENT_MAC" --min "${2:-2}" >"$d/retrans4.txt" || true
	sed 's/^/    /' "$d/retrans4.txt" >&2
	grep -q '^verdict ok' "$d/retrans4.txt" ||
		lab_die "DHCPv4 retransmissions outside RFC 2131 §4.1 ($d/retrans4.txt;$(sed -n 's/^ *client clock:/ client clock:/p' "$d/retrans4.txt"))"
	lab_log "asserted on the wire: nearboot's DISCOVER retransmissions within RFC 2131 (4 s, 8 s ... +-1 s)"
}
lab_check_retrans6() {
	local d=${1:-$LAB_BOOT_DIR}
	lab_pcap retrans6 "$d/client.pcap" --mac "$LAB_CLIENT_MAC" --min "${2:-3}" >"$d/retrans6.txt" || true
	sed 's/^/    /' "$d/retrans6.txt" >&2
	grep -q '^verdict ok' "$d/retrans6.txt" ||
		lab_die "DHCPv6 SOLICIT schedule outside RFC 8415 §15 ($d/retrans6.txt;$(sed -n 's/^ *\(client clock:\|by the client\)/ \1/p' "$d/retrans6.txt" | tr '\n' ';'))"
	lab_log "asserted on the wire: nearboot's SOLICIT schedule within RFC 8415 (first RT > IRT, 2RT +-10 %)"
}

# lab_background LABEL FUNCTION [ARGS...] — run a lab function (e.g. one that waits for a log line and then
# changes the lab) in a background subshell while the scenario goes on (e.g. into lab_boot); recorded like
# a daemon, so lab_down ends it. The subshell stays (idle, no child of its own) until then: daemons the
# function started are its children, and it reaps them when lab_down ends them (else they would be
# reparented to PID 1 and linger as zombies).
lab_background() {
	local label=$1; shift
	( "$@"
	  fifo=$LAB_RUNDIR/idle-$label
	  mkfifo "$fifo"
	  while :; do read -r -t 1 <>"$fifo" || true; done ) >>"$LAB_OUT/$label.log" 2>&1 9>&- &
	local pid=$!
	echo "$label $pid $(lab_pid_start "$pid" || echo 0)" | tee -a "$LAB_OUT/pids.all" >>"$LAB_PIDS"
	disown "$pid" 2>/dev/null || true
	lab_log "started $label (pid $pid, in the background)"
}

# lab_check NAME FUNCTION [ARGS...] — run a group of assertions in a subshell: a failure (lab_die) ends the
# group, is recorded, and the scenario goes on (e.g. to its next boot); lab_finish then fails the scenario
# naming every failed group. For scenarios whose parts are worth reporting separately.
LAB_FAILED=()
lab_check() {
	local name=$1; shift
	if ( "$@" ); then
		lab_log "check passed: $name"
	else
		lab_log "check FAILED: $name"
		LAB_FAILED+=("$name")
	fi
}
lab_finish() {
	[ ${#LAB_FAILED[@]} -eq 0 ] || lab_die "failed: $(printf '%s; ' "${LAB_FAILED[@]}")"
	lab_log "PASS"
}

# ---- impaired links and silent blackholes (issue 7's boot-policy scenarios 40-5x, bench-boot) ----------
#
#   LAB_LINK_<site>='k=v ...'   (set before lab_up; e.g. LAB_LINK_siteb='delay=20') nb-link (docs/link.md)
#                               between the router and that site, started with these settings both ways:
#                                 router SITE0 == r0 [ns link-SITE: nb-link if:r0 <-> if:s0] s0 == up0 SITE
#                               a2b = router -> site, b2a = site -> router. BGP and BFD run across it.
#   LAB_UP_HOOK=FUNCTION        lab_up calls it right after the topology (and the links), before any daemon
#   lab_link_site SITE 'k=v ...'   the same for one site, from such a hook
#   lab_link_set SITE a2b|b2a|both k=v...   change a link's settings at run time; lab_link_show SITE
#   lab_blackhole PREFIX...     the router drops every packet to or from PREFIX, silently: FIB rules with
#                               action blackhole (no ICMP error; the sender hears nothing, as with a dead
#                               path). Routing is untouched: BGP, BFD and the sites' other addresses keep
#                               working. Pass a site's own addresses (lab_site_own4/6) to cut one site only.
#                               Sets LAB_BLACKHOLE_T (epoch s) and logs it.
#   lab_unblackhole             remove every rule lab_blackhole added
#
# Why rules and not nb-link's blackhole for a site: cutting the whole router-site link also cuts BGP/BFD,
# so within 0.3 s the router withdraws the site's routes and answers the client with ICMP unreachable:
# a fast, loud failure, not the silent one the scenarios need.
: "${NB_LINK:=$LAB_REPO/build/host/nb-link}"

lab_links_up() {
	local s v
	for s in $LAB_SITES; do
		v="LAB_LINK_$s"
		[ -n "${!v:-}" ] && lab_link_site "$s" "${!v}"
	done
	return 0
}

lab_link_site() {
	local s=$1 settings=$2 l="link-$1" r
	r=$(ns router)
	[ -x "$NB_LINK" ] || lab_die "no nb-link at $NB_LINK (make -C qemu-tests/link BUILD=$LAB_REPO/build/host)"
	_lab_ns_add "$l"
	nsx "$l" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	# rebuild the site's link in two halves with the link namespace between them (a pure wire: no
	# addresses, no IPv6 stack)
	ip -n "$r" link del "${s}0"
	ip -n "$r" link add "${s}0" type veth peer name r0 netns "$(ns "$l")"
	ip -n "$(ns "$l")" link add s0 type veth peer name up0 netns "$(ns "$s")"
	nsx "$l" sysctl -qw net.ipv6.conf.r0.disable_ipv6=1 net.ipv6.conf.s0.disable_ipv6=1
	ip -n "$(ns "$l")" link set r0 up
	ip -n "$(ns "$l")" link set s0 up
	_lab_address_site_link "$s"
	rm -f "$LAB_RUNDIR/link-$s.pid"
	lab_spawn "nb-link-$s" "$l" "$LAB_OUT/$s/nb-link.log" "$NB_LINK" --a if:r0 --b if:s0 \
		--ctl "$LAB_RUNDIR/link-$s.sock" --pidfile "$LAB_RUNDIR/link-$s.pid" --seed 7 --both "$settings"
	lab_wait 10 "nb-link on the router-$s link" test -s "$LAB_RUNDIR/link-$s.pid"
	lab_log "nb-link between the router and $s: $settings"
}

lab_link_set() { local s=$1; shift; "$NB_LINK" ctl "$LAB_RUNDIR/link-$s.sock" set "$@" >/dev/null || lab_die "nb-link ctl set $* ($s) failed"; lab_log "link to $s: set $*"; }
lab_link_show() { "$NB_LINK" ctl "$LAB_RUNDIR/link-$1.sock" show; }

lab_blackhole() {
	local p fam pref
	for p in "$@"; do
		case $p in *:*) fam=-6 ;; *) fam=-4 ;; esac
		pref=$(( 100 + $(ip -n "$(ns router)" "$fam" rule show | awk -F: '$1 >= 100 && $1 < 200' | wc -l) ))
		ip -n "$(ns router)" "$fam" rule add pref "$pref" to "$p" blackhole || lab_die "ip rule to $p"
		ip -n "$(ns router)" "$fam" rule add pref "$((pref + 1))" from "$p" blackhole || lab_die "ip rule from $p"
	done
	LAB_BLACKHOLE_T=$(date +%s.%N)
	lab_log "blackholed (silently, in the router): $*"
}

lab_unblackhole() {
	local fam pref
	for fam in -4 -6; do
		for pref in $(ip -n "$(ns router)" "$fam" rule show | awk -F: '$1 >= 100 && $1 < 200 { print $1 }'); do
			ip -n "$(ns router)" "$fam" rule del pref "$pref"
		done
	done
	lab_log "blackholes removed"
}

# ---- Secure Boot (LAB_SECUREBOOT=1) ---------------------------------------------------------------------
#
#   LAB_SECUREBOOT=1   (before lab_init) every lab_boot runs OVMF's Secure Boot build (OVMF_CODE_4M.secboot.fd:
#                      q35 with SMM and a secure pflash, run-qemu.sh --secureboot) on a VARS image that holds
#                      the dev PKI's PK, KEK and db (build/keys/secureboot, enrolled offline by
#                      lib/ovmf-enroll.py into $LAB_SB_VARS): the firmware enforces, and runs only images
#                      Authenticode-signed by the db key. lab_up signs the image it serves with that key
#                      (after lab_configure_image: configure first, then sign, as an operator would); the
#                      unsigned image stays at $LAB_OUT/nearboot.unsigned.efi.
#   lab_sb_sign IN OUT     sbsign IN with the db key into OUT, checked with sbverify against the db cert
#   lab_serve_image FILE   every site's TFTP serves FILE as nearboot.efi from now on (e.g. the unsigned one)

LAB_SB_KEYS=$LAB_KEYS/secureboot

lab_sb_sign() {
	local in=$1 out=$2
	sbsign --key "$LAB_SB_KEYS/db.key" --cert "$LAB_SB_KEYS/db.pem" --output "$out.tmp" "$in" >>"$LAB_OUT/sbsign.log" 2>&1 ||
		lab_die "sbsign $in failed (see $LAB_OUT/sbsign.log)"
	sbverify --cert "$LAB_SB_KEYS/db.pem" "$out.tmp" >>"$LAB_OUT/sbsign.log" 2>&1 ||
		lab_die "sbverify does not accept the signed $in (see $LAB_OUT/sbsign.log)"
	mv "$out.tmp" "$out"
	lab_log "signed $(basename "$in") with the Secure Boot db key -> $out"
}

lab_secureboot_setup() {
	LAB_SB_VARS=$LAB_OUT/OVMF_VARS.secureboot.fd
	python3 "$LAB_TESTS/lib/ovmf-enroll.py" "$LAB_OVMF_VARS_EMPTY" "$LAB_SB_VARS" --pk "$LAB_SB_KEYS/pk.cer" \
		--kek "$LAB_SB_KEYS/kek.cer" --db "$LAB_SB_KEYS/db.cer" >>"$LAB_OUT/lab.log" 2>&1 ||
		lab_die "could not enroll the Secure Boot keys (see $LAB_OUT/lab.log)"
	cp "$LAB_IMAGE" "$LAB_OUT/nearboot.unsigned.efi"
	lab_sb_sign "$LAB_OUT/nearboot.unsigned.efi" "$LAB_IMAGE"
	lab_log "Secure Boot: PK/KEK/db of $LAB_SB_KEYS enrolled in $LAB_SB_VARS; the lab serves the signed nearboot.efi"
}

lab_serve_image() {
	local s
	for s in $LAB_SITES; do
		cp "$1" "$LAB_OUT/$s/tftp/nearboot.efi"
		chmod 644 "$LAB_OUT/$s/tftp/nearboot.efi"
	done
	lab_log "TFTP now serves $(basename "$1") as nearboot.efi (sha256 $(sha256sum <"$1" | cut -c1-16)...)"
}
