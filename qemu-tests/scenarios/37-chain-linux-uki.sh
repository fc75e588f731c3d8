#!/usr/bin/env bash
# Scenario 37 — happy path with the Linux second stage: the UKI (build/stage2/linux/nearboot-linux.efi,
# `make stage2-linux`: Debian kernel + busybox initramfs + systemd-stub, ~9 MB) as the entry of a signed
# release on both sites, served by siteA (anycast; EDK2 PXE). nearboot verifies, fetches the 9 MB over
# HTTPS, checks it, chain-loads it from memory with the manifest's options (console=ttyS0 ...) plus its
# nearboot.* keys; Linux boots under TCG and its /init prints the hand-off and "stage2-linux: ok".
# Without the UKI the scenario says SKIP and exits 0.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
uki=${NB_UKI:-$LAB_REPO/build/stage2/linux/nearboot-linux.efi}
if [ ! -s "$uki" ]; then
	echo "37-chain-linux-uki: SKIP: no Linux UKI at $uki (make stage2-linux builds it)" >&2
	exit 0
fi
lab_init 37-chain-linux-uki
lab_configure_image --site "https://$LAB_ANYCAST4/release/"
lab_up
rel=$LAB_OUT/rel/linux
cp "$uki" "$LAB_OUT/nearboot-linux.efi"   # a snapshot: a rebuild meanwhile cannot change what is signed
lab_make_release "$rel" 20 "$LAB_OUT/nearboot-linux.efi" --options "console=ttyS0 quiet panic=-1"
size=$(stat -c %s "$rel/stage2.efi")
lab_log "UKI: $uki, $size bytes"

linux_uki() {
	lab_referee "$rel" cms=ok eku=ok files=ok policy=ok
	lab_publish "$rel"
	lab_boot --tag boot --pxe4 --fwcfg opt/org.nearboot/max-attempts=1 --marker "stage2-linux: ok" --timeout "${NB_UKI_TIMEOUT:-300}"
	lab_case_note reason "boots Linux"
	lab_expect_serial "verify: https://198\.18\.255\.69/release/manifest: release serial 20, 1 artifact\(s\)" "manifest verified"
	lab_expect_serial "https: https://198\.18\.255\.69/release/stage2\.efi .*$size bytes in" "the UKI transferred"
	lab_expect_serial "verify: stage2\.efi $size bytes sha256 ok" "the UKI checked"
	lab_expect_serial "boot: handing over to stage2\.efi \(release 20 from https://198\.18\.255\.69/release/\)" "handed over"
	lab_expect_serial "stage2-linux: started: Linux" "Linux started"
	lab_expect_serial "stage2-linux: hand-off \(command line\): site=https://198\.18\.255\.69/release/" "Linux sees nearboot.site"
	lab_expect_serial "stage2-linux: hand-off \(command line\): serial=20" "Linux sees nearboot.serial"
	lab_expect_serial "stage2-linux: +serial 20$" "Linux read the hand-off record (EFI configuration table)"
	local f
	for f in manifest manifest.sig stage2.efi; do
		lab_expect_log sitea nginx-access.log "\"GET /release/$f HTTP/1\.1\" 200" "siteA served $f"
	done
	lab_assert_no_log siteb nginx-access.log "/release/" "siteB served nothing"
	# timings: nearboot's console clock up to the hand-over, and QEMU start to the marker
	local xfer handover marker
	xfer=$(lab_serial | sed -n 's/.*release\/stage2\.efi from .*: \([0-9]* bytes in [0-9.]* s, [0-9.]* MB\/s\).*/\1/p' | sed -n 1p)
	handover=$(lab_serial | sed -n 's/.*boot: handing over .* after \([0-9]*\) ms.*/\1/p' | sed -n 1p)
	marker=$(sed -n "s/.*marker 'stage2-linux: ok' after \([0-9.]*s\).*/\1/p" "$LAB_BOOT_DIR/qemu.log" | tail -n1)
	lab_log "timing: UKI transfer $xfer; nearboot handed over ${handover} ms after it started; QEMU start to 'stage2-linux: ok' $marker"
	lab_case_note openssl "cms ok, eku ok, files ok, policy ok; UKI $xfer; QEMU start to marker $marker"
}
lab_case linux-uki-boot linux_uki
lab_matrix
