#!/usr/bin/env bash
# bench-transfer-qemu.sh — TFTP under QEMU against the UEFI-firmware peers (the transfers issue; part of
# make bench-transfer): in one lab run, with nb-link putting siteA BENCH_RTT ms (default 40) from the router,
# the time to move 1 MiB over TFTP from siteA for
#   OVMF      its own PXE TFTP downloading a 1 MiB NBP (boot file), from tftpd-hpa (no windowsize: lock-step)
#             and from atftpd (which grants OVMF's windowsize 4)
#   iPXE      Debian's iPXE (ipxe-qemu's efi-virtio.rom as the NIC's option ROM, as in scenario 04): its DHCP
#             boot file, i.e. tftp://198.18.255.69/nearboot.efi, the same 1 MiB, from tftpd-hpa
#   nearboot  the image fetching a 1 MiB file via tftp:// (probe-url, as in scenario 06) with its defaults
#             (blksize 1468, windowsize 16): lock-step from tftpd-hpa, windowsize 16 from atftpd
# The NBP is nearboot.efi padded to 1 MiB (a PE loader ignores bytes after the last section), so every boot
# downloads 1 MiB in the firmware and then runs nearboot: one boot per server measures both firmware and
# nearboot over the same link. Every figure comes from the capture on the client's link: the first RRQ for
# the file to the last packet of the last complete read (OVMF's size probe and any restart included); the
# ratios are the peer's seconds over nearboot's. nearboot's transfer is checked by its sha256, the firmware
# peers' by the capture (every byte of 1 MiB ACKed to the end) and by the NBP running.
#
#   qemu-tests/bench/bench-transfer-qemu.sh     (root; the lab lock; make bench-transfer-qemu)
#   BENCH_RTT=40   round-trip time added between the router and siteA (half each way)
#   BENCH_IPXE=0   skip iPXE
# Output: the table on stdout and in build/qemu-tests/bench-transfer-qemu/table.txt; each boot's serial log
# and capture under build/qemu-tests/bench-transfer-qemu/<case>/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests=$(cd "$here/.." && pwd)
repo=$(cd "$tests/.." && pwd)
export NEARBOOT_EFI=${NEARBOOT_EFI:-$repo/build/x86_64-efi/nearboot.efi}
BENCH_RTT=${BENCH_RTT:-40}
BENCH_IPXE=${BENCH_IPXE:-1}
[ "$(id -u)" = 0 ] || { echo "bench-transfer-qemu: needs root (the lab's network namespaces)" >&2; exit 2; }

. "$tests/lib/lab.sh"
half=$(awk -v r="$BENCH_RTT" 'BEGIN { printf "%gms", r / 2 }')
LAB_LINK_sitea='delay=0'   # the delay comes after lab_up (its TFTP sanity fetch has a 10 s limit)
: "${LAB_BOOT_TIMEOUT:=480}"   # lock-step at 40 ms RTT: ~30 s in the firmware and ~30 s in nearboot
lab_init bench-transfer-qemu
lab_up
lab_link_set sitea both delay="$half"
any=$LAB_ANYCAST4
root=$LAB_OUT/sitea/tftp
truncate -s 1M "$root/nearboot.efi"
head -c $((1 << 20)) /dev/urandom >"$root/1m.bin"
chmod 644 "$root/nearboot.efi" "$root/1m.bin"
want=$(sha256sum <"$root/1m.bin" | cut -d' ' -f1)
table=$LAB_OUT/table.txt
rows=$LAB_OUT/rows.txt
: >"$rows"
status=0

# measure CASE CLIENT SERVER FILE — one row from the case's capture: seconds, what was asked and granted
measure() {
	local tag=$1 client=$2 server=$3 file=$4 pcap=$LAB_OUT/$1/client.pcap span reads last secs
	span=$(python3 "$tests/lib/flow-pcap.py" tftp-span "$pcap" --file "$file") || span=''
	reads=$(python3 "$tests/lib/flow-pcap.py" tftp "$pcap" --file "$file") || reads=''
	last=$(grep ' complete=1 ' <<<"$reads" | tail -n1) || true
	secs=$(lab_kv secs "$span")
	if [ -z "$span" ] || [ "$(lab_kv bytes "$last")" != 1048576 ]; then
		lab_log "$tag: no complete 1 MiB read of $file by $client in $pcap"
		secs=FAILED status=1
	fi
	echo "$client $server $secs $(lab_kv req "$last") $(lab_kv oack "$last") $(lab_kv reads "$span") $(lab_kv reply_ms "$last")" >>"$rows"
	lab_log "$tag: $client from $server: $secs s ($(grep -c . <<<"$reads") reads; last: $last)"
}
# nearboot's own result line must carry the right digest
check_nearboot() {
	lab_serial_has "probe: tftp://${any//./\\.}/1m\.bin: 1048576 bytes sha256 $want " ||
		{ lab_log "$1: FAILED: nearboot's sha256 of 1m.bin missing or wrong"; status=1; }
	lab_log "$1: nearboot says: $(lab_serial | grep -E "tftp: tftp://.*/1m\.bin from" | sed 's/^\[[ 0-9.]*\] //')"
}

if [ "$BENCH_IPXE" = 1 ]; then
	lab_boot --tag ipxe --ipxe --pxe4
	measure ipxe iPXE tftpd-hpa nearboot.efi
fi
lab_boot --tag hpa --pxe4 --fwcfg "opt/org.nearboot/probe-url=tftp://$any/1m.bin"
measure hpa OVMF tftpd-hpa nearboot.efi
measure hpa nearboot tftpd-hpa 1m.bin
check_nearboot hpa
lab_kill tftpd4-sitea
lab_start_atftpd sitea "$any"
lab_boot --tag atftpd --pxe4 --fwcfg "opt/org.nearboot/probe-url=tftp://$any/1m.bin"
measure atftpd OVMF atftpd nearboot.efi
measure atftpd nearboot atftpd 1m.bin
check_nearboot atftpd

secs_of() { awk -v c="$1" -v s="$2" '$1 == c && $2 == s { print $3 }' "$rows"; }
ratio() {   # PEER-SECS NEARBOOT-SECS
	awk -v p="$1" -v n="$2" 'BEGIN { if (p + 0 > 0 && n + 0 > 0) printf "%.2fx", p / n; else print "n/a" }'
}
{
	echo "bench-transfer-qemu: 1 MiB over TFTP from siteA at $BENCH_RTT ms RTT (nb-link delay=$half each way), QEMU TCG + OVMF"
	printf '%-9s %-10s %8s  %-6s %-10s %-45s %s\n' client server seconds reads rtt_ms asked granted
	while read -r c s secs req oack nreads rtt; do
		printf '%-9s %-10s %8s  %-6s %-10s %-45s %s\n' "$c" "$s" "$secs" "$nreads" "$rtt" "$req" "$oack"
	done <"$rows"
	nb_w=$(secs_of nearboot atftpd) nb_l=$(secs_of nearboot tftpd-hpa)
	echo "nearboot windowsize 16 (atftpd) is $(ratio "$(secs_of OVMF atftpd)" "$nb_w") faster than OVMF windowsize 4 (atftpd)," \
		"$(ratio "$(secs_of OVMF tftpd-hpa)" "$nb_w") OVMF lock-step (tftpd-hpa)$([ "$BENCH_IPXE" = 1 ] && echo ", $(ratio "$(secs_of iPXE tftpd-hpa)" "$nb_w") iPXE (tftpd-hpa)")"
	echo "nearboot lock-step (tftpd-hpa) against the same server: $(ratio "$(secs_of OVMF tftpd-hpa)" "$nb_l") OVMF$([ "$BENCH_IPXE" = 1 ] && echo ", $(ratio "$(secs_of iPXE tftpd-hpa)" "$nb_l") iPXE")"
	echo "(ratio = the peer's seconds / nearboot's; rtt_ms = RRQ to the server's first answer in the capture)"
} | tee "$table"
[ "$status" = 0 ] || echo "bench-transfer-qemu: some transfers FAILED (see $LAB_OUT/lab.log)"
exit "$status"
