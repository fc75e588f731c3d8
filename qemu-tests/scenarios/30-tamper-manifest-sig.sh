#!/usr/bin/env bash
# Scenario 30 — tamper matrix (issue 6): the manifest or its signature altered after signing.
# Both sites serve the same tampered release; the image has both as candidates (anycast -> siteA, and
# siteB's own address), so each is judged and neither may boot. Every boot: one attempt from disk
# (max-attempts=1), "nearboot: giving up", no stage2 line, the precise NB_E_ code on the console. The
# host referee (openssl cms -verify against the same root) must refuse each release too.
#   manifest-byte   "serial 10" -> "serial 11" in the signed manifest      NB_E_SIG_BAD, openssl refuses
#   signature-byte  one byte of the ECDSA signature value flipped          NB_E_SIG_BAD, openssl refuses
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
lab_init 30-tamper-manifest-sig
lab_tamper_image
lab_up
rel=$LAB_OUT/rel
cp "$LAB_REPO/build/x86_64-efi/stage2-hello.efi" "$LAB_OUT/hello.efi"
lab_make_release "$rel/good" 10 "$LAB_OUT/hello.efi" --options "tamper matrix"
lab_referee "$rel/good" cms=ok eku=ok files=ok policy=ok

manifest_byte() {
	local d=$rel/manifest-byte off
	cp -a "$rel/good" "$d"
	off=$(grep -bo '^serial [0-9]*' "$d/manifest" | cut -d: -f1)
	lab_flip "$d/manifest" $((off + 8))
	grep -q '^serial 11$' "$d/manifest" || lab_die "the flip did not make serial 11"
	lab_referee "$d" cms=FAIL
	lab_publish "$d"
	lab_boot_refused manifest-byte NB_E_SIG_BAD
	lab_assert_per_site NB_E_SIG_BAD "verify: " "manifest signed by O=nearboot dev, CN=nearboot Dev Stage2 Signer"
	lab_assert_asked manifest.sig
	lab_assert_no_log sitea nginx-access.log 'GET /release/stage2' "siteA: no artifact fetched after the refusal"
	lab_assert_no_log siteb nginx-access.log 'GET /release/stage2' "siteB: no artifact fetched after the refusal"
}
signature_byte() {
	local d=$rel/signature-byte
	cp -a "$rel/good" "$d"
	lab_flip "$d/manifest.sig" -3
	lab_referee "$d" cms=FAIL
	lab_publish "$d"
	lab_boot_refused signature-byte NB_E_SIG_BAD
	lab_assert_per_site NB_E_SIG_BAD "verify: " "manifest"
	lab_assert_asked manifest.sig
	lab_assert_no_log sitea nginx-access.log 'GET /release/stage2' "siteA: no artifact fetched after the refusal"
	lab_assert_no_log siteb nginx-access.log 'GET /release/stage2' "siteB: no artifact fetched after the refusal"
}
lab_case manifest-byte manifest_byte
lab_case signature-byte signature_byte
lab_matrix
