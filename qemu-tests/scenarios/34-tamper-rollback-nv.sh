#!/usr/bin/env bash
# Scenario 34 — tamper matrix (issue 6): anti-rollback through the NV store. Two boots sharing one OVMF
# VARS file (run-qemu.sh --vars):
#   boot 1  both sites serve release 9 (good): hello runs; nearboot stored serial 9 (NV ReleaseSerial)
#   boot 2  both sites serve release 8, correctly signed and unexpired: refused as a rollback,
#           NB_E_RELEASE_ROLLBACK per site, nothing boots
# The host referee for release 8: openssl cms -verify ACCEPTS (a genuine signed release: only the stored
# serial makes it wrong), the shell's serial check against the stored 9 refuses.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
lab_init 34-tamper-rollback-nv
lab_tamper_image
lab_up
rel=$LAB_OUT/rel
vars=$LAB_OUT/OVMF_VARS.kept.fd
cp "$LAB_REPO/build/x86_64-efi/stage2-hello.efi" "$LAB_OUT/hello.efi"
lab_make_release "$rel/r9" 9 "$LAB_OUT/hello.efi" --options "release 9"
lab_make_release "$rel/r8" 8 "$LAB_OUT/hello.efi" --options "release 8"

boot_serial9() {
	lab_referee "$rel/r9" cms=ok eku=ok files=ok policy=ok
	lab_publish "$rel/r9"
	lab_boot --tag boot1-serial9 --disk --vars "$vars" --fwcfg opt/org.nearboot/max-attempts=1 --marker "stage2-hello: ok"
	lab_expect_serial "verify: https://.*/release/manifest: release serial 9," "release 9 verified"
	lab_expect_serial "^serial 9$" "hello got the hand-off (serial 9)"
	lab_assert_no_serial "warning: boot: release serial .* not stored" "serial 9 stored in NV"
	lab_case_note reason "boots (stores serial 9)"
}
boot_serial8() {
	[ -s "$vars" ] || lab_die "no NV store from boot 1"
	REF_FLOOR=9 lab_referee "$rel/r8" cms=ok eku=ok files=ok policy=FAIL
	lab_publish "$rel/r8"
	lab_boot_refused boot2-serial8 NB_E_RELEASE_ROLLBACK --vars "$vars"
	lab_assert_per_site NB_E_RELEASE_ROLLBACK "verify: " "manifest"
	lab_assert_no_log sitea nginx-access.log 'GET /release/stage2' "siteA: no artifact fetched after the refusal"
	lab_assert_no_log siteb nginx-access.log 'GET /release/stage2' "siteB: no artifact fetched after the refusal"
}
lab_case rollback-boot1-serial9 boot_serial9
lab_case rollback-boot2-serial8 boot_serial8
lab_matrix
