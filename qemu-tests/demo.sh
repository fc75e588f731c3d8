#!/usr/bin/env bash
# demo.sh [run-qemu.sh options] — the whole product in one run, console shown live:
#   the lab comes up (two anycast sites behind BGP, DHCP relay, TFTP, HTTPS); EDK2 PXE loads nearboot from
#   the anycast TFTP address; nearboot does DHCPv4/v6, races the sites, fetches the signed release (a Linux
#   UKI) over HTTPS from the nearest, verifies it and chain-loads it; Linux prints the hand-off record.
#   Then a timing summary and an SVG waterfall of the boot (build/boot-waterfall.svg); everything is torn down.
#   NEARBOOT_EFI   image (default build/x86_64-efi/nearboot.efi)
#   NB_DEMO_STAGE2=hello   use the tiny EFI second stage instead of the Linux UKI
#   examples: qemu-tests/demo.sh        qemu-tests/demo.sh --pxe6        qemu-tests/demo.sh --ipxe
set -euo pipefail
. "$(dirname "$0")/lib/lab.sh"
. "$(dirname "$0")/lib/release.sh"
[ $# -gt 0 ] || set -- --pxe4
stage2=${NB_DEMO_STAGE2:-linux}
if [ "$stage2" = linux ]; then
	entry=$LAB_REPO/build/stage2/linux/nearboot-linux.efi
	[ -s "$entry" ] || make -C "$LAB_REPO" --no-print-directory stage2-linux >&2
	marker="stage2-linux: ok" opts="console=ttyS0 quiet panic=-1" timeout=300
else
	entry=$LAB_REPO/build/x86_64-efi/stage2-hello.efi
	marker="stage2-hello: ok" opts="hello from the demo" timeout=240
fi
lab_init demo
lab_configure_image --site "https://$LAB_ANYCAST4/release/" --site "https://[$LAB_ANYCAST6]/release/"
lab_up
for s in $LAB_SITES; do
	lab_make_release "$(lab_site_www "$s")/release" 1 "$entry" --options "$opts"
done
lab_log "lab is up; booting QEMU (serial console follows)"
echo "------------------------------------------------------------------------ serial (COM1)" >&2
LAB_BOOT_TIMEOUT=$timeout lab_boot --live --marker "$marker" "$@"
echo "------------------------------------------------------------------------" >&2
for s in $LAB_SITES; do
	if lab_log_since "$s" nginx-access.log | lab_grep '/release/'; then
		lab_log "release served by $s: $(lab_log_since "$s" nginx-access.log | grep -c '/release/') requests"
	fi
done
python3 "$LAB_REPO/qemu-tests/report/boot-report.py" --svg "$LAB_REPO/build/boot-waterfall.svg" "$LAB_OUT/serial.log" >&2 ||
	lab_log "boot report failed"
lab_log "waterfall: $LAB_REPO/build/boot-waterfall.svg; logs, pcap and serial: $LAB_OUT"
