#!/usr/bin/env bash
# Scenario 43 — the serving site blackholed in the middle of the download: the transfer must resume at its
# byte offset from the next site, not start over. siteB is 40 ms away (nb-link), so siteA (nearest) serves;
# stage2.efi is hello padded to 24 MiB. A watcher follows the capture and, once siteA has sent 4 MiB of
# TCP payload, the router starts dropping everything to and from siteA's own addresses (silently). After
# nearboot's idle timeout (default 2 s) it must fail over to siteB with "Range: bytes=N-" and finish.
# Asserted: the console's "stopped at byte N ... failing over" and "resuming stage2.efi at byte N of M from
# siteB" (N > 0), sha256 ok, hello; siteB's nginx logged a 206 for range="bytes=N-" with M-N body bytes;
# on the wire siteB sent about M-N bytes (not M) and siteA's connection was cut with no ICMP error.
# Two boots (fresh NV each), the same cut:
#   synced        both sites' copies have the same bytes AND mtime (rsync -t): nginx's ETags agree
#   etag-differs  siteB's copy has the same bytes but another mtime (a copy without -t), so another ETag:
#                 the manifest's sha256 is the end-to-end check, so the resume must still be a 206 from N
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
. "$(dirname "$0")/../lib/policy.sh"
LAB_LINK_siteb='delay=20'
lab_init 43-policy-blackhole-mid-download
# shellcheck disable=SC2046
lab_configure_image $(pol_sites4 sitea siteb)
lab_up
size=$((24 * 1024 * 1024))
pol_releases 7 "$(pol_stage2 $size)"
a=$(pol_site_url sitea 4) b=$(pol_site_url siteb 4)

cut_sitea() { # TAG
	local got
	got=$($POL_FLOW_PCAP watch "$LAB_OUT/$1/client.pcap" --src "$(lab_site_own4 sitea)" --bytes 4194304 --timeout 200) ||
		{ lab_log "watcher: $got"; return 0; }
	lab_blackhole "$(lab_site_own4 sitea)" "$(lab_site_own6 sitea)"
	echo "$LAB_BLACKHOLE_T $got" >"$LAB_OUT/$1/cut.txt"
}

mid_download() { # TAG
	local tag=$1 n t_cut cut_bytes
	lab_background "cutter-$tag" cut_sitea "$tag"
	pol_boot "$tag" --pxe4
	lab_unblackhole
	[ -s "$LAB_OUT/$tag/cut.txt" ] || lab_die "siteA was never cut (the watcher did not see 4 MiB from siteA; see $LAB_OUT/cutter-$tag.log)"
	read -r t_cut _ cut_bytes _ <"$LAB_OUT/$tag/cut.txt"
	lab_log "$tag: siteA blackholed at $t_cut, after $cut_bytes bytes of TCP payload from it"
	# console: stalled, failed over, resumed at the offset
	lab_expect_serial "boot: stage2\.efi from ${a//./\\.} stopped at byte [1-9][0-9]*( of $size)? \(.*\); failing over" "siteA's transfer stalled and was given up"
	n=$(sed -n "s|.*boot: resuming stage2\.efi at byte \([0-9]*\) of $size from ${b//./\\.}.*|\1|p" <<<"$(pol_console)" | sed -n 1p)
	[ -n "$n" ] || lab_die "no 'boot: resuming stage2.efi at byte N of $size from $b' on the console"
	[ "$n" -gt 0 ] && [ "$n" -lt "$size" ] || lab_die "resumed at byte $n"
	lab_log "asserted: resumed at byte $n of $size from siteB"
	lab_expect_serial "verify: stage2\.efi $size bytes sha256 ok" "the resumed artifact is the release's"
	lab_expect_serial "^site ${b//./\\.}$" "hand-off record: completed by siteB"
	# servers: siteB answered the Range with 206
	lab_expect_log siteb nginx-access.log "\"GET /release/stage2\.efi HTTP/1\.1\" 206 $((size - n)) .* range=\"bytes=$n-\" " "siteB: 206 for bytes=$n-, $((size - n)) bytes"
	lab_assert_no_log siteb nginx-access.log "\"GET /release/stage2\.efi HTTP/1\.1\" 200 " "siteB never sent the whole file"
	lab_expect_log sitea nginx-access.log "\"GET /release/manifest HTTP/1\.1\" 200 " "siteA served the manifest"
	# wire: only the rest came from siteB
	local sb sa
	sb=$(grep 'server=198\.18\.254\.2 sport=443' "$LAB_BOOT_DIR/flows.txt" | sed -n 's/.* s2c=\([0-9]*\) .*/\1/p' | sort -n | tail -n1 || true)
	sa=$(grep 'server=198\.18\.254\.1 sport=443' "$LAB_BOOT_DIR/flows.txt" | sed -n 's/.* s2c=\([0-9]*\) .*/\1/p' | sort -n | tail -n1 || true)
	# TLS adds ~0.1 % plus the handshake; a restart from zero would be >= size
	[ "${sb:-0}" -ge "$((size - n))" ] && [ "${sb:-0}" -lt "$(( (size - n) + (size - n) / 50 + 65536 ))" ] ||
		lab_die "siteB sent ${sb:-0} bytes on the wire for the remaining $((size - n)) (a restart from zero would be >= $size)"
	# (the capture may miss packets under this load: tcpdump reports kernel drops; sequence numbers
	# still bound what siteA sent from below)
	[ "${sa:-0}" -ge 1048576 ] || lab_die "siteA sent only ${sa:-0} bytes on the wire before the cut"
	pol_assert_silent_blackhole
	lab_log "asserted on the wire: siteA sent $sa bytes before the cut, siteB $sb (remaining $((size - n)))"
}
lab_check "synced copies: resumed at the offset from siteB (206)" mid_download synced
lab_unblackhole
touch -d '2026-02-02 00:00:00 UTC' "$(lab_site_www siteb)/release/stage2.efi"
lab_log "siteB's stage2.efi: same bytes, another mtime (nginx ETag $(printf '"%x-%x"' "$(stat -c %Y "$(lab_site_www siteb)/release/stage2.efi")" "$size") vs siteA's $(printf '"%x-%x"' "$(stat -c %Y "$(lab_site_www sitea)/release/stage2.efi")" "$size"))"
lab_check "copies differing only in mtime (ETag): still resumed at the offset (206)" mid_download etag-differs
lab_finish
