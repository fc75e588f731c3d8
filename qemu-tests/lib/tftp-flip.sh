# shellcheck shell=bash
# qemu-tests/lib/tftp-flip.sh — TFTP through an anycast route flip under QEMU (scenarios 08 over IPv4, 09 over
# IPv6). Source after lib/lab.sh, then: tflip_run 4|6 SCENARIO-NAME
#
# Both sites announce the anycast address over BGP and serve the same 1 MiB file with tftpd-hpa (lock-step);
# nb-link puts siteA 20 ms (RTT) from the router (set after lab_up, whose TFTP sanity fetch has a 10 s limit),
# so the transfer from siteA (the nearest by AS path) would take ~20 s. After the EDK2 PXE boot of that family,
# nearboot fetches tftp://ANYCAST/big.bin (probe-url). 3 s after siteA logged the request, siteA withdraws its
# anycast route of that family (birdc disable of its static announcement: a BGP withdraw; its daemons keep
# running). The client's next ACK reaches siteB, which has no session and answers with an ICMP port
# unreachable; nearboot must say that the session was lost, restart from block 1 against siteB within its
# bounded restarts (3), and deliver the file whole.
# Asserted from the console (the restart line, the transfer line, the sha256), both sites' tftpd logs (one
# request each), captures on the router's links to each site (siteA sent part of the first read and nothing
# of the restart; siteB served the whole restart, every block to the last ACK), and the client's capture
# (two reads from two ports, siteB's ICMP error in between).

tflip_run() {
	local fam=$1 name=$2
	TF_FAM=$fam
	if [ "$fam" = 4 ]; then
		TF_ANY=$LAB_ANYCAST4 TF_HOST=$LAB_ANYCAST4 TF_BLKSIZE=1468 TF_CLIENT_RE='198\.18\.1\.[0-9]*'
		TF_ICMP='type=3 code=3'   # port unreachable
	else
		TF_ANY=$LAB_ANYCAST6 TF_HOST="[$LAB_ANYCAST6]" TF_BLKSIZE=1448 TF_CLIENT_RE='fd00:b007:0:1:[0-9a-f:]*'
		TF_ICMP='type=1 code=4'   # ICMPv6 port unreachable
	fi
	TF_BLOCKS=$(( (1048576 + TF_BLKSIZE) / TF_BLKSIZE ))   # the last block is short (never empty here)
	TF_URL="tftp://$TF_HOST/big.bin"
	LAB_LINK_sitea='delay=0'
	lab_init "$name"
	lab_up
	lab_link_set sitea both delay=10ms   # 20 ms RTT between the router and siteA
	head -c $((1 << 20)) /dev/urandom >"$LAB_OUT/big.bin"
	local s
	for s in sitea siteb; do install -m 644 "$LAB_OUT/big.bin" "$LAB_OUT/$s/tftp/big.bin"; done
	TF_SHA=$(sha256sum <"$LAB_OUT/big.bin" | cut -d' ' -f1)
	for s in sitea siteb; do lab_start_capture "$LAB_OUT/router-$s.pcap" "tcpdump-$s" router "${s}0"; done
	lab_background withdraw tflip_withdraw_mid_transfer
	lab_boot "--pxe$fam" --fwcfg "opt/org.nearboot/probe-url=$TF_URL"
	for s in tcpdump tcpdump-sitea tcpdump-siteb; do lab_stop_capture "$s"; done
	[ -s "$LAB_OUT/withdrawn.t" ] || lab_die "siteA was never withdrawn (see $LAB_OUT/withdraw.log)"
	lab_check "console: lost session, bounded restart, sha256" tflip_console_checks
	lab_check "servers: one request at each site" tflip_server_checks
	lab_check "wire: siteA served the start, siteB the whole restart" tflip_wire_checks
	lab_finish
}

# in the background: once siteA logged the request, let the transfer run 3 s, then withdraw siteA's route
tflip_withdraw_mid_transfer() {
	lab_wait 200 "siteA's request for big.bin" grep -q "filename big\.bin" "$LAB_OUT/sitea/tftpd.log"
	sleep 3
	lab_birdc sitea disable "anycast$TF_FAM"
	date +%s.%N >"$LAB_OUT/withdrawn.t"
	lab_log "siteA withdrew its IPv$TF_FAM anycast route mid-transfer"
	lab_wait 10 "the router's IPv$TF_FAM anycast route via siteB" sh -c \
		"ip -n $(ns router) -$TF_FAM route get $TF_ANY | grep -q 'via $(lab_site_link"$TF_FAM" siteb 2) '"
	lab_log "the router's route to $TF_ANY now goes to siteB"
}

tflip_re() { sed 's/[.[\]/\\&/g' <<<"$1"; }   # a literal for an ERE

tflip_console_checks() {
	local n any url
	any=$(tflip_re "$TF_ANY") url=$(tflip_re "$TF_URL")
	lab_assert_serial "tftp: server at $any lost the session at block [1-9][0-9]* \(.*\); restarting \(1/3\)" \
		"nearboot says the session was lost and restarts (1 of at most 3)"
	n=$(lab_serial | grep -c "tftp: server at $any lost the session") || true
	[ "$n" -le 3 ] || lab_die "$n lost sessions: more than the 3 restarts allowed"
	lab_assert_no_serial "no restarts left" "the restarts stayed within the bound"
	lab_assert_serial "tftp: $url from $any \(blksize $TF_BLKSIZE, windowsize 1, restarted\): 1048576 bytes" \
		"the transfer line says it restarted"
	lab_assert_serial "probe: $url: 1048576 bytes sha256 $TF_SHA " "the file arrived whole (sha256)"
}

tflip_server_checks() {
	local s n
	for s in sitea siteb; do
		n=$(lab_log_since "$s" tftpd.log | grep -c "RRQ from $TF_CLIENT_RE filename big\.bin") || true
		[ "$n" = 1 ] || lab_die "$s's tftpd log shows $n IPv$TF_FAM requests for big.bin, want 1"
	done
	lab_log "asserted: siteA's and siteB's tftpd logs show one IPv$TF_FAM request for big.bin each"
}

# the reads of big.bin seen on the router's link to SITE (the router's side of the link is "the client")
tflip_site_reads() {
	local mac
	mac=$(ip -n "$(ns router)" -o link show "${1}0" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	python3 "$LAB_TESTS/lib/flow-pcap.py" tftp "$LAB_OUT/router-$1.pcap" --file big.bin --mac "$mac" || true
}

tflip_wire_checks() {
	local c ra rb c1 c2 icmp f=lab_kv
	c=$(python3 "$LAB_TESTS/lib/flow-pcap.py" tftp "$LAB_OUT/client.pcap" --file big.bin) || lab_die "no read of big.bin in the client's capture"
	ra=$(tflip_site_reads sitea) rb=$(tflip_site_reads siteb)
	{ echo "client:"; echo "$c"; echo "router-siteA link:"; echo "$ra"; echo "router-siteB link:"; echo "$rb"; } | sed 's/^/    /' >&2
	[ "$(echo "$c" | wc -l)" = 2 ] || lab_die "the client made $(echo "$c" | wc -l) reads of big.bin, want 2 (the start and one restart)"
	c1=$(sed -n 1p <<<"$c") c2=$(sed -n 2p <<<"$c")
	[ "$($f cport "$c1")" != "$($f cport "$c2")" ] || lab_die "the restart did not use a fresh port"
	[ "$(echo "$ra" | grep -c .)" = 1 ] || lab_die "siteA's link carried $(echo "$ra" | grep -c .) reads of big.bin, want only the first"
	[ "$($f cport "$ra")" = "$($f cport "$c1")" ] || lab_die "the read siteA saw is not the client's first"
	[ "$($f complete "$ra")" = 0 ] && [ "$($f blocks "$ra")" -ge 1 ] && [ "$($f blocks "$ra")" -lt "$TF_BLOCKS" ] ||
		lab_die "siteA did not serve a part of the file: $ra"
	lab_log "asserted on the wire: siteA served the start ($($f blocks "$ra") of $TF_BLOCKS blocks to port $($f cport "$ra")) and none of the restart"
	[ "$(echo "$rb" | grep -c .)" = 1 ] || lab_die "siteB's link carried $(echo "$rb" | grep -c .) reads of big.bin, want only the restart"
	[ "$($f cport "$rb")" = "$($f cport "$c2")" ] || lab_die "the read siteB saw is not the client's restart"
	[ "$($f complete "$rb")" = 1 ] && [ "$($f blocks "$rb")" = "$TF_BLOCKS" ] && [ "$($f bytes "$rb")" = 1048576 ] ||
		lab_die "siteB did not serve the whole restart: $rb"
	lab_log "asserted on the wire: siteB served the whole restart ($TF_BLOCKS blocks, 1048576 bytes, last block ACKed, port $($f cport "$rb"))"
	icmp=$(python3 "$LAB_TESTS/lib/flow-pcap.py" icmp "$LAB_OUT/client.pcap" | grep -F " src=$TF_ANY " | grep -F " $TF_ICMP" |
		awk -v a="$($f ts "$c1")" -v b="$($f ts "$c2")" '{ split($1, t, "="); if (t[2] > a && t[2] < b) print }') || true
	[ -n "$icmp" ] || lab_die "no ICMP port unreachable from $TF_ANY between the two reads"
	lab_log "asserted on the wire: siteB answered the lost session with ICMP port unreachable: $(sed -n 1p <<<"$icmp")"
	lab_log "withdrawal at $(cut -c1-17 "$LAB_OUT/withdrawn.t"); restart RRQ $(awk -v a="$(cat "$LAB_OUT/withdrawn.t")" -v b="$($f ts "$c2")" 'BEGIN { printf "%.2f", b - a }') s later; restart done in $(awk -v a="$($f ts "$c2")" -v b="$($f last "$c2")" 'BEGIN { printf "%.2f", b - a }') s"
}
