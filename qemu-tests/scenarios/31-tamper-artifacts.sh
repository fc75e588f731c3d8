#!/usr/bin/env bash
# Scenario 31 — tamper matrix (issue 6): the artifacts of a correctly signed release altered. The release
# has two artifacts, the entry (stage2.efi = hello) and "initrd" (64 KiB), both listed with size and
# sha256. Both sites serve the same tampered release (the image has both as candidates), so each site's
# copy is fetched and judged and neither may boot. One attempt from disk per case; the console must name
# the precise NB_E_ code; the host referee must ACCEPT the signature (openssl cms -verify, EKU: the
# manifest is fine) and find the artifact wrong (sha256sum/stat).
#   entry-byte        one byte of stage2.efi flipped                          NB_E_ARTIFACT_SHA256
#   second-byte       the last byte of initrd flipped                         NB_E_ARTIFACT_SHA256
#   truncated         stage2.efi cut to half its size                         NB_E_ARTIFACT_TRUNCATED
#   swapped-older     initrd replaced by release 9's initrd (same size, a genuine signed older release)
#                                                                             NB_E_ARTIFACT_SHA256
# And failover (not a tamper case: it must boot): only siteA's stage2.efi flipped, siteB's good. nearboot
# refuses siteA's copy and completes the entry from siteB; hello runs and its hand-off names siteB.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
lab_init 31-tamper-artifacts
lab_tamper_image
lab_up
rel=$LAB_OUT/rel
cp "$LAB_REPO/build/x86_64-efi/stage2-hello.efi" "$LAB_OUT/hello.efi"
mkdir -p "$rel/older" "$rel/good"
head -c 65536 /dev/urandom >"$rel/older/initrd"
head -c 65536 /dev/urandom >"$rel/good/initrd"
lab_make_release "$rel/older" 9 "$LAB_OUT/hello.efi" --options "tamper matrix, release 9"
lab_make_release "$rel/good" 10 "$LAB_OUT/hello.efi" --options "tamper matrix, release 10"
grep -q '^artifact initrd 65536 ' "$rel/good/manifest" || lab_die "the release does not list initrd"
lab_referee "$rel/older" cms=ok eku=ok files=ok policy=ok
lab_referee "$rel/good" cms=ok eku=ok files=ok policy=ok
a4=https://$LAB_ANYCAST4/release/

no_artifact_after() { # FILE: nothing after FILE was fetched (the refusal stops the release)
	lab_assert_no_log sitea nginx-access.log "GET /release/$1 " "siteA: nothing fetched after $1"
	lab_assert_no_log siteb nginx-access.log "GET /release/$1 " "siteB: nothing fetched after $1"
}
entry_byte() {
	local d=$rel/entry-byte
	cp -a "$rel/good" "$d"
	lab_flip "$d/stage2.efi" 1000
	lab_referee "$d" cms=ok eku=ok files=FAIL
	lab_publish "$d"
	lab_boot_refused entry-byte NB_E_ARTIFACT_SHA256
	lab_assert_per_site NB_E_ARTIFACT_SHA256 "verify: stage2\.efi from " ""
	lab_assert_asked stage2.efi
	no_artifact_after initrd
}
second_byte() {
	local d=$rel/second-byte
	cp -a "$rel/good" "$d"
	lab_flip "$d/initrd" -1
	lab_referee "$d" cms=ok eku=ok files=FAIL
	lab_publish "$d"
	lab_boot_refused second-byte NB_E_ARTIFACT_SHA256
	lab_expect_serial "verify: stage2\.efi [0-9]+ bytes sha256 ok" "the entry itself was fine"
	lab_assert_per_site NB_E_ARTIFACT_SHA256 "verify: initrd from " ""
	lab_assert_asked initrd
}
truncated() {
	local d=$rel/truncated half
	cp -a "$rel/good" "$d"
	half=$(($(stat -c %s "$d/stage2.efi") / 2))
	truncate -s "$half" "$d/stage2.efi"
	lab_referee "$d" cms=ok eku=ok files=FAIL
	lab_publish "$d"
	lab_boot_refused truncated NB_E_ARTIFACT_TRUNCATED
	# each site: the short body, then (the next site) a resume at the byte held, which the short file
	# cannot serve either; the refusal names the truncation, not the transport
	lab_expect_serial "boot: stage2\.efi from ${a4//./\\.} (stopped|ended) at byte $half" "siteA's copy ended short"
	lab_expect_serial "boot: stage2\.efi from https://198\.18\.254\.2/release/ (stopped|ended) at byte $half" "siteB's copy ended short too"
	lab_expect_serial "error: boot: no site could deliver stage2\.efi: .*\(NB_E_ARTIFACT_TRUNCATED\)$" "the refusal names the truncation"
	lab_assert_asked stage2.efi
	no_artifact_after initrd
}
swapped_older() {
	local d=$rel/swapped-older
	cp -a "$rel/good" "$d"
	cp "$rel/older/initrd" "$d/initrd"
	lab_referee "$d" cms=ok eku=ok files=FAIL
	lab_publish "$d"
	lab_boot_refused swapped-older NB_E_ARTIFACT_SHA256
	lab_assert_per_site NB_E_ARTIFACT_SHA256 "verify: initrd from " ""
	lab_assert_asked initrd
}
failover() {
	local d=$rel/entry-byte-sitea
	cp -a "$rel/good" "$d"
	lab_flip "$d/stage2.efi" 1000
	lab_publish "$d" sitea
	lab_publish "$rel/good" siteb
	lab_boot --tag failover --disk --fwcfg opt/org.nearboot/max-attempts=1 --marker "stage2-hello: ok"
	lab_case_note reason "boots from siteB"
	lab_case_note openssl "siteA copy: files FAIL (stage2.efi:sha256); siteB copy: all ok"
	lab_expect_serial "verify: stage2\.efi [0-9]+ bytes sha256 ok" "the entry verified"
	lab_expect_serial "verify: initrd 65536 bytes sha256 ok" "initrd verified"
	if lab_serial_has "race: #1 ${a4//./\\.} "; then
		# the usual order: siteA (anycast, configured first) ranked first: its copy refused, siteB's used
		lab_expect_serial "error: verify: stage2\.efi from ${a4//./\\.}: .*\(NB_E_ARTIFACT_SHA256\)$" "siteA's copy refused"
		lab_expect_log siteb nginx-access.log '"GET /release/stage2\.efi HTTP/1\.1" 200' "siteB served the good stage2.efi"
		lab_expect_serial "^site https://198\.18\.254\.2/release/$" "the hand-off names siteB as the site that served it"
	else
		lab_log "note: siteB ranked first this time, so siteA's copy was never needed; checked only that siteB's bytes booted"
		lab_assert_no_serial "error: verify:" "no refusal"
	fi
}
lab_case entry-byte entry_byte
lab_case second-byte second_byte
lab_case truncated truncated
lab_case swapped-older swapped_older
lab_case failover-entry-sitea-only failover
lab_matrix
