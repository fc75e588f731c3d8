# shellcheck shell=bash
# qemu-tests/lib/release.sh — signed releases and configured images for lab scenarios (sourced after
# lab.sh). The dev PKI is the lab's (build/keys, keys/make-dev-pki.sh).
#
#   lab_make_release DIR SERIAL ENTRY_FILE [nearboot-sign options...]
#       copy ENTRY_FILE to DIR/stage2.efi and sign a release there (code-signing cert + intermediate);
#       every other file already in DIR (e.g. an "initrd") becomes an artifact too
#   lab_configure_image [nearboot-config set options...]
#       copy the lab's image snapshot, write its embedded configuration (the lab root as TLS and
#       code-signing anchor, plus the options), and make it the image the lab serves (before lab_up)
#   lab_site_www SITE      the site's nginx document root
#
# The tamper matrix (issue 6; scenarios 30-37):
#   lab_test_signers        the wrong signers of keys/make-test-signers.sh (no codeSigning EKU, a rogue
#                           root, expired, ...), made once in $LAB_KEYS/test-signers; echoes that directory
#   lab_resign DIR CERT KEY [CHAIN]   a new DIR/manifest.sig over DIR/manifest made with openssl directly
#                           (cms -sign -binary -noattr -md sha256 -outform DER; CHAIN = -certfile)
#   lab_flip FILE OFFSET    xor one byte with 0x01 (a negative OFFSET counts from the end)
#   lab_publish SRC [SITE...]   SRC (a release directory) becomes every (or each named) site's /release/
#   lab_referee DIR [KEY=WANT...]   the independent verdict on a release directory (below); logged, and
#                           each KEY=WANT asserted (cms, eku, files, policy; WANT ok|FAIL)
#   lab_boot_refused TAG CODE [lab_boot options...]   boot (from disk, one attempt) a client that must NOT
#                           boot: "nearboot: giving up", no stage2 line, no hand-over, an error line naming
#                           CODE and no "error: verify:" line naming another code
#   lab_assert_asked FILE [SITE...]   every (named) site's nginx got a GET of /release/FILE this boot
#   lab_case NAME FUNCTION [ARGS...]  lab_check, plus a row in the scenario's matrix ($LAB_OUT/matrix.txt);
#                           FUNCTION records its row's facts with lab_case_note reason|openssl TEXT
#   lab_matrix              print the matrix (console, lab.log), then lab_finish
#   lab_expect_serial ERE WHAT, lab_expect_log NODE FILE ERE WHAT   lab_assert_serial / lab_assert_log
#                           without "grep -m1" in a pipeline: under pipefail that can fail on a line that is
#                           there (grep exits at the first match, the writer gets SIGPIPE)

lab_site_www() { echo "$LAB_OUT/$1/www"; }

lab_make_release() {
	local dir=$1 serial=$2 entry=$3; shift 3
	mkdir -p "$dir"
	cp "$entry" "$dir/stage2.efi"
	"$LAB_REPO/stage2/tools/nearboot-sign" --release "$dir" --entry stage2.efi --serial "$serial" \
		--cert "$LAB_KEYS/codesign/signer.pem" --key "$LAB_KEYS/codesign/signer.key" \
		--chain "$LAB_KEYS/codesign/ca.pem" "$@" >"$LAB_OUT/sign-$serial.log" 2>&1 ||
		lab_die "nearboot-sign failed: $(tail -3 "$LAB_OUT/sign-$serial.log")"
	chmod -R a+rX "$dir"
}

lab_configure_image() {
	local img=$LAB_OUT/nearboot-configured.efi
	[ -s "$LAB_KEYS/root-ca.pem" ] || "$LAB_REPO/keys/make-dev-pki.sh" "$LAB_KEYS" >/dev/null
	cp "$LAB_IMAGE" "$img"
	"$LAB_REPO/build/host/nearboot-config" set "$img" --tls-ca "$LAB_KEYS/root-ca.pem" \
		--code-ca "$LAB_KEYS/root-ca.pem" "$@" >"$LAB_OUT/config.log" 2>&1 ||
		lab_die "nearboot-config failed: $(tail -3 "$LAB_OUT/config.log")"
	NEARBOOT_EFI=$img
	cp "$img" "$LAB_IMAGE" # lab_init took its snapshot already: this is the image the lab serves
	lab_log "configured image: $*"
}

# ---- the tamper matrix ------------------------------------------------------------------------------

lab_expect_serial() {
	local all
	all=$(lab_serial | grep -E -- "$1") || lab_die "serial console: no line for: $2 (want /$1/; $LAB_BOOT_DIR/serial.log)"
	lab_log "asserted ($2): ${all%%$'\n'*}"
}
lab_expect_log() {
	local all
	all=$(lab_log_since "$1" "$2" | grep -E -- "$3") || lab_die "$1/$2: no line for: $4 (want /$3/)"
	all=${all%%$'\n'*}
	lab_log "asserted in $1/$2 ($4): ${all:0:220}"
}

# lab_tamper_image — the image for tamper cases: two candidate sites, the anycast address (siteA, the
# nearest) and siteB's own address, so nearboot judges the release at both sites (a refusal at one is not
# hidden by failing over to the other: every site serves the same tampered release)
lab_tamper_image() {
	LAB_TAMPER_BASES="https://$LAB_ANYCAST4/release/ https://$(lab_site_own4 siteb)/release/"
	local b args=()
	for b in $LAB_TAMPER_BASES; do args+=(--site "$b"); done
	lab_configure_image "${args[@]}"
}
# lab_assert_per_site CODE PREFIX SUFFIX — for every candidate site BASE, an error line
# "error: PREFIX BASE SUFFIX ... (CODE)" (PREFIX/SUFFIX: regular expressions)
lab_assert_per_site() {
	local code=$1 pre=$2 suf=$3 b re
	for b in ${LAB_TAMPER_BASES:?lab_tamper_image first}; do
		re=$(printf '%s' "$b" | sed 's/[.]/\\./g')
		lab_expect_serial "error: $pre$re$suf.*\($code\)\$" "refused at $b with $code"
	done
}

lab_test_signers() {
	local d=$LAB_KEYS/test-signers
	[ -s "$LAB_KEYS/root-ca.pem" ] || "$LAB_REPO/keys/make-dev-pki.sh" "$LAB_KEYS" >/dev/null
	bash "$LAB_REPO/keys/make-test-signers.sh" "$LAB_KEYS" "$d" >>"$LAB_OUT/test-signers.log" 2>&1 ||
		lab_die "keys/make-test-signers.sh failed (see $LAB_OUT/test-signers.log)"
	echo "$d"
}

lab_resign() {
	local d=$1 cert=$2 key=$3 chain=${4:-}
	openssl cms -sign -binary -noattr -md sha256 -in "$d/manifest" -signer "$cert" -inkey "$key" \
		${chain:+-certfile "$chain"} -outform DER -out "$d/manifest.sig" 2>>"$LAB_OUT/resign.log" ||
		lab_die "openssl cms -sign failed for $d (see $LAB_OUT/resign.log)"
	chmod a+r "$d/manifest.sig"
}

lab_flip() {
	local f=$1 off=$2 size b
	size=$(stat -c %s "$f")
	[ "$off" -ge 0 ] || off=$((size + off))
	b=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
	# shellcheck disable=SC2059
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
	lab_log "flipped byte $off of $(basename "$f") (0x$(printf %02x "$b") -> 0x$(printf %02x $((b ^ 1))))"
}

lab_publish() {
	local src=$1 s; shift
	# shellcheck disable=SC2086 # LAB_SITES is a list
	[ $# -gt 0 ] || set -- $LAB_SITES
	for s in "$@"; do
		rm -rf "$(lab_site_www "$s")/release"
		cp -a "$src" "$(lab_site_www "$s")/release"
		chmod -R a+rX "$(lab_site_www "$s")/release"
	done
	lab_log "published $(basename "$src") ($(sed -n 's/^serial //p' "$src/manifest" 2>/dev/null | sed -n 1p | sed "s/^/serial /")) on: $*"
}

# The referee, independent of nearboot's code:
#   cms     openssl cms -verify -binary -inform DER -purpose any -CAfile root-ca.pem -content manifest
#           -in manifest.sig  (signature over the manifest's bytes, chain to the root, validity now)
#   eku     the certificate the SignerInfo names has codeSigning (openssl x509 -ext extendedKeyUsage;
#           OpenSSL 3.0 has no code-signing purpose for cms -verify)
#   files   every entry/artifact: inside DIR (realpath), size (stat) and sha256 (sha256sum) as listed
#   policy  not-after (date) not past; serial >= REF_FLOOR (the stored serial, default 0)
# Sets REF_CMS REF_EKU REF_FILES REF_POLICY (ok|FAIL) and REF_LINE; logs REF_LINE.
_ref_reason() { # an openssl stderr file: its most telling line, short
	local r
	r=$(grep -m1 -o 'Verify error:.*' "$1") ||
		r=$(grep -m1 -o 'error:[0-9A-F]*:[^:]*:[^:]*:[^:]*' "$1" | awk -F: '{ print $NF }') || r=
	echo "${r:-no reason given}"
}
lab_referee() {
	local d=$1 w; shift
	local root=$LAB_KEYS/root-ca.pem tmp=$LAB_OUT/referee.$$ k p s h top real why
	mkdir -p "$tmp"
	if openssl cms -verify -binary -inform DER -purpose any -CAfile "$root" -content "$d/manifest" \
		-in "$d/manifest.sig" -out /dev/null 2>"$tmp/cms.err"; then
		REF_CMS=ok why="cms ok"
	else
		REF_CMS=FAIL why="cms FAIL ($(_ref_reason "$tmp/cms.err"))"
	fi
	# the signer certificate: the one the SignerInfo names (-noverify skips only the chain; when the
	# signature itself is bad openssl writes no signer, so fall back to the SignedData's leaf)
	rm -f "$tmp/signer.pem"
	openssl cms -verify -noverify -binary -inform DER -content "$d/manifest" -in "$d/manifest.sig" \
		-signer "$tmp/signer.pem" -out /dev/null 2>/dev/null || true
	if [ ! -s "$tmp/signer.pem" ]; then
		openssl pkcs7 -inform DER -in "$d/manifest.sig" -print_certs 2>/dev/null |
			awk -v dir="$tmp" '/BEGIN CERT/ { n++ } n { print > (dir "/cert" n ".pem") }'
		for p in "$tmp"/cert*.pem; do
			[ -s "$p" ] || continue
			openssl x509 -in "$p" -noout -ext basicConstraints 2>/dev/null | grep -q 'CA:TRUE' && continue
			cp "$p" "$tmp/signer.pem"; break
		done
	fi
	if [ -s "$tmp/signer.pem" ] && openssl x509 -in "$tmp/signer.pem" -noout -ext extendedKeyUsage 2>/dev/null | grep -q 'Code Signing'; then
		REF_EKU=ok why="$why, eku ok"
	else
		REF_EKU=FAIL
		why="$why, eku FAIL ($(openssl x509 -in "$tmp/signer.pem" -noout -ext extendedKeyUsage 2>/dev/null | sed -n '2p' | tr -s ' ' | sed 's/^ //;s/^$/no EKU extension/' || echo "no signer certificate"))"
	fi
	REF_FILES=ok
	top=$(realpath "$d")
	local bad=
	while read -r k p s h; do
		case $k in entry|initrd|artifact) ;; *) continue ;; esac
		real=$(realpath -m "$d/$p")
		case $real in "$top"/*) ;; *) bad="$bad $p:escapes-release"; continue ;; esac
		if [ ! -f "$real" ]; then bad="$bad $p:missing"
		elif [ "$(stat -L -c %s "$real")" != "$s" ]; then bad="$bad $p:size-$(stat -L -c %s "$real")-not-$s"
		elif [ "$(sha256sum <"$real" | cut -d' ' -f1)" != "$h" ]; then bad="$bad $p:sha256"
		fi
	done <"$d/manifest"
	[ -z "$bad" ] || REF_FILES=FAIL
	why="$why, files ${REF_FILES}${bad:+ (${bad# })}"
	local na sr
	na=$(sed -n 's/^not-after //p' "$d/manifest" | sed -n 1p)
	sr=$(sed -n 's/^serial //p' "$d/manifest" | sed -n 1p)
	REF_POLICY=ok
	if [ -z "$na" ] || [ "$(date -u -d "$na" +%s 2>/dev/null || echo 0)" -lt "$(date -u +%s)" ]; then
		REF_POLICY=FAIL why="$why, policy FAIL (not-after $na is past)"
	elif [ "${sr:-0}" -lt "${REF_FLOOR:-0}" ]; then
		REF_POLICY=FAIL why="$why, policy FAIL (serial $sr < stored ${REF_FLOOR:-0})"
	else
		why="$why, policy ok"
	fi
	REF_LINE=$why
	rm -rf "$tmp"
	lab_log "referee (openssl, sha256sum, date) on $(basename "$d"): $REF_LINE"
	lab_case_note openssl "$REF_LINE"
	for w in "$@"; do
		local key=${w%%=*} want=${w#*=} got
		case $key in
		cms) got=$REF_CMS ;; eku) got=$REF_EKU ;; files) got=$REF_FILES ;; policy) got=$REF_POLICY ;;
		*) lab_die "lab_referee: unknown check $key" ;;
		esac
		[ "$got" = "$want" ] || lab_die "referee: $key is $got, want $want ($REF_LINE)"
	done
	[ $# -eq 0 ] || lab_log "asserted (referee): $*"
}

lab_boot_refused() {
	local tag=$1 code=$2; shift 2
	if ! ( lab_boot --tag "$tag" --disk --fwcfg opt/org.nearboot/max-attempts=1 \
		--marker "nearboot: giving up" --fail-marker "stage2-hello:" "$@" ); then
		LAB_BOOT_DIR=$LAB_OUT/$tag
		local l
		l=$(lab_serial | grep -E 'stage2-(hello|linux):|boot: handing over') &&
			lab_die "$tag: the tampered release was NOT refused: ${l%%$'\n'*}"
		lab_die "$tag: no 'nearboot: giving up' on the console ($LAB_BOOT_DIR/serial.log)"
	fi
	LAB_BOOT_DIR=$LAB_OUT/$tag
	lab_log "$tag: nearboot gave up, as it must ($(sed -n 's/.*marker .* after \([0-9.]*s\).*/\1/p' "$LAB_BOOT_DIR/qemu.log" | tail -n1) from QEMU start)"
	lab_assert_no_serial 'stage2-(hello|linux):' "$tag: no second stage ran"
	lab_assert_no_serial 'boot: handing over' "$tag: nothing handed over"
	lab_expect_serial "error: .*\($code\)\$" "$tag: refused with $code"
	local other
	if other=$(lab_serial | grep -E 'error: verify: ' | grep -v -F "($code)"); then
		lab_die "$tag: a verify error naming another reason than $code: $other"
	fi
	lab_log "asserted ($tag): every 'error: verify:' line names $code"
	lab_case_note reason "$code"
}

lab_assert_asked() {
	local f=$1 s; shift
	# shellcheck disable=SC2086 # LAB_SITES is a list
	[ $# -gt 0 ] || set -- $LAB_SITES
	for s in "$@"; do
		lab_expect_log "$s" nginx-access.log "\"GET /release/$f HTTP/1\.1\" [0-9]+ " "$s was asked for $f (so its copy was judged, not skipped)"
	done
}

# ---- the matrix -------------------------------------------------------------------------------------
LAB_CASE=
lab_case_note() { [ -n "$LAB_CASE" ] && printf '%s\n' "$2" >"$LAB_OUT/case.$LAB_CASE.$1"; return 0; }
lab_case() {
	local name=$1 n0=${#LAB_FAILED[@]} t0 dt verdict=PASS reason openssl; shift
	t0=$(date +%s.%N)
	LAB_CASE=$name
	rm -f "$LAB_OUT/case.$name".*
	lab_check "$name" "$@"
	LAB_CASE=
	[ ${#LAB_FAILED[@]} -eq "$n0" ] || verdict=FAIL
	dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	reason=$(cat "$LAB_OUT/case.$name.reason" 2>/dev/null || echo -)
	openssl=$(cat "$LAB_OUT/case.$name.openssl" 2>/dev/null || echo -)
	printf '%-30s | %-26s | %-4s | %5ss | %s\n' "$name" "$reason" "$verdict" "$dt" "$openssl" >>"$LAB_OUT/matrix.txt"
}
lab_matrix() {
	{
		printf '%-30s | %-26s | %-4s | %6s | %s\n' case "console reason" "" time "referee (openssl cms / x509 EKU, sha256sum, date)"
		cat "$LAB_OUT/matrix.txt" 2>/dev/null
	} | while IFS= read -r l; do lab_log "matrix: $l"; done
	lab_finish
}
