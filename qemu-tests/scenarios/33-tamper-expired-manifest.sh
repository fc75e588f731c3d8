#!/usr/bin/env bash
# Scenario 33 — tamper matrix (issue 6): an expired manifest. A release correctly signed by the real
# signer, but its not-after (freeze protection) is 2021-01-01T00:00:00Z, long past at the client's
# trusted time. Both sites serve it; nothing boots: NB_E_RELEASE_EXPIRED on the console, per site. The
# host referee: openssl cms -verify ACCEPTS (the signature and chain are fine; expiry is policy, which
# openssl does not know), the shell's date check refuses.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
lab_init 33-tamper-expired-manifest
lab_tamper_image
lab_up
rel=$LAB_OUT/rel
cp "$LAB_REPO/build/x86_64-efi/stage2-hello.efi" "$LAB_OUT/hello.efi"

expired_manifest() {
	local d=$rel/expired-manifest
	lab_make_release "$d" 10 "$LAB_OUT/hello.efi" --not-after 2021-01-01T00:00:00Z --created 2020-12-01T00:00:00Z
	grep -q '^not-after 2021-01-01T00:00:00Z$' "$d/manifest" || lab_die "nearboot-sign did not write the past not-after"
	lab_referee "$d" cms=ok eku=ok files=ok policy=FAIL
	lab_publish "$d"
	lab_boot_refused expired-manifest NB_E_RELEASE_EXPIRED
	lab_assert_per_site NB_E_RELEASE_EXPIRED "verify: " "manifest"
	lab_assert_no_log sitea nginx-access.log 'GET /release/stage2' "siteA: no artifact fetched after the refusal"
	lab_assert_no_log siteb nginx-access.log 'GET /release/stage2' "siteB: no artifact fetched after the refusal"
}
lab_case expired-manifest expired_manifest
lab_matrix
