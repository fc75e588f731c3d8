#!/usr/bin/env bash
# Scenario 36 — happy path with a second artifact: a release of the entry (stage2.efi = hello) and a
# 1 MiB "initrd", both listed with size and sha256, from siteA (anycast, as in scenario 20; EDK2 PXE).
# nearboot verifies the manifest ("2 artifact(s)"), fetches and checks both, chain-loads the entry; hello
# prints its marker. siteA served manifest, signature and both artifacts; siteB nothing. The host
# referee accepts the release (openssl cms -verify, EKU, sha256sum).
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
lab_init 36-chain-two-artifacts
lab_configure_image --site "https://$LAB_ANYCAST4/release/"
lab_up
rel=$LAB_OUT/rel/two
mkdir -p "$rel"
head -c 1048576 /dev/urandom >"$rel/initrd"
lab_make_release "$rel" 12 "$LAB_REPO/build/x86_64-efi/stage2-hello.efi" --options "two artifacts"
grep -q '^artifact initrd 1048576 ' "$rel/manifest" || lab_die "the release does not list initrd"

two_artifacts() {
	lab_referee "$rel" cms=ok eku=ok files=ok policy=ok
	lab_publish "$rel"
	lab_boot --tag boot --pxe4 --fwcfg opt/org.nearboot/max-attempts=1 --marker "stage2-hello: ok"
	lab_case_note reason "boots (2 artifacts)"
	lab_expect_serial "verify: https://198\.18\.255\.69/release/manifest: release serial 12, 2 artifact\(s\)" "manifest with 2 artifacts verified"
	lab_expect_serial "verify: stage2\.efi [0-9]+ bytes sha256 ok" "entry checked"
	lab_expect_serial "verify: initrd 1048576 bytes sha256 ok" "initrd checked"
	lab_expect_serial "https: https://198\.18\.255\.69/release/initrd .*1048576 bytes in" "initrd transfer"
	lab_expect_serial "stage2-hello: load options: two artifacts nearboot\.site=https://198\.18\.255\.69/release/ nearboot\.serial=12" "hello got the load options"
	lab_expect_serial "^serial 12$" "hand-off record: serial 12"
	lab_assert_no_serial "error: " "no error on the way"
	local f
	for f in manifest manifest.sig stage2.efi initrd; do
		lab_expect_log sitea nginx-access.log "\"GET /release/$f HTTP/1\.1\" 200" "siteA served $f"
	done
	lab_assert_no_log siteb nginx-access.log "/release/" "siteB served nothing"
}
lab_case two-artifacts-boot two_artifacts
lab_matrix
