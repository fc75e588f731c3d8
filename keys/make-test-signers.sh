#!/usr/bin/env bash
# make-test-signers.sh PKI_DIR OUT_DIR — the wrong signers the verification tests need, next to a dev PKI.
#
# PKI_DIR is a directory made by keys/make-dev-pki.sh (its root-ca and codesign/ca sign what is below).
# OUT_DIR receives, each as NAME.key + NAME.pem (TEST ONLY; private keys stay in OUT_DIR, never in git):
#
#   rsa-signer       RSA-2048 code-signing cert under the code-signing CA (a good signer, RSA)
#   noeku-signer     ECDSA, EKU serverAuth only (no codeSigning)
#   noext-signer     ECDSA, no extended key usage extension at all
#   anyeku-signer    ECDSA, EKU anyExtendedKeyUsage only
#   ku-signer        ECDSA, EKU codeSigning but key usage keyAgreement only (no digitalSignature)
#   expired-signer   ECDSA, EKU codeSigning, valid 2020-01-01..2021-01-01 only
#   weak-signer      RSA-1024 code-signing cert (a key below the 2048-bit floor)
#   rogue-root       a self-signed root nobody trusts, and rogue-signer: a code-signing cert under it
#
# Idempotent like make-dev-pki.sh: what exists is kept.
set -euo pipefail
pki=${1:?usage: make-test-signers.sh PKI_DIR OUT_DIR}
out=${2:?usage: make-test-signers.sh PKI_DIR OUT_DIR}
ca=$pki/codesign/ca.pem
cakey=$pki/codesign/ca.key
[ -s "$ca" ] && [ -s "$cakey" ] || { echo "make-test-signers: no code-signing CA in $pki (run keys/make-dev-pki.sh)" >&2; exit 1; }
umask 077
mkdir -p "$out"
cd "$out"

key() {
	[ -s "$1" ] && return 0
	case $2 in
	ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$1.tmp" ;;
	rsa*) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2#rsa}" -out "$1.tmp" 2>/dev/null ;;
	esac
	mv "$1.tmp" "$1"
}

# issue NAME KEYTYPE CA-CERT CA-KEY EXT-LINES [STARTDATE ENDDATE]
# With dates, `openssl ca` (OpenSSL 3.0's x509 -req cannot set a start date).
issue() {
	local name=$1 alg=$2 cacert=$3 cakey=$4 ext=$5 start=${6:-} end=${7:-}
	[ -s "$name.pem" ] && return 0
	key "$name.key" "$alg"
	local tmp; tmp=$(mktemp -d)
	printf '[req]\ndistinguished_name = dn\n[dn]\n' >"$tmp/req.cnf"
	openssl req -new -sha256 -key "$name.key" -subj "/O=nearboot test/CN=nearboot test $name" -config "$tmp/req.cnf" -out "$tmp/csr"
	printf '[v3]\n%s\n' "$ext" >"$tmp/ext.cnf"
	if [ -z "$start" ]; then
		openssl x509 -req -sha256 -in "$tmp/csr" -CA "$cacert" -CAkey "$cakey" -days 1095 \
			-set_serial "0x$(openssl rand -hex 16)" -extfile "$tmp/ext.cnf" -extensions v3 -out "$name.pem.tmp" 2>/dev/null
	else
		mkdir -p "$tmp/db"; : >"$tmp/db/index.txt"; openssl rand -hex 16 >"$tmp/db/serial"
		cat >"$tmp/ca.cnf" <<-EOF
		[ca]
		default_ca = ca_test
		[ca_test]
		database = $tmp/db/index.txt
		new_certs_dir = $tmp/db
		serial = $tmp/db/serial
		default_md = sha256
		policy = policy_any
		unique_subject = no
		email_in_dn = no
		[policy_any]
		organizationName = optional
		commonName = supplied
		[v3]
		$ext
		EOF
		openssl ca -batch -notext -config "$tmp/ca.cnf" -cert "$cacert" -keyfile "$cakey" -in "$tmp/csr" \
			-startdate "$start" -enddate "$end" -extensions v3 -out "$name.pem.tmp" 2>/dev/null
	fi
	rm -rf "$tmp"
	mv "$name.pem.tmp" "$name.pem"; chmod 644 "$name.pem"
}

leaf='basicConstraints = critical, CA:FALSE
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid'

issue rsa-signer rsa2048 "$ca" "$cakey" "$leaf
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, codeSigning"
issue noeku-signer ec "$ca" "$cakey" "$leaf
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth"
issue noext-signer ec "$ca" "$cakey" "$leaf
keyUsage = critical, digitalSignature"
issue anyeku-signer ec "$ca" "$cakey" "$leaf
keyUsage = critical, digitalSignature
extendedKeyUsage = anyExtendedKeyUsage"
issue ku-signer ec "$ca" "$cakey" "$leaf
keyUsage = critical, keyAgreement
extendedKeyUsage = critical, codeSigning"
issue expired-signer ec "$ca" "$cakey" "$leaf
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, codeSigning" 20200101000000Z 20210101000000Z
issue weak-signer rsa1024 "$ca" "$cakey" "$leaf
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, codeSigning"

# a root nobody trusts, with its own code-signing leaf
if [ ! -s rogue-root.pem ]; then
	key rogue-root.key ec
	printf '[req]\ndistinguished_name = dn\n[dn]\n[v3]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n' >rogue.cnf
	openssl req -new -x509 -sha256 -key rogue-root.key -subj "/O=nearboot dev/CN=nearboot Dev Root CA" -days 3650 \
		-set_serial "0x$(openssl rand -hex 16)" -config rogue.cnf -extensions v3 -out rogue-root.pem
	rm -f rogue.cnf; chmod 644 rogue-root.pem
fi
issue rogue-signer ec rogue-root.pem rogue-root.key "$leaf
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, codeSigning"
