#!/usr/bin/env bash
# make-dev-pki.sh [outdir] — create the nearboot lab/dev PKI with the openssl CLI.
#
# Default outdir: <repo>/build/keys (never in git). Idempotent: an artifact that already exists is kept, so
# running it again does nothing; delete the outdir to start over. DEV/LAB ONLY: private keys are unencrypted.
#
#   root-ca.{key,pem}                 offline root CA (ECDSA P-256): signs the site TLS certs and the
#                                     code-signing intermediate; the trust anchor for TLS and for stage2 signatures
#   tls/<site>-ec.{key,pem}           TLS server cert, ECDSA P-256, per site
#   tls/<site>-rsa.{key,pem}          TLS server cert, RSA-2048, per site
#   tls/<site>-{ec,rsa}-chain.pem     leaf + root (what a server may send)
#   codesign/ca.{key,pem}             code-signing intermediate CA (ECDSA P-256, pathlen 0)
#   codesign/signer.{key,pem}         code-signing cert (EKU codeSigning, KU digitalSignature)
#   codesign/signer-chain.pem         signer + intermediate
#   secureboot/{pk,kek,db}.{key,pem,cer}  UEFI Secure Boot keys (RSA-2048, self-signed; .cer = DER)
#
# Sites: NEARBOOT_SITES (default "sitea siteb"). Site number n (position in the list, from 1) has the lab
# unicast addresses 198.18.254.n and fd00:b007:0:fffe::n (the convention qemu-tests/lib/lab.sh uses).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=${1:-$repo/build/keys}
sites=${NEARBOOT_SITES:-sitea siteb}
domain=nearboot.test
anycast4=198.18.255.69
anycast6=fd00:b007:0:ffff::69
days_root=3650
days_leaf=1095

command -v openssl >/dev/null || { echo "make-dev-pki: openssl not found" >&2; exit 1; }
umask 077
mkdir -p "$out"/tls "$out"/codesign "$out"/secureboot
chmod 755 "$out" "$out"/tls "$out"/codesign "$out"/secureboot
cd "$out"

created=0
say() { echo "make-dev-pki: $*"; }

# key FILE ec|rsa
key() {
	[ -s "$1" ] && return 0
	case $2 in
	ec)  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$1.tmp" ;;
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.tmp" 2>/dev/null ;;
	esac
	mv "$1.tmp" "$1"
	created=$((created + 1))
}

# selfsigned KEY CERT SUBJECT EXTFILE-SECTION-TEXT
selfsigned() {
	[ -s "$2" ] && return 0
	local ext; ext=$(mktemp); printf '[req]\ndistinguished_name = dn\n[dn]\n%s\n' "$4" >"$ext"
	openssl req -new -x509 -sha256 -key "$1" -subj "$3" -days "$days_root" \
		-set_serial "0x$(openssl rand -hex 16)" -config "$ext" -extensions v3 -out "$2.tmp"
	rm -f "$ext"; mv "$2.tmp" "$2"; chmod 644 "$2"
	created=$((created + 1)); say "created $2"
}

# issue KEY CERT SUBJECT CA-CERT CA-KEY DAYS EXT-TEXT
issue() {
	[ -s "$2" ] && return 0
	local ext csr; ext=$(mktemp); csr=$(mktemp); printf '%s\n' "$7" >"$ext"
	printf '[req]\ndistinguished_name = dn\n[dn]\n' >"$csr.cnf"
	openssl req -new -sha256 -key "$1" -subj "$3" -config "$csr.cnf" -out "$csr"
	openssl x509 -req -sha256 -in "$csr" -CA "$4" -CAkey "$5" -days "$6" \
		-set_serial "0x$(openssl rand -hex 16)" -extfile "$ext" -extensions v3 -out "$2.tmp" 2>/dev/null
	rm -f "$ext" "$csr" "$csr.cnf"; mv "$2.tmp" "$2"; chmod 644 "$2"
	created=$((created + 1)); say "created $2"
}

# --- offline root CA ---------------------------------------------------------------------------------
key root-ca.key ec
selfsigned root-ca.key root-ca.pem "/O=nearboot dev/CN=nearboot Dev Root CA" "[v3]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash"

# --- TLS server certs, one pair (ECDSA + RSA) per site -----------------------------------------------
n=0
for site in $sites; do
	n=$((n + 1))
	san="DNS:boot.$domain, DNS:$site.$domain, IP:$anycast4, IP:$anycast6, IP:198.18.254.$n, IP:fd00:b007:0:fffe::$n"
	for alg in ec rsa; do
		key "tls/$site-$alg.key" "$alg"
		ku="digitalSignature"; [ "$alg" = rsa ] && ku="digitalSignature, keyEncipherment"
		issue "tls/$site-$alg.key" "tls/$site-$alg.pem" "/O=nearboot dev/CN=$site.$domain" root-ca.pem root-ca.key \
			"$days_leaf" "[v3]
basicConstraints = critical, CA:FALSE
keyUsage = critical, $ku
extendedKeyUsage = serverAuth
subjectAltName = $san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid"
		[ -s "tls/$site-$alg-chain.pem" ] || { cat "tls/$site-$alg.pem" root-ca.pem >"tls/$site-$alg-chain.pem"; chmod 644 "tls/$site-$alg-chain.pem"; }
	done
done

# --- code signing: intermediate + signer -----------------------------------------------------------------
key codesign/ca.key ec
issue codesign/ca.key codesign/ca.pem "/O=nearboot dev/CN=nearboot Dev Code Signing CA" root-ca.pem root-ca.key \
	"$days_root" "[v3]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid"
key codesign/signer.key ec
issue codesign/signer.key codesign/signer.pem "/O=nearboot dev/CN=nearboot Dev Stage2 Signer" codesign/ca.pem codesign/ca.key \
	"$days_leaf" "[v3]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid"
[ -s codesign/signer-chain.pem ] || { cat codesign/signer.pem codesign/ca.pem >codesign/signer-chain.pem; chmod 644 codesign/signer-chain.pem; }

# --- UEFI Secure Boot: PK, KEK, db (RSA-2048, what every firmware accepts) ----------------------------
for k in pk kek db; do
	key "secureboot/$k.key" rsa
	selfsigned "secureboot/$k.key" "secureboot/$k.pem" "/O=nearboot dev/CN=nearboot Dev Secure Boot $(echo $k | tr a-z A-Z)" "[v3]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash"
	[ -s "secureboot/$k.cer" ] || { openssl x509 -in "secureboot/$k.pem" -outform DER -out "secureboot/$k.cer"; chmod 644 "secureboot/$k.cer"; }
done

# --- self-check ------------------------------------------------------------------------------------------
for site in $sites; do
	for alg in ec rsa; do
		openssl verify -CAfile root-ca.pem -purpose sslserver "tls/$site-$alg.pem" >/dev/null
	done
done
openssl verify -CAfile root-ca.pem -untrusted codesign/ca.pem codesign/signer.pem >/dev/null
if [ "$created" -eq 0 ]; then say "$out: all present, nothing to do"; else say "$out: done ($created new files)"; fi
