#!/usr/bin/env bash
# Scenario 32 — tamper matrix (issue 6): a correct manifest signed by the wrong signer. The manifest is
# byte for byte a good release's; only manifest.sig is remade with openssl cms -sign -binary -noattr
# (nearboot-sign is not involved) by one of keys/make-test-signers.sh's signers. Both sites serve it; each
# is judged; nothing boots. The host referee: openssl cms -verify -purpose any against the lab root, and
# the signer's EKU with openssl x509 -ext extendedKeyUsage (OpenSSL 3.0 has no code-signing purpose).
#   no-codesigning-eku  signer under the real intermediate, EKU serverAuth only
#                       NB_E_SIG_NOT_CODESIGNING; openssl cms accepts (purpose any), EKU check refuses
#   untrusted-ca        signer under a rogue self-signed root that even has the real root's name
#                       NB_E_SIG_UNTRUSTED; openssl cms refuses
#   expired-signer      signer under the real intermediate, valid 2020-01-01..2021-01-01
#                       NB_E_SIG_CERT_EXPIRED; openssl cms refuses (certificate has expired)
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
lab_init 32-tamper-signers
lab_tamper_image
lab_up
bad=$(lab_test_signers)
rel=$LAB_OUT/rel
cp "$LAB_REPO/build/x86_64-efi/stage2-hello.efi" "$LAB_OUT/hello.efi"
lab_make_release "$rel/good" 10 "$LAB_OUT/hello.efi" --options "tamper matrix"
lab_referee "$rel/good" cms=ok eku=ok files=ok policy=ok
cs=$LAB_KEYS/codesign

signer_case() { # NAME SIGNER CHAIN CODE SIGNED-BY-CN REFEREE...
	local name=$1 signer=$2 chain=$3 code=$4 cn=$5; shift 5
	local d=$rel/$name
	cp -a "$rel/good" "$d"
	lab_resign "$d" "$bad/$signer.pem" "$bad/$signer.key" "$chain"
	cmp -s "$d/manifest" "$rel/good/manifest" || lab_die "the manifest changed"
	lab_referee "$d" "$@"
	lab_publish "$d"
	lab_boot_refused "$name" "$code"
	lab_assert_per_site "$code" "verify: " "manifest signed by O=nearboot test, CN=nearboot test $cn"
	lab_assert_asked manifest.sig
	lab_assert_no_log sitea nginx-access.log 'GET /release/stage2' "siteA: no artifact fetched after the refusal"
	lab_assert_no_log siteb nginx-access.log 'GET /release/stage2' "siteB: no artifact fetched after the refusal"
}
lab_case no-codesigning-eku signer_case no-codesigning-eku noeku-signer "$cs/ca.pem" NB_E_SIG_NOT_CODESIGNING \
	noeku-signer cms=ok eku=FAIL files=ok
lab_case untrusted-ca signer_case untrusted-ca rogue-signer "$bad/rogue-root.pem" NB_E_SIG_UNTRUSTED \
	rogue-signer cms=FAIL eku=ok files=ok
lab_case expired-signer signer_case expired-signer expired-signer "$cs/ca.pem" NB_E_SIG_CERT_EXPIRED \
	expired-signer cms=FAIL eku=ok files=ok
lab_matrix
