#!/usr/bin/env bash
# Scenario 51 — the second boot uses the cached ranking and is faster than the first. The image lists siteA
# then siteB by their own addresses; siteA (first in the list) is down: blackholed silently in the router
# for both boots. Two PXE boots sharing one NV store:
#  boot 1 (no cache): the race starts with siteA, waits the 250 ms stagger before siteB, ranks siteB #1.
#  boot 2: the cached ranking puts siteB first: its first SYN goes to siteB, the race is shorter and the
#    hand-off earlier than in boot 1.
# Asserted from the console (candidates "ranked by the last boot", race phase and hand-off times, generous
# band: boot 2's race at least 100 ms shorter, its hand-off earlier), the captures (first SYN of each boot)
# and siteB's nginx log (served both boots).
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
. "$(dirname "$0")/../lib/policy.sh"
lab_init 51-policy-cached-ranking
# shellcheck disable=SC2046
lab_configure_image $(pol_sites4 sitea siteb)
lab_up
pol_releases 7
b=$(pol_site_url siteb 4)
vars=$LAB_OUT/OVMF_VARS.kept.fd
lab_blackhole "$(lab_site_own4 sitea)" "$(lab_site_own6 sitea)"

pol_boot boot1 --pxe4 --vars "$vars"
race1=$(pol_phase_ms race) h1=$(pol_handoff_ms) syn1=$(pol_first_syn)
lab_check "boot 1: served by siteB" pol_assert_release_from siteb
pol_boot boot2 --pxe4 --vars "$vars"
race2=$(pol_phase_ms race) h2=$(pol_handoff_ms) syn2=$(pol_first_syn)

ranking_checks() {
	local first
	first=$(grep -E -m1 "boot: candidate " <<<"$(pol_console)")
	[[ $first == *"candidate $b ("*"ranked by the last boot)"* ]] || lab_die "boot 2's first candidate is not siteB from the cache: $first"
	lab_log "asserted: boot 2's first candidate: ${first#*boot: }"
	[ "$syn1" = "$(lab_site_own4 sitea)" ] || lab_die "boot 1's first SYN went to $syn1, want siteA (configuration order)"
	[ "$syn2" = "$(lab_site_own4 siteb)" ] || lab_die "boot 2's first SYN went to $syn2, want siteB (cached ranking)"
	lab_log "asserted on the wire: first SYN boot 1 -> $syn1, boot 2 -> $syn2"
	pol_assert_release_from siteb
	lab_expect_serial "^site ${b//./\\.}$" "boot 2 booted from siteB"
}
speed_checks() {
	lab_log "race phase: boot 1 $race1 ms, boot 2 $race2 ms; hand-off: boot 1 $h1 ms, boot 2 $h2 ms"
	[ -n "$race1" ] && [ -n "$race2" ] && [ -n "$h1" ] && [ -n "$h2" ] || lab_die "missing phase/hand-off lines"
	[ "$race2" -le $((race1 - 100)) ] || lab_die "boot 2's race ($race2 ms) is not at least 100 ms shorter than boot 1's ($race1 ms)"
	[ "$h2" -lt "$h1" ] || lab_die "boot 2 handed over after $h2 ms, boot 1 after $h1 ms: not faster"
	lab_log "asserted: boot 2 faster (race -$((race1 - race2)) ms, hand-off -$((h1 - h2)) ms)"
}
lab_check "boot 2: cached ranking used" ranking_checks
lab_check "boot 2: faster than boot 1" speed_checks
lab_finish
