#!/usr/bin/env bash
# Scenario 38 — Secure Boot enforcing with our own keys (issue 6: "report a failed LoadImage, for example a
# Secure Boot refusal, clearly and fall back to the next candidate").
# OVMF's Secure Boot build runs on a VARS image with the dev PKI's PK/KEK/db enrolled (LAB_SECUREBOOT=1);
# the lab serves nearboot.efi signed with the db key. Two sites carry release 7, both correctly
# manifest-signed (nearboot's own check passes at both); siteB is 40 ms away, so siteA ranks first.
#  refused-then-siteb: siteA's entry is hello as built (no Authenticode signature), siteB's the same hello
#    sbsigned with the db key. OVMF must accept the signed nearboot (PXE), LoadImage must refuse siteA's
#    entry (an error line naming siteA, the image and the Secure Boot reason), and nearboot must boot
#    siteB's signed hello (its marker; siteB's nginx served the entry).
#  newer-foreign-signed: siteA moves on to release 8, its entry signed with the KEK (not in db): refused as
#    "signed, but not by a certificate in db", and the refused release does not raise the anti-rollback
#    floor, so siteB's release 7 still boots.
#  unsigned-first-stage: the same lab serving the unsigned nearboot.efi: the firmware downloads it and
#    refuses it ("Access Denied"); nearboot never runs.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
. "$(dirname "$0")/../lib/policy.sh"
LAB_SECUREBOOT=1
LAB_LINK_siteb='delay=20'
lab_init 38-secureboot-refused-next-site
# shellcheck disable=SC2046
lab_configure_image $(pol_sites4 sitea siteb)
lab_up
a=$(pol_site_url sitea 4) b=$(pol_site_url siteb 4)
signed=$LAB_OUT/hello-signed.efi
lab_sb_sign "$POL_HELLO" "$signed"
pol_release "$(lab_site_www sitea)/release" 7 "hello from sitea" "$POL_HELLO"
pol_release "$(lab_site_www siteb)/release" 7 "hello from siteb" "$signed"
for s in sitea siteb; do lab_referee "$(lab_site_www "$s")/release" cms=ok eku=ok files=ok policy=ok; done

refused_then_siteb() {
	pol_boot refused-then-siteb --pxe4
	lab_expect_serial "NBP filesize is $(stat -c %s "$LAB_IMAGE") Bytes" "the firmware downloaded the signed nearboot.efi"
	lab_expect_serial 'BdsDxe: starting Boot[0-9A-F]+ "UEFI PXEv4' "OVMF (Secure Boot) accepted the signed nearboot.efi"
	lab_expect_serial "race: #1 ${a//./\\.} at 198\.18\.254\.1" "siteA ranked first"
	lab_expect_serial "verify: ${a//./\\.}manifest: release serial 7" "siteA's manifest verified by nearboot"
	lab_expect_serial "warning: secure boot: LoadImage returned EFI_(ACCESS_DENIED|SECURITY_VIOLATION) with SecureBoot=1 SetupMode=0; the image \([0-9]+ bytes\) has no Authenticode signature" \
		"the firmware enforces and the refused image is named unsigned"
	lab_expect_serial "error: boot: stage2\.efi from ${a//./\\.}: Secure Boot: .*not signed by a key in the firmware's db.*\(NB_E_SECUREBOOT_REFUSED\)$" \
		"the Secure Boot refusal names siteA and the image"
	lab_expect_serial "verify: ${b//./\\.}manifest: release serial 7" "siteB's manifest taken next"
	lab_expect_serial "boot: handing over to stage2\.efi \(release 7 from ${b//./\\.}\)" "handed over from siteB"
	lab_expect_serial "stage2-hello: load options: hello from siteb nearboot\.site=${b//./\\.} nearboot\.serial=7" "siteB's signed hello ran"
	lab_expect_serial "^site ${b//./\\.}$" "hand-off record: siteB delivered it"
	lab_assert_no_serial "error: boot: stage2\.efi from ${b//./\\.}" "siteB's signed entry not refused"
	local n
	n=$(lab_serial | grep -c 'NB_E_SECUREBOOT_REFUSED' || true)
	[ "$n" = 1 ] || lab_die "want exactly one Secure Boot refusal (siteA's), saw $n"
	lab_log "asserted: exactly one Secure Boot refusal on the console"
	pol_assert_release_from sitea
	pol_assert_release_from siteb
	lab_expect_log siteb nginx-access.log "\"GET /release/stage2\.efi HTTP/1\.1\" 200 $(stat -c %s "$signed") " "siteB served the signed entry ($(stat -c %s "$signed") bytes)"
}
lab_check "Secure Boot refuses siteA's unsigned entry; siteB's signed one boots" refused_then_siteb

# siteA moves on to release 8 whose entry is signed, but with the KEK (a key that is not in db); siteB still
# has its signed release 7. The refusal must say "signed, but not by a certificate in db", and the refused
# release must not raise the anti-rollback floor: siteB's release 7 still boots.
newer_foreign_signed_at_sitea() {
	local rel8=$LAB_OUT/rel8
	mkdir -p "$rel8"
	sbsign --key "$LAB_SB_KEYS/kek.key" --cert "$LAB_SB_KEYS/kek.pem" --output "$rel8/hello-kek.efi" "$POL_HELLO" \
		>>"$LAB_OUT/sbsign.log" 2>&1 || lab_die "sbsign with the KEK failed"
	sbverify --cert "$LAB_SB_KEYS/db.pem" "$rel8/hello-kek.efi" >/dev/null 2>&1 && lab_die "the KEK-signed hello verifies against db"
	pol_release "$rel8/out" 8 "hello from sitea, release 8" "$rel8/hello-kek.efi"
	lab_publish "$rel8/out" sitea
	pol_boot newer-foreign-signed --pxe4
	lab_expect_serial "verify: ${a//./\\.}manifest: release serial 8" "siteA's release 8 verified by nearboot"
	lab_expect_serial "warning: secure boot: LoadImage returned EFI_(ACCESS_DENIED|SECURITY_VIOLATION) with SecureBoot=1 SetupMode=0; the image \([0-9]+ bytes\) is Authenticode-signed, but not by a certificate in db" \
		"the refused image is named signed by a key outside db"
	lab_expect_serial "error: boot: stage2\.efi from ${a//./\\.}: Secure Boot: .*\(NB_E_SECUREBOOT_REFUSED\)$" "siteA's release 8 refused"
	lab_assert_no_serial "NB_E_RELEASE_ROLLBACK" "the refused release 8 did not become the anti-rollback floor"
	lab_expect_serial "stage2-hello: load options: hello from siteb nearboot\.site=${b//./\\.} nearboot\.serial=7" "siteB's signed release 7 ran"
}
lab_check "a newer release signed outside db at siteA: refused, the floor stays, siteB's release 7 boots" newer_foreign_signed_at_sitea

unsigned_first_stage() {
	lab_serve_image "$LAB_OUT/nearboot.unsigned.efi"
	lab_boot --tag unsigned-first-stage --pxe4 --no-poweroff --timeout 120 \
		--marker 'BdsDxe: failed to load Boot' --fail-marker 'nearboot 0'
	lab_expect_serial "NBP filesize is $(stat -c %s "$LAB_OUT/nearboot.unsigned.efi") Bytes" "the firmware was offered the unsigned nearboot.efi"
	lab_expect_serial 'NBP file downloaded successfully' "the firmware downloaded it"
	lab_expect_serial 'BdsDxe: failed to load Boot[0-9A-F]+ "UEFI PXEv4 .*: (Access Denied|Security Violation)' "the firmware refused it"
	lab_assert_no_serial '\] nearboot ' "nearboot never ran"
}
lab_check "the firmware refuses an unsigned nearboot.efi" unsigned_first_stage
lab_finish
