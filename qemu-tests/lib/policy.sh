# shellcheck shell=bash
# qemu-tests/lib/policy.sh — helpers of the boot-policy scenarios (issue 7: 40-5x) and bench-boot; sourced
# after lab.sh and release.sh. The lab pieces they use (nb-link on a router-site link, silent blackholes,
# nginx's Range/address log fields) are at the end of lab.sh.
#
#   pol_sites4 [SITE...]        "--site https://198.18.254.N/release/" per site (own unicast addresses)
#   pol_sites6 [SITE...]        the same with fd00:b007:0:fffe::N
#   pol_site_url SITE 4|6       https://<own address>/release/
#   pol_stage2 BYTES            hello padded with random bytes to BYTES (a bigger artifact); echoes the path
#   pol_release DIR SERIAL OPTIONS [ENTRY]   a signed release (lab_make_release) of ENTRY (default hello)
#   pol_releases SERIAL [ENTRY]  one release per site, each at www/release with options "hello from SITE"
#                               (ENTRY's bytes and mtime identical at every site: one release, published)
#   pol_boot TAG [lab_boot options]   boot to hello's marker (one attempt unless told otherwise), then
#                               write TAG/flows.txt (TCP connections) and TAG/icmp.txt from its capture
#   pol_handoff_ms / pol_phase_ms NAME / pol_race_line N   figures from the last boot's console
#   pol_assert_flow ERE WHAT / pol_assert_no_flow ERE WHAT   a connection in the last boot's flows.txt
#   pol_flow_field ERE KEY      KEY's value in the first flow matching ERE
#   pol_assert_silent_blackhole   no ICMP error reached the client in the last boot (a blackhole is silent)
#   pol_assert_release_from SITE [FILE...]   SITE's nginx served these (default manifest manifest.sig
#                               stage2.efi) with 200 during the last boot
#   pol_assert_no_release SITE  SITE's nginx served nothing under /release/ during the last boot
#   pol_site_dnsmasq SITE SED-SCRIPT   rewrite SITE's dnsmasq.conf with sed and restart it
#   pol_first_syn               "server" of the client's first TCP connection in the last boot
#   pol_ge A B / pol_lt A B     numeric comparisons (floats)

POL_FLOW_PCAP="python3 $LAB_TESTS/lib/flow-pcap.py"
POL_HELLO=$LAB_REPO/build/x86_64-efi/stage2-hello.efi

pol_site_url() { if [ "$2" = 6 ]; then echo "https://[$(lab_site_own6 "$1")]/release/"; else echo "https://$(lab_site_own4 "$1")/release/"; fi; }
pol_sites4() { local s; [ $# -gt 0 ] || set -- $LAB_SITES; for s in "$@"; do printf -- '--site %s ' "$(pol_site_url "$s" 4)"; done; }
pol_sites6() { local s; [ $# -gt 0 ] || set -- $LAB_SITES; for s in "$@"; do printf -- '--site %s ' "$(pol_site_url "$s" 6)"; done; }

pol_ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
pol_lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }

pol_stage2() {
	local bytes=$1 out=$LAB_OUT/stage2-$1.efi have
	[ -s "$POL_HELLO" ] || lab_die "no $POL_HELLO (make efi)"
	cp "$POL_HELLO" "$out"
	have=$(stat -c %s "$out")
	[ "$bytes" -ge "$have" ] || lab_die "pol_stage2: $bytes < hello's $have bytes"
	head -c "$((bytes - have))" /dev/urandom >>"$out"
	echo "$out"
}

pol_release() {
	local dir=$1 serial=$2 opts=$3 entry=${4:-$POL_HELLO}
	lab_make_release "$dir" "$serial" "$entry" --options "$opts"
}

# One release directory per site (their options name the site, so hello's load options show whose
# manifest booted); the entry's bytes AND mtime are the same everywhere (copied with cp -p), as a release
# synced to every site would be: nginx's ETag (mtime-size) then agrees between sites, which HTTP If-Range
# needs for a resume on another site.
pol_releases() {
	local serial=$1 entry=${2:-$POL_HELLO} s ref=$LAB_OUT/stage2.ref.efi
	cp "$entry" "$ref"
	touch -d '2026-01-01 00:00:00 UTC' "$ref"
	for s in $LAB_SITES; do
		pol_release "$(lab_site_www "$s")/release" "$serial" "hello from $s" "$ref"
		touch -r "$ref" "$(lab_site_www "$s")/release/stage2.efi"
	done
	lab_log "release $serial on every site (stage2.efi $(stat -c %s "$ref") bytes, sha256 $(sha256sum <"$ref" | cut -c1-16)...)"
}

pol_boot() {
	local tag=$1; shift
	lab_boot --tag "$tag" --marker "stage2-hello: ok" "$@"
	$POL_FLOW_PCAP flows "$LAB_BOOT_DIR/client.pcap" --mac "$LAB_CLIENT_MAC" >"$LAB_BOOT_DIR/flows.txt" || true
	$POL_FLOW_PCAP icmp "$LAB_BOOT_DIR/client.pcap" --mac "$LAB_CLIENT_MAC" >"$LAB_BOOT_DIR/icmp.txt" || true
	lab_log "$tag: hand-off after $(pol_handoff_ms) ms (nearboot's clock); race $(pol_phase_ms race) ms; $(wc -l <"$LAB_BOOT_DIR/flows.txt") TCP connection(s) on the wire"
	sed 's/^/    flow: /' "$LAB_BOOT_DIR/flows.txt" >&2
}

# the console without escape sequences
pol_console() { lab_serial | sed 's/\x1b\[[0-9;=?]*[A-Za-z]//g'; }
pol_handoff_ms() { sed -n 's/.*boot: handing over to .* after \([0-9]*\) ms.*/\1/p' <<<"$(pol_console)" | sed -n '$p'; }
pol_phase_ms() { sed -n "s/.*phase: $1 \([0-9]*\) ms at .*/\1/p" <<<"$(pol_console)" | sed -n 1p; }
pol_race_line() { { grep -E "race: #$1 " <<<"$(pol_console)" || true; } | sed -n '$p' | sed 's/^.*race: /race: /'; }

pol_assert_flow() {
	local all
	all=$(grep -E -- "$1" "$LAB_BOOT_DIR/flows.txt") || lab_die "capture: no TCP connection for: $2 (want /$1/ in $LAB_BOOT_DIR/flows.txt)"
	lab_log "asserted on the wire ($2): ${all%%$'\n'*}"
}
pol_assert_no_flow() {
	local all
	if all=$(grep -E -- "$1" "$LAB_BOOT_DIR/flows.txt"); then lab_die "capture: $2: ${all%%$'\n'*}"; fi
	lab_log "asserted on the wire ($2): no connection like /$1/"
}
pol_flow_field() {
	local all
	all=$(grep -E -- "$1" "$LAB_BOOT_DIR/flows.txt") || return 1
	all=${all%%$'\n'*}
	sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $all"
}
pol_first_syn() { sed -n 's/.* server=\([^ ]*\) .*/\1/p' "$LAB_BOOT_DIR/flows.txt" | sed -n 1p; }

pol_assert_silent_blackhole() {
	[ -s "$LAB_BOOT_DIR/icmp.txt" ] && lab_die "an ICMP error reached the client (a blackhole must be silent): $(sed -n 1p "$LAB_BOOT_DIR/icmp.txt")"
	lab_log "asserted on the wire: no ICMP/ICMPv6 error reached the client (the blackhole is silent)"
}

pol_assert_release_from() {
	local s=$1 f; shift
	[ $# -gt 0 ] || set -- manifest manifest.sig stage2.efi
	for f in "$@"; do
		lab_expect_log "$s" nginx-access.log "\"GET /release/$f HTTP/1\.1\" 200 " "$s served $f"
	done
}
pol_assert_no_release() { lab_assert_no_log "$1" nginx-access.log 'GET /release/' "$1 served nothing of the release"; }

pol_site_dnsmasq() {
	local s=$1 script=$2
	if grep -q "^dnsmasq-$s " "$LAB_PIDS"; then lab_kill "dnsmasq-$s"; fi
	sed -i -e "$script" "$LAB_OUT/$s/dnsmasq.conf"
	lab_start_dnsmasq "$s"
	lab_log "$s: dnsmasq restarted with: $script"
}
