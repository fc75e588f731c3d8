#!/usr/bin/env bash
# Scenario 44 — the nearest site serves a tampered release: nearboot must refuse it, fall over to siteB and
# boot siteB's good release. siteB is 40 ms away (nb-link), so siteA is ranked first; the image lists both
# sites' own addresses. Two boots, fresh NV each:
#  same-release: both sites carry release 7; siteA's stage2.efi has one byte flipped (its manifest and
#    signature are intact). siteA's copy fails its sha256; siteB's (the same release) boots.
#  newer-at-siteB: siteA still serves the tampered release 7, siteB has moved on to release 8 (another
#    stage2.efi: the manifest of release 7 cannot vouch for it). siteB's good release must boot, so nearboot
#    has to take siteB's own manifest rather than judge siteB's artifact by siteA's.
# Asserted from both nginx logs (who served manifest and stage2), the console (refusal, hello's options =
# whose manifest booted, hand-off record) and the capture.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
. "$(dirname "$0")/../lib/policy.sh"
LAB_LINK_siteb='delay=20'
lab_init 44-policy-tampered-sitea
# shellcheck disable=SC2046
lab_configure_image $(pol_sites4 sitea siteb)
lab_up
a=$(pol_site_url sitea 4) b=$(pol_site_url siteb 4)
pol_releases 7
cp -a "$(lab_site_www sitea)/release" "$LAB_OUT/sitea-release7"
lab_flip "$(lab_site_www sitea)/release/stage2.efi" 1000

same_release() {
	pol_boot same-release --pxe4
	lab_expect_serial "race: #1 ${a//./\\.} at 198\.18\.254\.1" "siteA ranked first"
	lab_expect_serial "error: verify: stage2\.efi from ${a//./\\.}: .*\(NB_E_ARTIFACT_SHA256\)" "siteA's stage2.efi refused"
	lab_expect_serial "verify: stage2\.efi [0-9]+ bytes sha256 ok" "a good stage2.efi"
	lab_expect_serial "^site ${b//./\\.}$" "hand-off record: siteB delivered it"
	lab_expect_serial "stage2-hello: load options: hello from site[ab] nearboot\.site=${b//./\\.} nearboot\.serial=7" "hello ran release 7"
	pol_assert_release_from sitea
	lab_expect_log siteb nginx-access.log "\"GET /release/stage2\.efi HTTP/1\.1\" 200 " "siteB served the good stage2.efi"
	pol_assert_flow "server=198\.18\.254\.2 sport=443 .* s2c=[0-9]{4,} " "siteB's bytes on the wire"
}
lab_check "same release: siteA refused, siteB's copy boots" same_release

newer_at_siteb() {
	local rel8=$LAB_OUT/rel8
	mkdir -p "$rel8"
	cp "$POL_HELLO" "$rel8/hello.efi"
	printf 'release 8\n' >>"$rel8/hello.efi"   # another entry image: release 7's manifest cannot vouch for it
	pol_release "$rel8/out" 8 "hello from siteb, release 8" "$rel8/hello.efi"
	lab_publish "$rel8/out" siteb
	pol_boot newer-at-siteb --pxe4
	lab_expect_serial "error: verify: stage2\.efi from ${a//./\\.}: .*\(NB_E_ARTIFACT_SHA256\)" "siteA's stage2.efi refused"
	lab_expect_log siteb nginx-access.log "\"GET /release/manifest HTTP/1\.1\" 200 " "siteB's own manifest fetched"
	lab_expect_serial "stage2-hello: load options: hello from siteb, release 8 nearboot\.site=${b//./\\.} nearboot\.serial=8" "hello ran siteB's release 8"
}
lab_check "siteB on a newer release: siteB's own release boots" newer_at_siteb
lab_finish
