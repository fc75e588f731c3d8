#!/usr/bin/env bash
# Scenario 39 — Linux from a plain kernel and a separate initrd: Debian's vmlinuz (its own EFI stub, not the
# UKI) as the entry, the busybox initramfs (`make stage2-linux`: build/stage2/linux/{vmlinuz,initrd.cpio.gz})
# as the release's `initrd`, signed for siteA (anycast; EDK2 PXE). nearboot verifies both, chain-loads the
# kernel from memory and offers the verified initrd bytes through LoadFile2 on the LINUX_EFI_INITRD_MEDIA
# device path; the stub asks for it (nearboot's "initrd: LoadFile2 copied N bytes" line, printed from inside
# the protocol call), the kernel unpacks it (it logs "Freeing initrd memory: NK", the initrd's pages) and runs
# its /init, which prints the hand-off facts and "stage2-linux: ok". Without an initrd the kernel has no
# root and panics (panic=-1: QEMU exits): the marker proves the initrd was delivered.
# Without the kernel build the scenario says SKIP and exits 0.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
kdir=${NB_LINUX_DIR:-$LAB_REPO/build/stage2/linux}
if [ ! -s "$kdir/vmlinuz" ] || [ ! -s "$kdir/initrd.cpio.gz" ]; then
	echo "39-chain-linux-initrd: SKIP: no vmlinuz + initrd.cpio.gz in $kdir (make stage2-linux builds them)" >&2
	exit 0
fi
lab_init 39-chain-linux-initrd
lab_configure_image --site "https://$LAB_ANYCAST4/release/"
lab_up
rel=$LAB_OUT/rel/kernel-initrd
mkdir -p "$rel"
cp "$kdir/initrd.cpio.gz" "$rel/initrd.img" # snapshots: a rebuild meanwhile cannot change what is signed
cp "$kdir/vmlinuz" "$LAB_OUT/vmlinuz"
lab_make_release "$rel" 39 "$LAB_OUT/vmlinuz" --initrd initrd.img --options "console=ttyS0 quiet panic=-1"
ksize=$(stat -c %s "$rel/stage2.efi")
isize=$(stat -c %s "$rel/initrd.img")
grep -q "^initrd initrd\.img $isize " "$rel/manifest" || lab_die "the manifest does not name initrd.img as the initrd"
! grep -q '^artifact ' "$rel/manifest" || lab_die "the manifest lists other artifacts than the initrd"
lab_log "kernel: $ksize bytes; initrd: $isize bytes"

kernel_initrd() {
	lab_referee "$rel" cms=ok eku=ok files=ok policy=ok
	lab_publish "$rel"
	lab_boot --tag boot --pxe4 --fwcfg opt/org.nearboot/max-attempts=1 --marker "stage2-linux: ok" --timeout "${NB_UKI_TIMEOUT:-300}"
	lab_case_note reason "boots Linux with its initrd"
	lab_expect_serial "verify: https://198\.18\.255\.69/release/manifest: release serial 39, 2 artifact\(s\)" "manifest verified"
	lab_expect_serial "verify: stage2\.efi $ksize bytes sha256 ok, hashed in [0-9]+ ms" "the kernel checked"
	lab_expect_serial "verify: initrd\.img $isize bytes sha256 ok, hashed in [0-9]+ ms" "the initrd checked"
	lab_expect_serial "boot: initrd initrd\.img \($isize bytes, verified\) offered to stage2\.efi" "the initrd offered"
	lab_expect_serial "boot: handing over to stage2\.efi \(release 39 from https://198\.18\.255\.69/release/\)" "handed over"
	lab_expect_serial "initrd: LoadFile2 copied $isize bytes to the second stage" "the kernel's stub took the initrd through LoadFile2"
	lab_expect_serial "stage2-linux: started: Linux" "Linux ran /init from the initrd"
	# the kernel freed the initrd it was handed: its size in pages (4 KiB), in KiB
	lab_expect_serial "stage2-linux: initrd: Freeing initrd memory: $(( (isize + 4095) / 4096 * 4 ))K" "the kernel unpacked an initrd of that size"
	lab_expect_serial "stage2-linux: hand-off \(command line\): site=https://198\.18\.255\.69/release/" "Linux sees nearboot.site"
	lab_expect_serial "stage2-linux: hand-off \(command line\): serial=39" "Linux sees nearboot.serial"
	lab_expect_serial "stage2-linux: +serial 39$" "Linux read the hand-off record (EFI configuration table)"
	lab_expect_serial "stage2-linux: +initrd initrd\.img$" "the hand-off record names the initrd"
	lab_assert_no_serial "error: " "no error on the way"
	local f
	for f in manifest manifest.sig stage2.efi initrd.img; do
		lab_expect_log sitea nginx-access.log "\"GET /release/$f HTTP/1\.1\" 200" "siteA served $f"
	done
	lab_assert_no_log siteb nginx-access.log "/release/" "siteB served nothing"
	local marker
	marker=$(sed -n "s/.*marker 'stage2-linux: ok' after \([0-9.]*s\).*/\1/p" "$LAB_BOOT_DIR/qemu.log" | tail -n1)
	lab_log "timing: QEMU start to 'stage2-linux: ok' $marker"
	lab_case_note openssl "cms ok, eku ok, files ok, policy ok; QEMU start to marker $marker"
}
lab_case kernel-initrd-boot kernel_initrd
lab_matrix
