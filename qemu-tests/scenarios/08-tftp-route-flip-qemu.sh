#!/usr/bin/env bash
# Scenario 8 — TFTP through an anycast route flip under QEMU. Both sites announce the anycast address over
# BGP and serve the same 1 MiB file with tftpd-hpa (lock-step); nb-link puts siteA 20 ms (RTT) from the
# router, so the transfer from siteA (the nearest by AS path) would take ~20 s. After the EDK2 PXE boot, nearboot
# fetches tftp://198.18.255.69/big.bin (probe-url). 3 s after siteA logged the request, siteA withdraws its
# anycast route (birdc disable of its static announcement: a BGP withdraw; its daemons keep running). The
# client's next ACK reaches siteB, which has no session and answers with an ICMP port unreachable; nearboot
# must say that the session was lost, restart from block 1 against siteB within its bounded restarts (3),
# and deliver the file whole.
# Asserted from the console (the restart line, the transfer line, the sha256), both sites' tftpd logs (one
# request each), captures on the router's links to each site (siteA sent part of the first read and nothing
# of the restart; siteB served the whole restart, every block to the last ACK), and the client's capture
# (two reads from two ports, siteB's ICMP error in between).
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
LAB_LINK_sitea='delay=0'   # the delay comes after lab_up (its TFTP sanity fetch has a 10 s limit)
lab_init 08-tftp-route-flip-qemu
lab_up
lab_link_set sitea both delay=10ms   # 20 ms RTT between the router and siteA
any=$LAB_ANYCAST4
head -c $((1 << 20)) /dev/urandom >"$LAB_OUT/big.bin"
for s in sitea siteb; do install -m 644 "$LAB_OUT/big.bin" "$LAB_OUT/$s/tftp/big.bin"; done
h=$(sha256sum <"$LAB_OUT/big.bin" | cut -d' ' -f1)
for s in sitea siteb; do lab_start_capture "$LAB_OUT/router-$s.pcap" "tcpdump-$s" router "${s}0"; done

# in the background: once siteA logged the request, let the transfer run 3 s, then withdraw siteA's route
withdraw_mid_transfer() {
	lab_wait 200 "siteA's request for big.bin" grep -q "filename big\.bin" "$LAB_OUT/sitea/tftpd.log"
	sleep 3
	lab_birdc sitea disable anycast4
	date +%s.%N >"$LAB_OUT/withdrawn.t"
	lab_log "siteA withdrew its anycast route mid-transfer"
	lab_wait 10 "the router's IPv4 anycast route via siteB" sh -c \
		"ip -n $(ns router) route get $any | grep -q 'via $(lab_site_link4 siteb 2) '"
	lab_log "the router's route to $any now goes to siteB"
}
lab_background withdraw withdraw_mid_transfer
lab_boot --pxe4 --fwcfg "opt/org.nearboot/probe-url=tftp://$any/big.bin"
for s in tcpdump tcpdump-sitea tcpdump-siteb; do lab_stop_capture "$s"; done
[ -s "$LAB_OUT/withdrawn.t" ] || lab_die "siteA was never withdrawn (see $LAB_OUT/withdraw.log)"
e_any=${any//./\\.}

console_checks() {
	local n
	lab_assert_serial "tftp: server at $e_any lost the session at block [1-9][0-9]* \(.*\); restarting \(1/3\)" \
		"nearboot says the session was lost and restarts (1 of at most 3)"
	n=$(lab_serial | grep -c "tftp: server at $e_any lost the session") || true
	[ "$n" -le 3 ] || lab_die "$n lost sessions: more than the 3 restarts allowed"
	lab_assert_no_serial "no restarts left" "the restarts stayed within the bound"
	lab_assert_serial "tftp: tftp://$e_any/big\.bin from $e_any \(blksize 1468, windowsize 1, restarted\): 1048576 bytes" \
		"the transfer line says it restarted"
	lab_assert_serial "probe: tftp://$e_any/big\.bin: 1048576 bytes sha256 $h " "the file arrived whole (sha256)"
}
server_checks() {
	local s n
	for s in sitea siteb; do
		n=$(lab_log_since "$s" tftpd.log | grep -c "RRQ from 198\.18\.1\.[0-9]* filename big\.bin") || true
		[ "$n" = 1 ] || lab_die "$s's tftpd log shows $n requests for big.bin, want 1"
	done
	lab_log "asserted: siteA's and siteB's tftpd logs show one request for big.bin each"
}
# the reads of big.bin seen on the router's link to SITE (the router's side of the link is "the client")
site_reads() {
	local mac
	mac=$(ip -n "$(ns router)" -o link show "${1}0" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	python3 "$LAB_TESTS/lib/flow-pcap.py" tftp "$LAB_OUT/router-$1.pcap" --file big.bin --mac "$mac" || true
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
wire_checks() {
	local c ra rb c1 c2
	c=$(python3 "$LAB_TESTS/lib/flow-pcap.py" tftp "$LAB_OUT/client.pcap" --file big.bin) || lab_die "no read of big.bin in the client's capture"
	ra=$(site_reads sitea) rb=$(site_reads siteb)
	{ echo "client:"; echo "$c"; echo "router-siteA link:"; echo "$ra"; echo "router-siteB link:"; echo "$rb"; } | sed 's/^/    /' >&2
	[ "$(echo "$c" | wc -l)" = 2 ] || lab_die "the client made $(echo "$c" | wc -l) reads of big.bin, want 2 (the start and one restart)"
	c1=$(sed -n 1p <<<"$c") c2=$(sed -n 2p <<<"$c")
	[ "$(field cport "$c1")" != "$(field cport "$c2")" ] || lab_die "the restart did not use a fresh port"
	[ "$(echo "$ra" | grep -c .)" = 1 ] || lab_die "siteA's link carried $(echo "$ra" | grep -c .) reads of big.bin, want only the first"
	[ "$(field cport "$ra")" = "$(field cport "$c1")" ] || lab_die "the read siteA saw is not the client's first"
	[ "$(field complete "$ra")" = 0 ] && [ "$(field blocks "$ra")" -ge 1 ] && [ "$(field blocks "$ra")" -lt 715 ] ||
		lab_die "siteA did not serve a part of the file: $ra"
	lab_log "asserted on the wire: siteA served the start ($(field blocks "$ra") of 715 blocks to port $(field cport "$ra")) and none of the restart"
	[ "$(echo "$rb" | grep -c .)" = 1 ] || lab_die "siteB's link carried $(echo "$rb" | grep -c .) reads of big.bin, want only the restart"
	[ "$(field cport "$rb")" = "$(field cport "$c2")" ] || lab_die "the read siteB saw is not the client's restart"
	[ "$(field complete "$rb")" = 1 ] && [ "$(field blocks "$rb")" = 715 ] && [ "$(field bytes "$rb")" = 1048576 ] ||
		lab_die "siteB did not serve the whole restart: $rb"
	lab_log "asserted on the wire: siteB served the whole restart (715 blocks, 1048576 bytes, last block ACKed, port $(field cport "$rb"))"
	local icmp
	icmp=$(python3 "$LAB_TESTS/lib/flow-pcap.py" icmp "$LAB_OUT/client.pcap" | awk -v a="$(field ts "$c1")" -v b="$(field ts "$c2")" \
		'{ split($1, t, "="); if (t[2] > a && t[2] < b && $3 == "src='"$any"'" && $6 == "code=3") print }')
	[ -n "$icmp" ] || lab_die "no ICMP port unreachable from $any between the two reads"
	lab_log "asserted on the wire: siteB answered the lost session with ICMP port unreachable: $(sed -n 1p <<<"$icmp")"
	lab_log "withdrawal at $(cut -c1-17 "$LAB_OUT/withdrawn.t"); restart RRQ $(awk -v a="$(cat "$LAB_OUT/withdrawn.t")" -v b="$(field ts "$c2")" 'BEGIN { printf "%.2f", b - a }') s later; restart done in $(awk -v a="$(field ts "$c2")" -v b="$(field last "$c2")" 'BEGIN { printf "%.2f", b - a }') s"
}
lab_check "console: lost session, bounded restart, sha256" console_checks
lab_check "servers: one request at each site" server_checks
lab_check "wire: siteA served the start, siteB the whole restart" wire_checks
lab_finish
