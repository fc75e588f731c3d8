#!/usr/bin/env bash
# demo.sh [run-qemu.sh options] — bring up the lab, PXE-boot the image (default: EDK2 PXE over IPv4) with
# the serial console shown live on this terminal, say which site served it, tear everything down.
#   NEARBOOT_EFI   image (default build/x86_64-efi/nearboot.efi)
#   examples: qemu-tests/demo.sh            qemu-tests/demo.sh --pxe6        qemu-tests/demo.sh --ipxe
#             qemu-tests/demo.sh --no-poweroff   (the image returns to the firmware; QEMU ends at the marker)
set -euo pipefail
. "$(dirname "$0")/lib/lab.sh"
[ $# -gt 0 ] || set -- --pxe4
lab_init demo
lab_up
lab_log "lab is up; booting QEMU (serial console follows)"
echo "------------------------------------------------------------------------ serial (COM1)" >&2
lab_boot --live "$@"
echo "------------------------------------------------------------------------" >&2
for s in $LAB_SITES; do
	if lab_log_since "$s" tftpd.log | lab_grep 'RRQ from'; then
		lab_log "served by $s: $(lab_log_since "$s" dnsmasq.log | grep -E 'DHCP(ACK|REPLY)\(' | tail -n1 | sed 's/^.*dnsmasq-dhcp[^ ]* //')"
		lab_log "          $(lab_log_since "$s" tftpd.log | grep 'RRQ from' | tail -n1 | sed 's/^.*in\.tftpd[^ ]* //')"
	fi
done
lab_log "logs, pcap and serial: $LAB_OUT"
