#!/usr/bin/env bash
# Scenario 53 — family preference v4-first on a healthy dual-stack lab: the image lists per site its IPv6
# URL first, then its IPv4 URL (as 49 does), and is configured `--family v4-first`. Both families work, so
# without the preference an IPv6 URL is tried first and may win. With it: the first connection on the wire
# is to an IPv4 address, the IPv4 sites rank #1 and #2, the IPv6 URLs are still measured (they stay
# failover targets) but rank after them, and the release comes over IPv4 (hand-off record: family 4).
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
. "$(dirname "$0")/../lib/policy.sh"
LAB_SITE_BOOT=no
lab_init 53-policy-family-v4-first
lab_configure_image --family v4-first --site "$(pol_site_url sitea 6)" --site "$(pol_site_url sitea 4)" \
	--site "$(pol_site_url siteb 6)" --site "$(pol_site_url siteb 4)"
lab_up
pol_releases 7
pol_boot boot --disk

console_checks() {
	lab_expect_serial "net: v6 fd00:b007:0:1:[0-9a-f:]+ " "IPv6 up (global address) before the race"
	lab_expect_serial "race: #1 https://198\.18\.254\.[12]/release/ at 198\.18\.254\.[12]: connect" "race #1: an IPv4 URL"
	lab_expect_serial "race: #2 https://198\.18\.254\.[12]/release/ at 198\.18\.254\.[12]: connect" "race #2: the other IPv4 URL"
	lab_expect_serial "race: #[34] https://\[fd00:b007:0:fffe::1\]/release/ at fd00:b007:0:fffe::1: connect" "siteA's IPv6 URL measured, ranked after"
	lab_expect_serial "race: #[34] https://\[fd00:b007:0:fffe::2\]/release/ at fd00:b007:0:fffe::2: connect" "siteB's IPv6 URL measured, ranked after"
	lab_expect_serial "race: 4 site\(s\) ranked in [0-9]+ ms \(IPv4 first\)" "the preference named on the console"
	lab_expect_serial "^family 4$" "hand-off record: family 4"
}
wire_checks() {
	local first
	first=$(pol_first_syn)
	[[ "$first" =~ ^198\.18\.254\.[12]$ ]] || lab_die "the first connection went to $first (want an IPv4 site address)"
	lab_log "asserted on the wire: the first SYN went to $first (IPv4)"
	pol_assert_flow "fam=6 .* server=fd00:b007:0:fffe::1 sport=443 .* synack_ms=[0-9]" "siteA's IPv6 address answered the race"
	pol_assert_flow "fam=4 .* server=198\.18\.254\.[12] sport=443 .* s2c=[0-9]{4,} " "the release over IPv4"
}
server_checks() {
	lab_assert_no_log sitea nginx-access.log "^fd00:" "no IPv6 request reached siteA's nginx"
	lab_assert_no_log siteb nginx-access.log "^fd00:" "no IPv6 request reached siteB's nginx"
}
lab_check "console: IPv4 ranked first, IPv6 measured" console_checks
lab_check "wire: IPv4 first" wire_checks
lab_check "servers: the release over IPv4" server_checks
lab_finish
