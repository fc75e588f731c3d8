#!/usr/bin/env bash
# Host test: signed releases end to end, without QEMU or namespaces.
#
# Releases are made by stage2/tools/nearboot-sign with the dev PKI (keys/make-dev-pki.sh, build/keys)
# and checked twice: by nearboot-verify (the first stage's own boot/verify.c + boot/manifest.c) and by an
# independent referee — `openssl cms -verify -binary -inform DER -purpose any` against the same root for
# signatures and chains, `openssl x509 -ext extendedKeyUsage` for the codeSigning EKU (OpenSSL 3.0 has
# no code-signing purpose), sha256sum/stat for artifacts, date and the shell for expiry, serials and
# paths. Every good release must pass both; every case of the tamper matrix (issue 6) must fail in
# nearboot-verify with the precise NB_E_ code and fail at the referee that judges that kind of fault.
# Prints a table, then "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"
build=${BUILD:-build}
case $build in /*) ;; *) build=$repo/$build ;; esac
verify=$build/host/nearboot-verify
sign=$repo/stage2/tools/nearboot-sign
keys=${NEARBOOT_KEYS:-$repo/build/keys}

pass=0 fail=0
if [ ! -x "$verify" ]; then
	echo "test-release: $verify is missing (make all)"
	echo "0 passed, 1 failed"
	exit 1
fi
bash keys/make-dev-pki.sh "$keys" >/dev/null || { echo "test-release: make-dev-pki failed"; echo "0 passed, 1 failed"; exit 1; }
work=$(mktemp -d /tmp/nb-test-release-XXXXXX)
trap 'rm -rf "$work"' EXIT
bash keys/make-test-signers.sh "$keys" "$work/bad" >/dev/null ||
	{ echo "test-release: make-test-signers failed"; echo "0 passed, 1 failed"; exit 1; }
root=$keys/root-ca.pem cs=$keys/codesign bad=$work/bad
rows=()

# --- building releases -------------------------------------------------------------------------------
# mkrel DIR SERIAL [nearboot-sign options...]: hello.efi (64 KiB) and initrd.img (32 KiB) of random bytes,
# signed by the dev signer with its intermediate.
mkrel() {
	local d=$1 s=$2; shift 2
	mkdir -p "$d"
	head -c 65536 /dev/urandom >"$d/hello.efi"
	head -c 32768 /dev/urandom >"$d/initrd.img"
	"$sign" --release "$d" --entry hello.efi --serial "$s" --cert "$cs/signer.pem" --key "$cs/signer.key" \
		--chain "$cs/ca.pem" "$@" >"$d.sign.log" 2>&1
}
# resign DIR CERT KEY [openssl cms options...]: a new signature over DIR/manifest made with openssl directly
# (how an attacker or a broken pipeline would do it; nearboot-sign itself is not involved).
resign() {
	local d=$1 c=$2 k=$3; shift 3
	openssl cms -sign -binary -in "$d/manifest" -signer "$c" -inkey "$k" -outform DER -out "$d/manifest.sig" "$@"
}
flip() { # FILE OFFSET: xor one byte with 0x01 (a negative offset counts from the end)
	local f=$1 off=$2 size
	size=$(stat -c %s "$f")
	[ "$off" -ge 0 ] || off=$((size + off))
	local b
	b=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

# --- the referee -------------------------------------------------------------------------------------
ref_sig() { # DIR: signature and chain, with openssl
	openssl cms -verify -binary -inform DER -purpose any -CAfile "$root" -content "$1/manifest" \
		-in "$1/manifest.sig" -out /dev/null 2>"$1.ossl.log"
}
ref_eku() { # DIR: the signer certificate (the one the CMS names) carries codeSigning; -noverify skips
	# only the chain, the signature over the content is still checked
	openssl cms -verify -noverify -binary -inform DER -content "$1/manifest" -in "$1/manifest.sig" \
		-signer "$1.signer.pem" -out /dev/null 2>/dev/null &&
		openssl x509 -in "$1.signer.pem" -noout -ext extendedKeyUsage 2>/dev/null | grep -q 'Code Signing'
}
ref_artifacts() { # DIR: every artifact's size and sha256 as the manifest says
	local d=$1 k p s h
	while read -r k p s h; do
		case $k in entry|initrd|artifact) ;; *) continue ;; esac
		[ -f "$d/$p" ] && [ "$(stat -L -c %s "$d/$p")" = "$s" ] && [ "$(sha256sum <"$d/$p" | cut -d' ' -f1)" = "$h" ] ||
			return 1
	done <"$d/manifest"
}
ref_policy() { # DIR FLOOR: not-after in the future, serial >= floor
	local na s
	na=$(sed -n 's/^not-after //p' "$1/manifest")
	s=$(sed -n 's/^serial //p' "$1/manifest")
	[ "$(date -u -d "$na" +%s)" -ge "$(date -u +%s)" ] && [ "$s" -ge "$2" ]
}
ref_paths() { # DIR: every listed path resolves inside DIR
	local d k p real top
	d=$1
	top=$(realpath "$d")
	while read -r k p _; do
		case $k in entry|initrd|artifact) ;; *) continue ;; esac
		real=$(realpath -m "$d/$p")
		case $real in "$top"/*) ;; *) return 1 ;; esac
	done <"$d/manifest"
}
ref_ku() { # DIR: the signer's key usage, if it has the extension, includes digitalSignature
	[ -s "$1.signer.pem" ] || return 1
	local ku
	ku=$(openssl x509 -in "$1.signer.pem" -noout -ext keyUsage 2>/dev/null)
	[ -z "$ku" ] || grep -q 'Digital Signature' <<<"$ku"
}
referee() { # DIR FLOOR: all of the above; prints which part failed
	local d=$1 why=
	rm -f "$d.signer.pem"
	ref_sig "$d" || why="$why openssl-cms"
	ref_eku "$d" || why="$why eku"
	ref_ku "$d" || why="$why ku"
	ref_paths "$d" || why="$why path"
	ref_artifacts "$d" || why="$why sha256/size"
	ref_policy "$d" "$2" || why="$why policy"
	echo "${why# }"
}

# --- checks ------------------------------------------------------------------------------------------
row() { rows+=("$(printf '%-34s %-34s %s' "$1" "$2" "$3")"); }

# good NAME DIR: both accept
good() {
	local name=$1 d=$2 out ref
	out=$("$verify" --root "$root" "$d" 2>&1)
	local rc=$?
	ref=$(referee "$d" 0)
	if [ $rc -eq 0 ] && [ -z "$ref" ]; then
		pass=$((pass + 1)); echo "ok   $name: nearboot-verify and openssl accept"
		row "$name" "accepted" "accepted"
	else
		fail=$((fail + 1)); echo "FAIL $name: nearboot-verify rc=$rc, referee: ${ref:-ok}"; echo "$out" | sed 's/^/      /'
		row "$name" "rc=$rc (WRONG)" "${ref:-accepted}"
	fi
}

# tampered NAME DIR CODE REFEREE [nearboot-verify options...]
#   CODE     the NB_E_ code nearboot-verify must fail with
#   REFEREE  the referee part that must fail too (openssl-cms, eku, ku, path, sha256/size, policy; REF_FLOOR
#            is the stored serial the policy part judges against), or
#            "accepts" where the referee has no rule for it (then it must accept)
tampered() {
	local name=$1 d=$2 code=$3 want=$4; shift 4
	local out rc ref floor=${REF_FLOOR:-0} a prev=
	for a in "$@"; do
		case $prev in --floor|--min-serial) floor=$a ;; esac
		prev=$a
	done
	out=$("$verify" --root "$root" "$@" "$d" 2>&1)
	rc=$?
	ref=$(referee "$d" "$floor")
	local nv_ok=0 ref_ok=0
	[ $rc -eq 1 ] && grep -q "^  FAIL .*\[$code\]" <<<"$out" && nv_ok=1
	if [ "$want" = accepts ]; then [ -z "$ref" ] && ref_ok=1; else case " $ref " in *" $want "*) ref_ok=1 ;; esac; fi
	local reason
	reason=$(grep -m1 '^  FAIL' <<<"$out" | sed 's/^  FAIL *//')
	if [ $nv_ok = 1 ] && [ $ref_ok = 1 ]; then
		pass=$((pass + 1)); echo "ok   $name: nearboot-verify refuses [$code]; referee: ${ref:-accepts}"
		echo "       $reason"
		row "$name" "$code" "${ref:-accepts}"
	else
		fail=$((fail + 1)); echo "FAIL $name: want [$code] and referee '$want'; got rc=$rc, referee '${ref:-accepts}'"
		echo "$out" | sed 's/^/      /'
		row "$name" "WRONG (rc=$rc)" "${ref:-accepts}"
	fi
}

expect_sign_refuses() { # NAME [nearboot-sign options]
	local name=$1; shift
	local d=$work/$name
	mkdir -p "$d"
	head -c 100 /dev/urandom >"$d/hello.efi"
	if "$sign" --release "$d" --entry hello.efi --serial 1 --cert "$cs/signer.pem" --key "$cs/signer.key" \
		"$@" >"$d.log" 2>&1; then
		fail=$((fail + 1)); echo "FAIL $name: nearboot-sign accepted"
	else
		pass=$((pass + 1)); echo "ok   $name: nearboot-sign refuses: $(tail -1 "$d.log")"
	fi
}

# --- good releases -----------------------------------------------------------------------------------
W=$work
mkrel "$W/good" 10 --options 'console=ttyS0 root="LABEL=x y"' --site https://sitea.nearboot.test/releases/ \
	--site https://siteb.nearboot.test/releases/
good good-ecdsa "$W/good"
mkdir -p "$W/rsa"; head -c 4096 /dev/urandom >"$W/rsa/hello.efi"
"$sign" --release "$W/rsa" --entry hello.efi --serial 10 --cert "$bad/rsa-signer.pem" --key "$bad/rsa-signer.key" \
	--chain "$cs/ca.pem" >/dev/null 2>&1
good good-rsa "$W/rsa"
mkdir -p "$W/many/EFI/BOOT"
for i in $(seq 1 14); do head -c $((i * 1000)) /dev/urandom >"$W/many/EFI/part$i.bin"; done
head -c 4096 /dev/urandom >"$W/many/EFI/BOOT/BOOTX64.EFI"; : >"$W/many/empty"
"$sign" --release "$W/many" --entry EFI/BOOT/BOOTX64.EFI --serial 11 --cert "$cs/signer.pem" --key "$cs/signer.key" \
	--chain "$cs/ca.pem" --valid-days 1 >/dev/null 2>&1
good good-16-artifacts "$W/many"
# the entry's initrd named as such (the kernel + initrd release of scenario 39)
mkrel "$W/initrd" 10 --initrd initrd.img
if grep -q "^initrd initrd.img 32768 " "$W/initrd/manifest" && ! grep -q '^artifact ' "$W/initrd/manifest"; then
	good good-initrd "$W/initrd"
	grep -q '^  ok    initrd     initrd.img: 32768 bytes' < <("$verify" --root "$root" "$W/initrd") ||
		{ fail=$((fail + 1)); echo "FAIL good-initrd: nearboot-verify does not name the initrd"; }
else
	fail=$((fail + 1)); echo "FAIL good-initrd: nearboot-sign did not write 'initrd initrd.img 32768' alone"; cat "$W/initrd/manifest"
fi
cp -r "$W/initrd" "$W/t-initrd"; flip "$W/t-initrd/initrd.img" 5
tampered initrd-byte "$W/t-initrd" NB_E_ARTIFACT_SHA256 sha256/size
# one older release to swap from: same sizes, other bytes
mkrel "$W/older" 9
good good-older "$W/older"

# --- the tamper matrix -------------------------------------------------------------------------------
cp -r "$W/good" "$W/t-manifest"; sed -i 's/^serial 10$/serial 90/' "$W/t-manifest/manifest"
tampered manifest-byte "$W/t-manifest" NB_E_SIG_BAD openssl-cms

cp -r "$W/good" "$W/t-sig"; flip "$W/t-sig/manifest.sig" -3
tampered signature-byte "$W/t-sig" NB_E_SIG_BAD openssl-cms

cp -r "$W/good" "$W/t-entry"; flip "$W/t-entry/hello.efi" 1000
tampered entry-artifact-byte "$W/t-entry" NB_E_ARTIFACT_SHA256 sha256/size

cp -r "$W/good" "$W/t-second"; flip "$W/t-second/initrd.img" 32767
tampered second-artifact-byte "$W/t-second" NB_E_ARTIFACT_SHA256 sha256/size

cp -r "$W/good" "$W/t-trunc"; truncate -s 30000 "$W/t-trunc/initrd.img"
tampered truncated-artifact "$W/t-trunc" NB_E_ARTIFACT_TRUNCATED sha256/size

cp -r "$W/good" "$W/t-long"; printf x >>"$W/t-long/hello.efi"
tampered longer-artifact "$W/t-long" NB_E_ARTIFACT_TOO_LONG sha256/size

cp -r "$W/good" "$W/t-swap"; cp "$W/older/initrd.img" "$W/t-swap/initrd.img"
tampered artifact-from-older-release "$W/t-swap" NB_E_ARTIFACT_SHA256 sha256/size

cp -r "$W/good" "$W/t-noeku"; resign "$W/t-noeku" "$bad/noeku-signer.pem" "$bad/noeku-signer.key" -noattr -certfile "$cs/ca.pem"
tampered signer-without-codesigning "$W/t-noeku" NB_E_SIG_NOT_CODESIGNING eku

cp -r "$W/good" "$W/t-noext"; resign "$W/t-noext" "$bad/noext-signer.pem" "$bad/noext-signer.key" -noattr -certfile "$cs/ca.pem"
tampered signer-without-eku-extension "$W/t-noext" NB_E_SIG_NOT_CODESIGNING eku

cp -r "$W/good" "$W/t-ku"; resign "$W/t-ku" "$bad/ku-signer.pem" "$bad/ku-signer.key" -noattr -certfile "$cs/ca.pem"
tampered signer-ku-keyagreement "$W/t-ku" NB_E_SIG_KEY_USAGE ku

cp -r "$W/good" "$W/t-rogue"; resign "$W/t-rogue" "$bad/rogue-signer.pem" "$bad/rogue-signer.key" -noattr -certfile "$bad/rogue-root.pem"
tampered untrusted-ca "$W/t-rogue" NB_E_SIG_UNTRUSTED openssl-cms

cp -r "$W/good" "$W/t-expired"; resign "$W/t-expired" "$bad/expired-signer.pem" "$bad/expired-signer.key" -noattr -certfile "$cs/ca.pem"
tampered expired-signing-cert "$W/t-expired" NB_E_SIG_CERT_EXPIRED openssl-cms

cp -r "$W/good" "$W/t-weak"; resign "$W/t-weak" "$bad/weak-signer.pem" "$bad/weak-signer.key" -noattr -certfile "$cs/ca.pem"
tampered rsa-1024-signer "$W/t-weak" NB_E_SIG_CHAIN accepts

mkrel "$W/t-old-manifest" 10 --not-after 2021-01-01T00:00:00Z
tampered expired-manifest "$W/t-old-manifest" NB_E_RELEASE_EXPIRED policy

tampered lower-serial-than-stored "$W/older" NB_E_RELEASE_ROLLBACK policy --floor 10

tampered below-config-min-serial "$W/older" NB_E_RELEASE_BELOW_FLOOR policy --min-serial 10

# the stored serial through the firmware's NV code: boot 10 (commit), then replay 9
mkdir -p "$W/nv"
if "$verify" --root "$root" --nv-dir "$W/nv" --commit "$W/good" >"$W/nv.log" 2>&1 && grep -q 'ok    commit' "$W/nv.log"; then
	pass=$((pass + 1)); echo "ok   nv-commit: release 10 verified and committed to NV"
else
	fail=$((fail + 1)); echo "FAIL nv-commit"; sed 's/^/      /' "$W/nv.log"
fi
REF_FLOOR=10 tampered replayed-older-release-nv "$W/older" NB_E_RELEASE_ROLLBACK policy --nv-dir "$W/nv"

cp -r "$W/good" "$W/t-escape"; echo outside >"$W/outside.bin"
printf 'artifact ../outside.bin %s %s\n' "$(stat -c %s "$W/outside.bin")" "$(sha256sum <"$W/outside.bin" | cut -d' ' -f1)" \
	>>"$W/t-escape/manifest"
resign "$W/t-escape" "$cs/signer.pem" "$cs/signer.key" -noattr -md sha256 -certfile "$cs/ca.pem"
tampered path-escapes-release "$W/t-escape" NB_E_MANIFEST_PATH_ESCAPES path

cp -r "$W/good" "$W/t-link"; cp "$W/t-link/initrd.img" "$W/initrd-outside.img"
ln -sf "$W/initrd-outside.img" "$W/t-link/initrd.img"
tampered symlink-out-of-release "$W/t-link" NB_E_MANIFEST_PATH_ESCAPES path

cp -r "$W/good" "$W/t-attrs"; resign "$W/t-attrs" "$cs/signer.pem" "$cs/signer.key" -md sha256 -certfile "$cs/ca.pem"
tampered signed-attributes "$W/t-attrs" NB_E_SIG_SIGNED_ATTRS accepts

cp -r "$W/good" "$W/t-sigswap"; cp "$W/older/manifest.sig" "$W/t-sigswap/manifest.sig"
tampered signature-from-older-release "$W/t-sigswap" NB_E_SIG_BAD openssl-cms

cp -r "$W/good" "$W/t-nointer"; resign "$W/t-nointer" "$cs/signer.pem" "$cs/signer.key" -noattr -md sha256
tampered intermediate-missing "$W/t-nointer" NB_E_SIG_UNTRUSTED openssl-cms

# --- the signing tool refuses what the first stage would refuse ----------------------------------------
expect_sign_refuses sign-refuses-dotdot --artifact ../x
expect_sign_refuses sign-refuses-absolute --artifact /etc/hostname
expect_sign_refuses sign-refuses-bad-serial --artifact hello.efi --serial 007
expect_sign_refuses sign-refuses-http-site --site http://sitea.nearboot.test/
expect_sign_refuses sign-refuses-bad-time --not-after 2027-02-30T00:00:00Z
expect_sign_refuses sign-refuses-initrd-is-entry --initrd hello.efi
expect_sign_refuses sign-refuses-initrd-escapes --initrd ../initrd.img
expect_sign_refuses sign-refuses-initrd-missing --initrd none.img
expect_sign_refuses sign-refuses-options-ctl --options "$(printf 'a\tb')"

echo
printf '%-34s %-34s %s\n' "case" "nearboot-verify" "independent referee (openssl / sha256sum / shell)"
for r in "${rows[@]}"; do echo "$r"; done
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
