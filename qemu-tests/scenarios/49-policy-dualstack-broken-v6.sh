#!/usr/bin/env bash
# Scenario 49 — dual stack with a broken IPv6 path: the client gets both families (DHCPv4 and DHCPv6 + SLAAC
# from the router's RA) but the router silently drops all IPv6 traffic to and from the sites' own
# addresses. The sites' DHCP servers give no boot information (so nearboot waits for DHCPv6 and has IPv6
# addresses when the race starts); booted from disk. The image lists per site its IPv6 URL first, then its
# IPv4 URL. The race must pick IPv4 quickly: race phase < 1.5 s, #1 an IPv4 address, the IPv6 attempts
# unanswered (no ICMP error either).
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
. "$(dirname "$0")/../lib/policy.sh"
LAB_SITE_BOOT=no
lab_init 49-policy-dualstack-broken-v6
lab_configure_image --site "$(pol_site_url sitea 6)" --site "$(pol_site_url sitea 4)" \
	--site "$(pol_site_url siteb 6)" --site "$(pol_site_url siteb 4)"
lab_up
pol_releases 7
lab_blackhole "$(lab_site_own6 sitea)" "$(lab_site_own6 siteb)"
pol_boot boot --disk

console_checks() {
	local ms
	lab_expect_serial "dhcp4: 198\.18\.1\.[0-9]+ via 198\.18\.1\.1 " "IPv4 up"
	lab_expect_serial "net: v6 fd00:b007:0:1:[0-9a-f:]+ " "IPv6 up (global address) before the race"
	lab_expect_serial "race: #1 https://198\.18\.254\.[12]/release/ at 198\.18\.254\.[12]: connect" "race #1: an IPv4 URL"
	lab_expect_serial "race: #[0-9] https://\[fd00:b007:0:fffe::1\]/release/: no answer" "siteA's IPv6 URL: no answer"
	ms=$(pol_phase_ms race)
	[ -n "$ms" ] && [ "$ms" -lt 1500 ] || lab_die "the race took ${ms:-?} ms (want < 1500)"
	lab_log "asserted: race decided in $ms ms"
	lab_expect_serial "^family 4$" "hand-off record: family 4"
}
wire_checks() {
	pol_assert_flow "fam=6 .* server=fd00:b007:0:fffe::1 sport=443 .* synack_ms=none " "siteA's IPv6 address tried, unanswered"
	pol_assert_no_flow "fam=6 .* synack_ms=[0-9]" "no IPv6 connection succeeded"
	pol_assert_flow "fam=4 .* server=198\.18\.254\.[12] sport=443 .* s2c=[0-9]{4,} " "the release over IPv4"
	pol_assert_silent_blackhole
}
server_checks() {
	local s
	s=$(sed -n 's/.* server=198\.18\.254\.\([12]\) sport=443 .* s2c=[0-9]\{4,\} .*/\1/p' "$LAB_BOOT_DIR/flows.txt" | sed -n 1p)
	s=$(set -- $LAB_SITES; eval echo "\${$s}")
	lab_expect_log "$s" nginx-access.log "^198\.18\.1\.[0-9]+ - .*\"GET /release/stage2\.efi HTTP/1\.1\" 200 " "$s served stage2 over IPv4"
	lab_assert_no_log sitea nginx-access.log "^fd00:" "no IPv6 request reached siteA"
	lab_assert_no_log siteb nginx-access.log "^fd00:" "no IPv6 request reached siteB"
}
lab_check "console: v6 up, race picks v4 quickly" console_checks
lab_check "wire: v6 unanswered, silent" wire_checks
lab_check "servers: IPv4 only" server_checks
lab_finish
