#!/usr/bin/env bash
# Scenario 45 — DHCP relay down, cached lease and cached site. The sites' DHCP servers hand out addresses
# only (no boot file, no boot URL: nothing in DHCP names a site); the image lists siteA then siteB by their
# own addresses; siteA has been blackholed (silently) since before boot 1. Both boots from disk (no PXE
# cache), sharing one NV store.
#  boot 1: relay up. DHCP works; the race finds siteA silent and boots from siteB; nearboot caches the
#    lease and the site cache (last good = siteB, ranking).
#  boot 2: the router's relay switched off (RA stays): no DHCP answer at all. nearboot must come up on the
#    lease fallbacks (the cached lease) and boot from the cached last-good site: siteB is its first
#    candidate ("last good, ranked by the last boot") and gets the first SYN, before siteA.
# Asserted from the console, the captures (no DHCP server packet in boot 2; first SYN of each boot), the
# sites' DHCP logs (nothing answered boot 2) and nginx logs (siteB served boot 2).
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
. "$(dirname "$0")/../lib/policy.sh"
LAB_SITE_BOOT=no
lab_init 45-policy-relay-off-cached
# shellcheck disable=SC2046
lab_configure_image $(pol_sites4 sitea siteb) --dhcp-timeout 2000
lab_up
pol_releases 7
b=$(pol_site_url siteb 4)
vars=$LAB_OUT/OVMF_VARS.kept.fd
lab_blackhole "$(lab_site_own4 sitea)" "$(lab_site_own6 sitea)"

pol_boot boot1 --disk --vars "$vars"
boot1_checks() {
	lab_expect_serial "dhcp4: 198\.18\.1\.[0-9]+ via 198\.18\.1\.1 from server .*\(DHCPv4, " "boot 1: a DHCPv4 lease"
	lab_assert_no_serial "dhcp: boot information from" "boot 1: DHCP named no site"
	[ "$(pol_first_syn)" = "$(lab_site_own4 sitea)" ] || lab_die "boot 1's first SYN went to $(pol_first_syn), want siteA (configuration order)"
	lab_log "asserted on the wire: boot 1 tried siteA first (configuration order)"
	pol_assert_release_from siteb
	lab_expect_serial "^site ${b//./\\.}$" "boot 1 booted from siteB"
}
lab_check "boot 1: DHCP, siteA silent, siteB" boot1_checks

lab_set_relay ""
pol_boot boot2 --disk --vars "$vars"
boot2_checks() {
	local d
	lab_expect_serial "dhcp4: no answer to broadcast DHCP within [0-9]+ ms; falling back on the lease cache" "boot 2: fallback on the cached lease"
	lab_expect_serial "dhcp4: no server answered; using the cached lease 198\.18\.1\.[0-9]+ via 198\.18\.1\.1" "boot 2: up on the cached lease"
	lab_assert_no_serial "dhcp: boot information from" "boot 2: no DHCP boot information"
	d=$(lab_pcap_dump)
	lab_assert_no_pcap "$d" "who=server" "no DHCP server answered boot 2"
	lab_assert_no_dhcp sitea
	lab_assert_no_dhcp siteb
	lab_expect_serial "boot: candidate ${b//./\\.} \(last good, ranked by the last boot\)" "siteB is a candidate as the cached last-good site"
	grep -E -m1 "boot: candidate " <<<"$(pol_console)" | lab_grep "${b//./\\.}" || lab_die "siteB is not the first candidate of boot 2"
	[ "$(pol_first_syn)" = "$(lab_site_own4 siteb)" ] || lab_die "boot 2's first SYN went to $(pol_first_syn), want siteB (the cached site)"
	lab_log "asserted on the wire: boot 2's first SYN went to siteB (the cached last-good site)"
	pol_assert_release_from siteb
	pol_assert_no_release sitea
	lab_expect_serial "^site ${b//./\\.}$" "hand-off record: siteB"
	lab_expect_serial "^source last good$" "hand-off record: source = last good"
}
lab_check "boot 2: relay off, cached lease + cached site" boot2_checks
lab_finish
