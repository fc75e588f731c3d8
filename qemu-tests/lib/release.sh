# shellcheck shell=bash
# qemu-tests/lib/release.sh — signed releases and configured images for lab scenarios (sourced after
# lab.sh). The dev PKI is the lab's (build/keys, keys/make-dev-pki.sh).
#
#   lab_make_release DIR SERIAL ENTRY_FILE [nearboot-sign options...]
#       copy ENTRY_FILE to DIR/stage2.efi and sign a release there (code-signing cert + intermediate)
#   lab_configure_image [nearboot-config set options...]
#       copy the lab's image snapshot, write its embedded configuration (the lab root as TLS and
#       code-signing anchor, plus the options), and make it the image the lab serves (before lab_up)
#   lab_site_www SITE      the site's nginx document root

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
