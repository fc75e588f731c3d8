#!/usr/bin/env bash
# Scenario 7 — RFC 7440 windowsize inside the image under QEMU, through a real delay. nb-link puts siteA 10 ms
# (RTT) from the router; atftpd (the server that implements windowsize) runs at siteA on its own address next
# to the lab's tftpd-hpa. After the EDK2 PXE boot, nearboot fetches a 1 MiB file from atftpd over tftp://
# (probe-url) with its defaults: blksize 1468 (the largest that fits the path MTU), windowsize 16.
# Asserted: the digest of what arrived; the OACK on the wire (blksize 1468, windowsize 16) and in atftpd's
# log; the client ACKed in windows (bursts of 16 DATA blocks, about one ACK per 16 blocks); the delay is
# real (the first DATA comes at least two RTTs after the RRQ); and, as a generous band only, the transfer
# beats what lock-step could ever do over this link (blocks x RTT = 7.2 s), so windowing paid off.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
LAB_LINK_sitea='delay=0'   # the delay comes after lab_up (its TFTP sanity fetch has a 10 s limit)
lab_init 07-tftp-windowsize-qemu
lab_up
lab_link_set sitea both delay=5ms   # 10 ms RTT between the router and siteA
a=$(lab_site_own4 sitea)
lab_start_atftpd sitea "$a"
head -c $((1 << 20)) /dev/urandom >"$LAB_OUT/sitea/tftp/1m.bin"
chmod a+r "$LAB_OUT/sitea/tftp/1m.bin"
h1=$(sha256sum <"$LAB_OUT/sitea/tftp/1m.bin" | cut -d' ' -f1)
lab_boot --pxe4 --fwcfg "opt/org.nearboot/probe-url=tftp://$a/1m.bin"
lab_stop_capture tcpdump

console_checks() {
	lab_assert_serial "probe: tftp://${a//./\\.}/1m\.bin: 1048576 bytes sha256 $h1 " "the 1 MiB file arrived whole (sha256)"
	lab_assert_serial "tftp: tftp://${a//./\\.}/1m\.bin from ${a//./\\.} \(blksize 1468, windowsize 16\): 1048576 bytes" \
		"nearboot negotiated blksize 1468 and windowsize 16"
}
server_checks() {
	lab_assert_log sitea atftpd.log "1m\.bin" "atftpd served the file"
	lab_assert_log sitea atftpd.log "windowsize option -> 16$" "atftpd acknowledged windowsize 16"
	lab_assert_log sitea atftpd.log "blksize option -> 1468$" "atftpd acknowledged blksize 1468"
	lab_assert_no_log sitea tftpd.log "filename 1m\.bin" "tftpd-hpa (no windowsize) did not serve it"
}
wire_checks() {
	local r
	r=$(python3 "$LAB_TESTS/lib/flow-pcap.py" tftp "$LAB_OUT/client.pcap" --file 1m.bin) || lab_die "no TFTP read of 1m.bin in the capture"
	echo "$r" | sed 's/^/    /' >&2
	[ "$(echo "$r" | wc -l)" = 1 ] || lab_die "more than one read of 1m.bin (restarted?)"
	get() { lab_kv "$1" "$r"; }
	[[ ,$(get oack), == *,blksize=1468,* ]] || lab_die "the OACK did not grant blksize 1468: $(get oack)"
	[[ ,$(get oack), == *,windowsize=16,* ]] || lab_die "the OACK did not grant windowsize 16: $(get oack)"
	[ "$(get complete)" = 1 ] && [ "$(get blocks)" = 715 ] && [ "$(get bytes)" = 1048576 ] ||
		lab_die "the capture does not show all 715 blocks (1048576 bytes) ACKed to the end"
	lab_log "asserted on the wire: OACK $(get oack); 715 blocks, 1048576 bytes, last block ACKed"
	[ "$(get burst)" -ge 16 ] || lab_die "at most $(get burst) DATA blocks between two ACKs: not windowed"
	[ "$(get acks)" -le 100 ] || lab_die "$(get acks) ACKs for 715 blocks: about one per block, not per window of 16"
	lab_log "asserted on the wire: bursts of $(get burst) blocks, $(get acks) ACKs for 715 blocks"
	# the link's delay is on this path: RRQ -> OACK -> ACK 0 -> DATA 1 is two round trips
	awk -v a="$(get ts)" -v b="$(get first_data)" 'BEGIN { exit !(b - a >= 0.019) }' ||
		lab_die "first DATA $(awk -v a="$(get ts)" -v b="$(get first_data)" 'BEGIN { printf "%.1f", (b - a) * 1000 }') ms after the RRQ: the 10 ms RTT is missing"
	lab_log "asserted on the wire: the OACK $(get reply_ms) ms after the RRQ (the 10 ms RTT is on the path)"
	local secs
	secs=$(awk -v a="$(get ts)" -v b="$(get last)" 'BEGIN { printf "%.3f", b - a }')
	awk -v s="$secs" 'BEGIN { exit !(s < 7.15) }' || lab_die "the transfer took $secs s: no faster than lock-step (715 x 10 ms)"
	lab_log "asserted (generous band): RRQ to last ACK in $secs s < 7.15 s, lock-step's floor at 10 ms RTT"
}
lab_check "console: sha256 and negotiated options" console_checks
lab_check "atftpd: windowsize 16, blksize 1468" server_checks
lab_check "wire: OACK, windows, delay, band" wire_checks
lab_finish
