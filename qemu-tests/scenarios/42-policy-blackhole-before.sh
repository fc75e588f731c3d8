#!/usr/bin/env bash
# Scenario 42 — the first site of a unicast site list blackholed silently before the boot. The image lists
# siteA then siteB by their own addresses. Boot "happy" (everything up) measures the hand-off time; then the
# router drops every packet to and from siteA's own addresses without a word (FIB rules, action blackhole:
# no ICMP error, BGP/BFD untouched, nothing outside the lab namespaces), and boot "blackholed" must fail
# over to siteB without waiting for a long timeout: its hand-off may be at most 3 s later than the happy
# path's (measured in this scenario, on nearboot's clock).
# Asserted: siteB's nginx served the release in the blackholed boot, siteA's nothing; on the wire siteA's
# SYNs went unanswered, no ICMP error came back, and no SYN went to siteA after the race.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
. "$(dirname "$0")/../lib/policy.sh"
lab_init 42-policy-blackhole-before
# shellcheck disable=SC2046
lab_configure_image $(pol_sites4 sitea siteb)
lab_up
pol_releases 7
a=$(pol_site_url sitea 4) b=$(pol_site_url siteb 4)

pol_boot happy --pxe4
happy=$(pol_handoff_ms)
[ -n "$happy" ] || lab_die "no hand-off time in the happy boot"

lab_blackhole "$(lab_site_own4 sitea)" "$(lab_site_own6 sitea)"
pol_boot blackholed --pxe4
cut=$(pol_handoff_ms)

timing_checks() {
	local extra=$((cut - happy))
	lab_log "hand-off: happy path $happy ms, siteA blackholed $cut ms: +$extra ms"
	[ "$extra" -lt 3000 ] || lab_die "the blackholed boot handed over $extra ms later than the happy path (want < +3000 ms)"
	lab_log "asserted: failover cost +$extra ms (< +3000 ms: no long timeout)"
}
console_checks() {
	lab_expect_serial "race: #1 ${b//./\\.} at 198\.18\.254\.2: connect" "race #1: siteB"
	lab_expect_serial "race: #2 ${a//./\\.}: no answer within the race" "siteA: no answer within the race"
	lab_expect_serial "stage2-hello: load options: hello from siteb " "hello ran siteB's release"
	lab_expect_serial "^site ${b//./\\.}$" "hand-off record: site = siteB"
}
server_checks() {
	pol_assert_release_from siteb
	pol_assert_no_release sitea
}
wire_checks() {
	local n
	pol_assert_flow "server=198\.18\.254\.1 sport=443 syns=[0-9]+ synack_ms=none " "SYN to siteA unanswered"
	pol_assert_no_flow "server=198\.18\.254\.1 sport=443 .* synack_ms=[0-9]" "no connection to siteA succeeded"
	pol_assert_flow "server=198\.18\.254\.2 sport=443 .* s2c=[0-9]{4,} " "siteB sent the release"
	pol_assert_silent_blackhole
	n=$(grep -c 'server=198\.18\.254\.1 ' "$LAB_BOOT_DIR/flows.txt")
	[ "$n" -le 1 ] || lab_die "$n connections tried to siteA (want 1: the race's)"
	lab_log "asserted on the wire: siteA was tried once (the race), $(pol_flow_field 'server=198\.18\.254\.1 ' syns) SYN(s)"
}
lab_check "timing: no long timeout" timing_checks
lab_check "console: failover to siteB" console_checks
lab_check "servers: siteB served, siteA nothing" server_checks
lab_check "wire: siteA silent, tried once" wire_checks
lab_finish
