#!/usr/bin/env bash
# Scenario 35 — tamper matrix (issue 6): a manifest listing an artifact path that escapes the release
# directory ("../outside.bin"). nearboot-sign refuses such paths, so the manifest is written by hand (in
# the canonical form, correct size and sha256 of the file it points at) and signed with openssl cms -sign
# -binary -noattr by the real signer + intermediate: a signed, otherwise valid manifest. Both sites
# also serve the file at /outside.bin, where a client that pasted the path into a URL would find it
# (/release/../outside.bin). nearboot must refuse the manifest (NB_E_MANIFEST_PATH_ESCAPES, naming the
# line) and fetch nothing of it. Referee: openssl cms -verify ACCEPTS (genuine signature), the shell's
# realpath check refuses the path.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
lab_init 35-tamper-path-escape
lab_tamper_image
lab_up
rel=$LAB_OUT/rel
cp "$LAB_REPO/build/x86_64-efi/stage2-hello.efi" "$LAB_OUT/hello.efi"

path_escape() {
	local d=$rel/release s
	mkdir -p "$d"
	cp "$LAB_OUT/hello.efi" "$d/stage2.efi"
	head -c 4096 /dev/urandom >"$rel/outside.bin"
	{
		echo "nearboot-manifest 1"
		echo "serial 10"
		echo "not-after $(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)"
		echo "created $(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "entry stage2.efi $(stat -c %s "$d/stage2.efi") $(sha256sum <"$d/stage2.efi" | cut -d' ' -f1)"
		echo "artifact ../outside.bin $(stat -c %s "$rel/outside.bin") $(sha256sum <"$rel/outside.bin" | cut -d' ' -f1)"
	} >"$d/manifest"
	lab_resign "$d" "$LAB_KEYS/codesign/signer.pem" "$LAB_KEYS/codesign/signer.key" "$LAB_KEYS/codesign/ca.pem"
	lab_log "manifest: $(tr '\n' '|' <"$d/manifest")"
	lab_referee "$d" cms=ok eku=ok files=FAIL policy=ok
	lab_publish "$d"
	for s in $LAB_SITES; do cp "$rel/outside.bin" "$(lab_site_www "$s")/outside.bin"; chmod a+r "$(lab_site_www "$s")/outside.bin"; done
	lab_boot_refused path-escape NB_E_MANIFEST_PATH_ESCAPES
	lab_assert_per_site NB_E_MANIFEST_PATH_ESCAPES "verify: " "manifest line 6 \(artifact\)"
	for s in $LAB_SITES; do
		lab_assert_no_log "$s" nginx-access.log 'GET /(release/)?(\.\./)?outside' "$s: the escaping path was never requested"
		lab_assert_no_log "$s" nginx-access.log 'GET /release/stage2' "$s: no artifact fetched after the refusal"
	done
	lab_assert_asked manifest.sig
}
lab_case path-escape path_escape
lab_matrix
