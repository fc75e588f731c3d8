#!/usr/bin/env bash
# Scenario 40 — the nearest site wins the race. nb-link between the router and siteB adds 20 ms each way
# (siteB is 40 ms away, siteA ~1 ms). The image lists both sites by their own unicast addresses, siteB
# FIRST, so the order of the configuration cannot be what picks siteA: only the measured connect times
# can. nearboot must rank siteA #1 and siteB #2 with its ~40 ms measured, fetch the release from siteA and
# boot it (hello's load options name siteA's manifest). Asserted from the nginx logs (siteA served manifest,
# signature and stage2; siteB served nothing) and the capture (siteB's SYN-ACK 40 ms after the SYN, a
# race probe only; the release bytes came from siteA).
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
. "$(dirname "$0")/../lib/policy.sh"
LAB_LINK_siteb='delay=20'
lab_init 40-policy-nearest-40ms
# shellcheck disable=SC2046
lab_configure_image $(pol_sites4 siteb sitea)
lab_up
pol_releases 7
pol_boot boot --pxe4
a=$(pol_site_url sitea 4) b=$(pol_site_url siteb 4)

wire_checks() {
	local rtt
	pol_assert_flow "server=198\.18\.254\.2 sport=443 .* synack_ms=[0-9.]+ s2c=0 " "siteB probed by the race (connect only)"
	rtt=$(pol_flow_field "server=198\.18\.254\.2 sport=443" synack_ms)
	pol_ge "$rtt" 38 || lab_die "siteB's SYN-ACK came ${rtt} ms after the SYN on the wire: nb-link's 40 ms are missing"
	lab_log "asserted on the wire: siteB answers the SYN after $rtt ms (the 40 ms link)"
	pol_assert_flow "server=198\.18\.254\.1 sport=443 .* s2c=[0-9]{4,} " "siteA sent the release over TLS"
	lab_link_show siteb | grep -E '^(a2b|b2a) (settings|counters)' | sed 's/^/    nb-link siteb: /' >&2
}
console_checks() {
	local l ms
	lab_expect_serial "boot: candidate ${b//./\\.} \(configuration\)" "siteB is the first candidate of the configuration"
	l=$(pol_race_line 1)
	[[ $l == "race: #1 $a at 198.18.254.1: connect "* ]] || lab_die "race #1 is not siteA: '$l'"
	ms=$(sed -n 's/.*connect \([0-9.]*\) ms.*/\1/p' <<<"$l")
	pol_lt "$ms" 20 || lab_die "siteA measured at $ms ms"
	l=$(pol_race_line 2)
	[[ $l == "race: #2 $b at 198.18.254.2: connect "* ]] ||
		lab_die "race #2 is not siteB with a measured connect time: '$l' (the race did not measure every candidate)"
	ms=$(sed -n 's/.*connect \([0-9.]*\) ms.*/\1/p' <<<"$l")
	pol_ge "$ms" 38 || lab_die "siteB measured at $ms ms, want >= 38 (40 ms away)"
	lab_log "asserted: ranking siteA #1, siteB #2 at $ms ms"
	lab_expect_serial "stage2-hello: load options: hello from sitea nearboot\.site=${a//./\\.} " "hello booted siteA's release"
	lab_expect_serial "^site ${a//./\\.}$" "hand-off record: site = siteA"
}
server_checks() {
	pol_assert_release_from sitea
	lab_expect_log sitea nginx-access.log "\"GET /release/stage2\.efi HTTP/1\.1\" 200 .* at=198\.18\.254\.1 " "siteA served stage2 on its own address"
	pol_assert_no_release siteb
}
lab_check "console: ranking by measured connect time" console_checks
lab_check "servers: siteA served the release, siteB nothing" server_checks
lab_check "wire: siteB 40 ms away, probed only" wire_checks
lab_finish
