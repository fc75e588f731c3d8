#!/usr/bin/env bash
# Scenario 20 — the whole chain, happy path: EDK2 PXE loads nearboot (configured with the lab root as its
# TLS and code-signing anchor and the anycast site https://198.18.255.69/release/), nearboot confirms its
# lease, races the site, fetches the signed manifest over HTTPS (TLS 1.3), verifies it, fetches stage2
# "hello", checks its size and sha256, and chain-loads it from memory; hello prints the hand-off record
# and its marker. siteA (nearest) must have served manifest, signature and image; siteB nothing.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
lab_init 20-chain-hello-sitea
lab_configure_image --site "https://$LAB_ANYCAST4/release/"
lab_up
for s in $LAB_SITES; do
	lab_make_release "$(lab_site_www "$s")/release" 7 "$LAB_REPO/build/x86_64-efi/stage2-hello.efi" \
		--options "hello from $s"
done
lab_boot --pxe4 --marker "stage2-hello: ok"
serial=$(tr -d '\r' <"$LAB_OUT/serial.log")
echo "$serial" | lab_grep "verify: https://$LAB_ANYCAST4/release/manifest: release serial 7" ||
	lab_die "no verified manifest line on the console"
echo "$serial" | lab_grep "verify: stage2.efi [0-9]* bytes sha256 ok" || lab_die "no artifact check line"
echo "$serial" | lab_grep "stage2-hello: load options: hello from sitea nearboot.site=https://$LAB_ANYCAST4/release/ nearboot.serial=7" ||
	lab_die "hello did not get the load options from siteA's manifest"
echo "$serial" | lab_grep "^serial 7$" || lab_die "the hand-off record has no 'serial 7'"
echo "$serial" | lab_grep "^site https://$LAB_ANYCAST4/release/$" || lab_die "the hand-off record names no site"
for f in manifest manifest.sig stage2.efi; do
	lab_log_since sitea nginx-access.log | lab_grep "\"GET /release/$f HTTP/1.1\" 200" ||
		lab_die "siteA's nginx log has no GET of $f"
done
lab_log_since siteb nginx-access.log | lab_grep "/release/" && lab_die "siteB served part of the release"
lab_log "asserted: the chain completed from siteA (manifest, signature, stage2) and hello got the hand-off"
lab_log "PASS"
