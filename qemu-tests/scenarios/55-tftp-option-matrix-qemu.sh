#!/usr/bin/env bash
# Scenario 55 — the TFTP option matrix inside the image under QEMU (the transfers issue: "TFTP from each server
# type with windowsize 1/4/16 and blksize 512/1468"). ONE boot fetches the same 1 MiB random file from each
# server type — tftpd-hpa (the lab's, on the anycast address: siteA is nearest), atftpd (on siteA's own
# address) and dnsmasq's TFTP server (a separate dnsmasq on siteB's own address) — asking windowsize 1/4/16 x
# blksize 512/1468 through probe-url's client-side fragment (tftp://ADDR/1m.bin#blksize=B,windowsize=W):
# 18 fetches, in that order. Asserted for every fetch:
#   - the sha256 the probe printed is the file's;
#   - the console's negotiated options are what the server grants: atftpd both; tftpd-hpa and dnsmasq the
#     blksize but no windowsize (they do not implement RFC 7440), i.e. lock-step;
#   - on the wire (flow-pcap.py tftp): the RRQ asked exactly blksize=B,tsize=0,timeout=1 plus windowsize=W
#     when W > 1 (windowsize 1 is lock-step: not asked); the OACK granted blksize B and windowsize W only
#     from atftpd; the whole file was ACKed; lock-step shows one ACK per block, windows fewer ACKs and bursts.
# Plus: a probe with an unknown option (tsize) is refused on the console and sends nothing; each server's
# log shows it served its 6 reads.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
lab_init 55-tftp-option-matrix-qemu
lab_up
hpa=$LAB_ANYCAST4
atf=$(lab_site_own4 sitea)
dnm=$(lab_site_own4 siteb)
lab_start_atftpd sitea "$atf"
lab_start_dnsmasq_tftp siteb "$dnm"
head -c $((1 << 20)) /dev/urandom >"$LAB_OUT/1m.bin"
for s in sitea siteb; do
	cp "$LAB_OUT/1m.bin" "$LAB_OUT/$s/tftp/1m.bin"
	chmod a+r "$LAB_OUT/$s/tftp/1m.bin"
done
h1=$(sha256sum <"$LAB_OUT/1m.bin" | cut -d' ' -f1)

# the matrix, one "server-name addr blksize windowsize" per fetch, in fetch order
matrix=()
for srv in "tftpd-hpa $hpa" "atftpd $atf" "dnsmasq $dnm"; do
	for ws in 1 4 16; do
		for bs in 512 1468; do matrix+=("$srv $bs $ws"); done
	done
done
bad_url="tftp://$atf/1m.bin#blksize=512,tsize=0"
urls=$bad_url
for m in "${matrix[@]}"; do
	set -- $m
	urls+=" tftp://$2/1m.bin#blksize=$3,windowsize=$4"
done
lab_boot --pxe4 --fwcfg "opt/org.nearboot/probe-url=$urls"
lab_stop_capture tcpdump

# what a server grants: atftpd the windowsize asked, the others none (lock-step)
granted_ws() { if [ "$1" = atftpd ]; then echo "$2"; else echo 1; fi; }

console_checks() {
	lab_assert_serial "error: probe: ${bad_url//./\\.}: TFTP options refused at \"tsize=0\".*NB_E_TFTP_BAD_OPTION" \
		"the unknown option is refused for that probe"
	# each probe's line with the transfer line before it: "<tftp line> ||| <probe line>"
	local pairs m pair n=0
	pairs=$(lab_serial | awk '/\] tftp: tftp:\/\// { t = $0 } /\] probe: tftp:\/\// { print t " ||| " $0; t = "" }')
	for m in "${matrix[@]}"; do
		set -- $m
		local a=${2//./\\.} u="tftp://${2//./\\.}/1m\.bin"
		pair=$(grep -E -- "probe: $u#blksize=$3,windowsize=$4: " <<<"$pairs") || lab_die "no probe line for $1 blksize $3 windowsize $4"
		grep -qE -- "probe: $u#blksize=$3,windowsize=$4: 1048576 bytes sha256 $h1 " <<<"$pair" ||
			lab_die "$1 blksize $3 windowsize $4: wrong size or sha256: ${pair#*||| }"
		grep -qE -- "tftp: $u from $a \(blksize $3, windowsize $(granted_ws "$1" "$4")\): 1048576 bytes" <<<"$pair" ||
			lab_die "$1 blksize $3 windowsize $4: not the negotiated options expected: ${pair% |||*}"
		n=$((n + 1))
	done
	lab_log "asserted on the console: $n fetches, each sha256 $h1, negotiated options as each server grants"
	lab_serial | grep -E '\] tftp: tftp://' | sed 's/^/    /' >&2
}

wire_checks() {
	local r i=0 m line get want drops
	drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$LAB_OUT/tcpdump.log")
	[ "${drops:-0}" = 0 ] || lab_die "the capture dropped $drops packets (tcpdump.log): the wire cannot be checked"
	r=$(python3 "$LAB_TESTS/lib/flow-pcap.py" tftp "$LAB_OUT/client.pcap" --file 1m.bin) || lab_die "no TFTP read of 1m.bin in the capture"
	[ "$(wc -l <<<"$r")" = "${#matrix[@]}" ] ||
		lab_die "$(wc -l <<<"$r") reads of 1m.bin in the capture, want ${#matrix[@]} (the refused probe sends none; no restarts)"
	for m in "${matrix[@]}"; do
		set -- $m
		i=$((i + 1))
		line=$(sed -n "${i}p" <<<"$r")
		get() { lab_kv "$1" "$line"; }
		want="blksize=$3,tsize=0,timeout=1"
		[ "$4" = 1 ] || want+=",windowsize=$4"
		[ "$(get server)" = "$2" ] || lab_die "read $i went to $(get server), want $2 ($1)"
		[ "$(get req)" = "$want" ] || lab_die "read $i ($1): the RRQ asked $(get req), want $want"
		[[ ,$(get oack), == *,blksize=$3,* ]] || lab_die "read $i ($1): the OACK did not grant blksize $3: $(get oack)"
		if [ "$(granted_ws "$1" "$4")" = 1 ]; then
			[[ ,$(get oack), != *,windowsize=* ]] || lab_die "read $i ($1): the OACK granted a windowsize: $(get oack)"
			[ "$(get acks)" -ge "$(get blocks)" ] || lab_die "read $i ($1): $(get acks) ACKs for $(get blocks) blocks: not lock-step"
		else
			[[ ,$(get oack), == *,windowsize=$4,* ]] || lab_die "read $i ($1): the OACK did not grant windowsize $4: $(get oack)"
			[ "$(get burst)" -ge "$4" ] || lab_die "read $i ($1): at most $(get burst) DATA blocks between ACKs, windowsize $4"
			[ $(($(get acks) * 2)) -lt "$(get blocks)" ] || lab_die "read $i ($1): $(get acks) ACKs for $(get blocks) blocks: not windowed"
		fi
		[ "$(get complete)" = 1 ] && [ "$(get bytes)" = 1048576 ] && [ "$(get err)" = - ] ||
			lab_die "read $i ($1): not the whole file ACKed to the end: $line"
		printf '    %-9s bs %-4s ws %-2s  req=%s oack=%s blocks=%s acks=%s burst=%s\n' "$1" "$3" "$4" \
			"$(get req)" "$(get oack)" "$(get blocks)" "$(get acks)" "$(get burst)" >&2
	done
	lab_log "asserted on the wire: ${#matrix[@]} reads, each RRQ asking exactly the options intended, OACKs as granted"
}

server_checks() {
	local n
	n=$(lab_log_since sitea tftpd.log | grep -cE "RRQ from 198\.18\.1\.[0-9]+ filename 1m\.bin") || true
	[ "$n" = 6 ] || lab_die "siteA's tftpd-hpa logged $n reads of 1m.bin, want 6"
	lab_assert_no_log siteb tftpd.log "filename 1m\.bin" "siteB's tftpd-hpa (not the nearest) served none"
	n=$(grep -c "Serving 1m\.bin to" "$LAB_OUT/sitea/atftpd.log") || true
	[ "$n" = 6 ] || lab_die "atftpd logged $n reads of 1m.bin, want 6"
	[ "$(grep -c 'windowsize option -> 4$' "$LAB_OUT/sitea/atftpd.log")" = 2 ] &&
		[ "$(grep -c 'windowsize option -> 16$' "$LAB_OUT/sitea/atftpd.log")" = 2 ] ||
		lab_die "atftpd did not acknowledge windowsize 4 and 16 twice each"
	n=$(grep -cE "sent .*/1m\.bin to 198\.18\.1\.[0-9]+" "$LAB_OUT/siteb/dnsmasq-tftp.log") || true
	[ "$n" = 6 ] || lab_die "dnsmasq logged $n files sent, want 6"
	lab_log "asserted in the servers' logs: tftpd-hpa, atftpd and dnsmasq served 6 reads each"
}

lab_check "console: sha256 and negotiated options of 18 fetches" console_checks
lab_check "wire: options asked and granted" wire_checks
lab_check "servers' logs" server_checks
lab_finish
