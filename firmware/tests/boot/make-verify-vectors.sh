#!/usr/bin/env bash
# make-verify-vectors.sh — regenerate firmware/tests/boot/verify_vectors.h and the fuzz seeds of
# fuzz_cms and fuzz_manifest (firmware/fuzz/corpus/). Run from anywhere; needs openssl.
#
# A throw-away PKI is made in a temp dir with keys/make-dev-pki.sh and keys/make-test-signers.sh, a fixed
# manifest is signed in every way the tests need (openssl cms), and only public data is written out:
# certificates, manifests, signatures. The private keys die with the temp dir. The tests judge validity
# at VV_NOW (an hour after generation), so the vectors do not age.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
out=$here/verify_vectors.h
seeds=$repo/firmware/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

NEARBOOT_SITES=sitea bash "$repo/keys/make-dev-pki.sh" "$tmp/pki" >/dev/null
bash "$repo/keys/make-test-signers.sh" "$tmp/pki" "$tmp/bad" >/dev/null
pki=$tmp/pki bad=$tmp/bad

gen=$(date -u +%s)
created=$(date -u -d "@$gen" +%Y-%m-%dT%H:%M:%SZ)
# The artifacts the manifest describes: 4096 x 'E' and 100 x 'I' (test_verify.c rebuilds them).
head -c 4096 /dev/zero | tr '\0' E >"$tmp/hello.efi"
head -c 100 /dev/zero | tr '\0' I >"$tmp/initrd.img"
sha() { sha256sum "$1" | cut -d' ' -f1; }
manifest() { # NOT-AFTER
	printf 'nearboot-manifest 1\nserial 7\nnot-after %s\ncreated %s\n' "$1" "$created"
	printf 'entry hello.efi 4096 %s\nartifact initrd.img 100 %s\n' "$(sha "$tmp/hello.efi")" "$(sha "$tmp/initrd.img")"
	printf 'options "console=ttyS0 nearboot=\\"yes\\""\nsite https://sitea.nearboot.test/releases/\n'
}
manifest 2099-12-31T23:59:59Z >"$tmp/manifest"
manifest 2021-01-01T00:00:00Z >"$tmp/manifest-expired"

# cms OUT MANIFEST SIGNER-CERT SIGNER-KEY [openssl cms options...]
cms() {
	local o=$1 m=$2 c=$3 k=$4; shift 4
	openssl cms -sign -binary -in "$m" -signer "$c" -inkey "$k" -outform DER -out "$tmp/$o.der" "$@"
}
cs=$pki/codesign
cms ec "$tmp/manifest" "$cs/signer.pem" "$cs/signer.key" -noattr -md sha256 -certfile "$cs/ca.pem"
cms ec_single "$tmp/manifest" "$cs/signer.pem" "$cs/signer.key" -noattr -md sha256
cms rsa "$tmp/manifest" "$bad/rsa-signer.pem" "$bad/rsa-signer.key" -noattr -md sha256 -certfile "$cs/ca.pem"
cms noeku "$tmp/manifest" "$bad/noeku-signer.pem" "$bad/noeku-signer.key" -noattr -certfile "$cs/ca.pem"
cms noext "$tmp/manifest" "$bad/noext-signer.pem" "$bad/noext-signer.key" -noattr -certfile "$cs/ca.pem"
cms anyeku "$tmp/manifest" "$bad/anyeku-signer.pem" "$bad/anyeku-signer.key" -noattr -certfile "$cs/ca.pem"
cms ku "$tmp/manifest" "$bad/ku-signer.pem" "$bad/ku-signer.key" -noattr -certfile "$cs/ca.pem"
cms expired "$tmp/manifest" "$bad/expired-signer.pem" "$bad/expired-signer.key" -noattr -certfile "$cs/ca.pem"
cms weak "$tmp/manifest" "$bad/weak-signer.pem" "$bad/weak-signer.key" -noattr -md sha256 -certfile "$cs/ca.pem"
cms rogue "$tmp/manifest" "$bad/rogue-signer.pem" "$bad/rogue-signer.key" -noattr -certfile "$bad/rogue-root.pem"
cms attrs "$tmp/manifest" "$cs/signer.pem" "$cs/signer.key" -certfile "$cs/ca.pem"
cms nodetach "$tmp/manifest" "$cs/signer.pem" "$cs/signer.key" -noattr -nodetach -certfile "$cs/ca.pem"
cms two_signers "$tmp/manifest" "$cs/signer.pem" "$cs/signer.key" -noattr -signer "$bad/rsa-signer.pem" \
	-inkey "$bad/rsa-signer.key" -certfile "$cs/ca.pem"
cms pss "$tmp/manifest" "$bad/rsa-signer.pem" "$bad/rsa-signer.key" -noattr -md sha256 \
	-keyopt rsa_padding_mode:pss -certfile "$cs/ca.pem"
cms sha384 "$tmp/manifest" "$cs/signer.pem" "$cs/signer.key" -noattr -md sha384 -certfile "$cs/ca.pem"
cat "$cs/ca.pem" "$pki/root-ca.pem" "$bad/rogue-root.pem" "$bad/rsa-signer.pem" >"$tmp/four.pem"
cms many_certs "$tmp/manifest" "$cs/signer.pem" "$cs/signer.key" -noattr -certfile "$tmp/four.pem"
cms nocerts "$tmp/manifest" "$cs/signer.pem" "$cs/signer.key" -noattr -nocerts
cms expired_manifest "$tmp/manifest-expired" "$cs/signer.pem" "$cs/signer.key" -noattr -certfile "$cs/ca.pem"

# Sanity: the good ones verify with openssl; every vector is what its name says to openssl too.
openssl cms -verify -binary -inform DER -in "$tmp/ec.der" -content "$tmp/manifest" -CAfile "$pki/root-ca.pem" \
	-purpose any -out /dev/null 2>/dev/null
openssl cms -verify -binary -inform DER -in "$tmp/rsa.der" -content "$tmp/manifest" -CAfile "$pki/root-ca.pem" \
	-purpose any -out /dev/null 2>/dev/null
if openssl cms -verify -binary -inform DER -in "$tmp/rogue.der" -content "$tmp/manifest" \
	-CAfile "$pki/root-ca.pem" -purpose any -out /dev/null 2>/dev/null; then
	echo "make-verify-vectors: the rogue signature verified with openssl" >&2; exit 1
fi

openssl x509 -in "$pki/root-ca.pem" -outform DER -out "$tmp/root.der"
openssl x509 -in "$cs/ca.pem" -outform DER -out "$tmp/inter.der"
openssl x509 -in "$bad/rogue-root.pem" -outform DER -out "$tmp/rogue_root.der"
epoch() { date -u -d "$(openssl x509 -in "$1" -noout "-$2" | cut -d= -f2)" +%s; }

bytes() { # NAME FILE
	printf 'static const uint8_t %s[] = {\n' "$1"
	xxd -i <"$2"
	printf '};\n'
}
{
	cat <<-EOF
	/*
	 * Test vectors for boot/verify.c, generated by firmware/tests/boot/make-verify-vectors.sh
	 * on $created from a throw-away PKI (keys/make-dev-pki.sh + keys/make-test-signers.sh).
	 * Public data only: certificates, manifests, DER CMS signatures. Do not edit; regenerate.
	 *
	 * vv_manifest is signed as: ec (signer + intermediate, the nearboot-sign form), ec_single (signer
	 * only), rsa (RSA-2048 signer), noeku (EKU serverAuth), noext (no EKU extension), anyeku
	 * (anyExtendedKeyUsage), ku (key usage keyAgreement), expired (signer valid 2020 only), weak
	 * (RSA-1024), rogue (a look-alike root nobody trusts), attrs (signed attributes: no -noattr),
	 * nodetach (content embedded), two_signers, pss (RSA-PSS), sha384 (digest SHA-384), many_certs
	 * (five certificates), nocerts (no certificates at all);
	 * vv_manifest_expired (not-after 2021) as expired_manifest.
	 */
	#ifndef NB_VERIFY_VECTORS_H
	#define NB_VERIFY_VECTORS_H
	#include <stdint.h>

	#define VV_NOW $((gen + 3600))LL /* an hour after generation: every certificate valid */
	#define VV_SIGNER_NOT_BEFORE $(epoch "$cs/signer.pem" startdate)LL
	#define VV_SIGNER_NOT_AFTER $(epoch "$cs/signer.pem" enddate)LL
	#define VV_ROOT_NOT_AFTER $(epoch "$pki/root-ca.pem" enddate)LL
	#define VV_SERIAL 7u

	EOF
	bytes vv_manifest "$tmp/manifest"
	bytes vv_manifest_expired "$tmp/manifest-expired"
	bytes vv_root_der "$tmp/root.der"
	printf 'static const char vv_root_pem[] =\n'
	sed 's/.*/    "&\\n"/' "$pki/root-ca.pem"
	printf '    ;\n'
	bytes vv_inter_der "$tmp/inter.der"
	printf 'static const char vv_inter_pem[] =\n'
	sed 's/.*/    "&\\n"/' "$cs/ca.pem"
	printf '    ;\n'
	bytes vv_rogue_root_der "$tmp/rogue_root.der"
	for v in ec ec_single rsa noeku noext anyeku ku expired weak rogue attrs nodetach two_signers pss sha384 \
		many_certs nocerts expired_manifest; do
		bytes "vv_sig_$v" "$tmp/$v.der"
	done
	printf '\n#endif\n'
} >"$out.tmp"
mv "$out.tmp" "$out"

# fuzz seeds
mkdir -p "$seeds/fuzz_cms" "$seeds/fuzz_manifest"
for v in ec ec_single rsa noeku expired rogue attrs nodetach two_signers pss; do
	cp "$tmp/$v.der" "$seeds/fuzz_cms/$v.der"
done
cp "$tmp/manifest" "$seeds/fuzz_manifest/vectors.txt"
echo "make-verify-vectors: wrote $out and fuzz seeds"
